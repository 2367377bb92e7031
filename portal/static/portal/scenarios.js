// Scenarios page: choosing a band table fills in its current rows, ready to edit, unless the
// rows typed so far are someone's own edits (not the rows of the table chosen before).
(function () {
  "use strict";
  var select = document.querySelector("[data-scenario-table]");
  var rows = document.querySelector("[data-scenario-rows]");
  if (!select || !rows) return;
  function rowsOf(option) { return option ? option.getAttribute("data-rows") || "" : ""; }
  var shown = rowsOf(select.options[select.selectedIndex]);
  select.addEventListener("change", function () {
    var typed = rows.value.trim();
    if (typed === "" || typed === shown.trim()) {
      shown = rowsOf(select.options[select.selectedIndex]);
      rows.value = shown;
    }
  });
})();
