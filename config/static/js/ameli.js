/* Progressive enhancement shared by every page; the pages work without it. */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    // After a failed submit, put the keyboard and screen-reader focus on the error summary,
    // whose links lead to each field in error.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) {
      summary.focus();
    }
  });
})();
