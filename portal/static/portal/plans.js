// HR's plans and actuals grid (portal/hr/plans.html): marks the cells changed since the page
// was loaded, counts them next to Save, and posts only those. The form works without it.
(function () {
  "use strict";
  function setUp(form) {
    var cells = form.querySelectorAll("input.plans-grid__cell");
    var counter = form.querySelector("[data-changed-count]");
    var label = counter ? (counter.getAttribute("data-label") || "") : "";
    function refresh() {
      var changed = 0;
      cells.forEach(function (cell) {
        var isChanged = cell.value.trim() !== (cell.getAttribute("data-saved") || "");
        cell.classList.toggle("is-changed", isChanged);
        if (isChanged) { changed += 1; }
      });
      if (counter) { counter.textContent = changed ? label + " " + changed : ""; }
    }
    form.addEventListener("input", refresh);
    // Only the changed cells travel: a big grid posts a few fields instead of thousands
    // (the server reads whatever cells come, so the form without this script posts them all).
    form.addEventListener("submit", function () {
      cells.forEach(function (cell) {
        if (cell.value.trim() === (cell.getAttribute("data-saved") || "")) { cell.disabled = true; }
      });
    });
    refresh();
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-plans-grid]").forEach(setUp);
  });
})();
