/*
 * Live rules and indicative strength of the code personnel (SPEC §6), while typing.
 *
 * Progressive enhancement: without this script the form still works and the server checks
 * everything on submit. The code is sent only to this service's own check URL (the
 * input's data-check-url, refused unless same origin), in a POST body, never in a URL,
 * never logged, never cached. Focus is never moved; the strength element carries
 * aria-live="polite" in the template so that screen readers hear the new level.
 *
 * Markup used:
 *   input[data-code-personnel][data-check-url]  the new code
 *   [data-code-personnel-rules] li[data-rule=CODE] each rule (with a span.fr-sr-only)
 *   [data-code-personnel-strength]              level; its <strong> (or
 *                                               [data-code-personnel-strength-label]) gets
 *                                               the label, itself gets data-score
 *   input[data-code-personnel-confirmation]     optional confirmation
 *   [data-code-personnel-confirmation-status]   optional message for the confirmation
 */
(function () {
  "use strict";

  var DELAY_MS = 250;
  var STRENGTH_PREFIX = "Niveau indicatif de sécurité : ";
  var EMPTY_LABEL = "—";
  var RESPECTED = " : respecté";
  var NOT_RESPECTED = " : non respecté";
  var CONFIRMATION_MATCHES = "Les deux codes saisis sont identiques.";
  var CONFIRMATION_DIFFERS = "Les deux codes saisis ne sont pas identiques.";
  // The page gives these texts in its own language; the French above are the fallback.
  var textsHolder = document.querySelector("[data-code-personnel-texts]");
  if (textsHolder) {
    try {
      var texts = JSON.parse(textsHolder.getAttribute("data-code-personnel-texts"));
      STRENGTH_PREFIX = texts.strength_prefix || STRENGTH_PREFIX;
      RESPECTED = texts.respected || RESPECTED;
      NOT_RESPECTED = texts.not_respected || NOT_RESPECTED;
      CONFIRMATION_MATCHES = texts.confirmation_matches || CONFIRMATION_MATCHES;
      CONFIRMATION_DIFFERS = texts.confirmation_differs || CONFIRMATION_DIFFERS;
    } catch (error) { /* keep the fallback texts */ }
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") || "" : "";
  }

  // The code must never leave for another site, even if the attribute were tampered with.
  function sameOriginUrl(raw) {
    if (!raw) {
      return null;
    }
    try {
      var url = new URL(raw, window.location.href);
      return url.origin === window.location.origin ? url.href : null;
    } catch (error) {
      return null;
    }
  }

  function srOnly(item) {
    var span = item.querySelector(".fr-sr-only");
    if (!span) {
      span = document.createElement("span");
      span.className = "fr-sr-only";
      item.appendChild(span);
    }
    return span;
  }

  function markRule(item, ok) {
    item.classList.toggle("fr-message--valid", ok === true);
    item.classList.toggle("fr-message--error", ok === false);
    srOnly(item).textContent = ok === true ? RESPECTED : ok === false ? NOT_RESPECTED : "";
  }

  function showStrength(element, strength) {
    if (!element) {
      return;
    }
    var label = strength ? strength.label : EMPTY_LABEL;
    if (strength) {
      element.setAttribute("data-score", String(strength.score));
    } else {
      element.removeAttribute("data-score");
    }
    var slot =
      element.querySelector("[data-code-personnel-strength-label]") ||
      element.querySelector("strong");
    // Rewriting only what changed keeps aria-live from announcing the same level again.
    if (slot) {
      if (slot.textContent !== label) {
        slot.textContent = label;
      }
    } else if (element.textContent !== STRENGTH_PREFIX + label) {
      element.textContent = STRENGTH_PREFIX + label;
    }
    var meter = element.querySelector("meter, progress");
    if (meter) {
      meter.value = strength ? strength.score : 0;
    }
  }

  function showConfirmation(element, matches) {
    if (!element) {
      return;
    }
    element.classList.toggle("fr-message--valid", matches === true);
    element.classList.toggle("fr-message--error", matches === false);
    element.textContent =
      matches === true ? CONFIRMATION_MATCHES : matches === false ? CONFIRMATION_DIFFERS : "";
  }

  function enhance(input) {
    var url = sameOriginUrl(input.getAttribute("data-check-url"));
    if (!url || !window.fetch || !window.AbortController) {
      return;
    }
    var scope = input.form || input.closest("form") || document;
    var rules = scope.querySelector("[data-code-personnel-rules]");
    var strength = scope.querySelector("[data-code-personnel-strength]");
    var confirmation = scope.querySelector("[data-code-personnel-confirmation]");
    var confirmationStatus = scope.querySelector("[data-code-personnel-confirmation-status]");
    var timer = null;
    var inFlight = null;

    function ruleItems() {
      return rules ? rules.querySelectorAll("li[data-rule]") : [];
    }

    function reset() {
      Array.prototype.forEach.call(ruleItems(), function (item) {
        markRule(item, null);
      });
      showStrength(strength, null);
      showConfirmation(confirmationStatus, null);
    }

    function render(answer) {
      var byCode = {};
      (answer.rules || []).forEach(function (rule) {
        byCode[rule.code] = rule.ok === true;
      });
      Array.prototype.forEach.call(ruleItems(), function (item) {
        var code = item.getAttribute("data-rule");
        if (Object.prototype.hasOwnProperty.call(byCode, code)) {
          markRule(item, byCode[code]);
        }
      });
      if (answer.strength && typeof answer.strength.score === "number") {
        showStrength(strength, answer.strength);
      }
      if (typeof answer.confirmation_matches === "boolean") {
        showConfirmation(confirmationStatus, answer.confirmation_matches);
      } else {
        showConfirmation(confirmationStatus, null);
      }
    }

    function check() {
      timer = null;
      if (inFlight) {
        inFlight.abort();
      }
      var password = input.value;
      if (!password) {
        inFlight = null;
        reset();
        return;
      }
      var body = { password: password };
      if (confirmation && confirmation.value) {
        body.confirmation = confirmation.value;
      }
      var controller = new AbortController();
      inFlight = controller;
      window
        .fetch(url, {
          method: "POST",
          credentials: "same-origin",
          cache: "no-store",
          // A lost wizard session answers with a redirect: stop there, quietly.
          redirect: "error",
          signal: controller.signal,
          headers: {
            "Content-Type": "application/json",
            Accept: "application/json",
            "X-CSRFToken": csrfToken(),
            "X-Requested-With": "XMLHttpRequest",
          },
          body: JSON.stringify(body),
        })
        .then(function (response) {
          if (!response.ok) {
            throw new Error("check failed");
          }
          return response.json();
        })
        .then(function (answer) {
          if (inFlight === controller && answer && typeof answer === "object") {
            inFlight = null;
            render(answer);
          }
        })
        .catch(function () {
          // Aborted or failed: the server checks everything again on submit.
          if (inFlight === controller) {
            inFlight = null;
          }
        });
    }

    function schedule() {
      if (timer !== null) {
        window.clearTimeout(timer);
      }
      // A newer keystroke makes the pending answer useless.
      if (inFlight) {
        inFlight.abort();
        inFlight = null;
      }
      timer = window.setTimeout(check, DELAY_MS);
    }

    input.addEventListener("input", schedule);
    if (confirmation) {
      confirmation.addEventListener("input", schedule);
    }
    // The browser may have restored a value (back button): show its rules at once.
    if (input.value) {
      schedule();
    }
  }

  function start() {
    Array.prototype.forEach.call(
      document.querySelectorAll("input[data-code-personnel]"),
      enhance
    );
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
