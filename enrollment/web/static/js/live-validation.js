/* Live validation of a form: when a person leaves a field, ask the service (the same checks
   as on submit) and show that field's message the DSFR way. The form still works, and is
   still fully checked on submit, without this script. */
(function () {
  "use strict";

  function errorId(input) {
    return input.id + "-error";
  }

  function show(input, message) {
    var group = input.closest(".fr-input-group");
    var existing = document.getElementById(errorId(input));
    var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described = described.filter(function (id) { return id !== errorId(input); });
    if (message) {
      if (!existing) {
        existing = document.createElement("p");
        existing.id = errorId(input);
        existing.className = "fr-error-text";
        input.insertAdjacentElement("afterend", existing);
      }
      existing.textContent = message;
      described.push(errorId(input));
      input.setAttribute("aria-invalid", "true");
      input.classList.add("fr-input--error");
      if (group) { group.classList.add("fr-input-group--error"); }
    } else {
      if (existing) { existing.remove(); }
      input.removeAttribute("aria-invalid");
      input.classList.remove("fr-input--error");
      if (group) { group.classList.remove("fr-input-group--error"); }
    }
    if (described.length) {
      input.setAttribute("aria-describedby", described.join(" "));
    } else {
      input.removeAttribute("aria-describedby");
    }
  }

  function enhance(form) {
    var url = form.getAttribute("data-live-validation");
    if (!url || new URL(url, window.location.href).origin !== window.location.origin) {
      return;
    }
    var touched = {};
    var pending = null;

    function check() {
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var token = form.querySelector("input[name=csrf_token]");
      fetch(url, {
        method: "POST",
        body: new FormData(form),
        credentials: "same-origin",
        headers: token ? { "X-CSRFToken": token.value } : {},
        signal: pending.signal,
        redirect: "error",
        cache: "no-store"
      }).then(function (response) {
        return response.ok ? response.json() : null;
      }).then(function (answer) {
        if (!answer) { return; }
        Object.keys(touched).forEach(function (name) {
          var input = form.elements[name];
          if (input) { show(input, answer.errors[name] || ""); }
        });
      }).catch(function () { /* the submit checks everything anyway */ });
    }

    form.addEventListener("change", function (event) {
      var input = event.target;
      if (!input.name || input.type === "hidden") { return; }
      touched[input.name] = true;
      check();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-live-validation]").forEach(enhance);
  });
})();
