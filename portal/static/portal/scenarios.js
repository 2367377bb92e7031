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

// Choosing a KPI set shows its weights (prefilled with today's) and only those are sent;
// each set's hint says what its typed weights sum to ("0,2" and "0.2" alike). The server
// checks them again.
(function () {
  "use strict";
  var select = document.querySelector("[data-scenario-set]");
  if (!select) return;
  var sets = document.querySelectorAll("[data-weights-for]");
  function number(text) {
    var cleaned = text.replace(/[\s\u00a0\u202f]/g, "").replace(",", ".");
    return /^\d*\.?\d+$/.test(cleaned) ? parseFloat(cleaned) : NaN;
  }
  function showSum(fieldset) {
    var total = 0;
    var readable = true;
    fieldset.querySelectorAll("[data-scenario-weight]").forEach(function (input) {
      var value = number(input.value.trim());
      if (isNaN(value)) { readable = false; } else { total += value; }
    });
    var out = fieldset.querySelector("[data-weights-sum]");
    if (out) { out.textContent = readable ? "Σ " + (Math.round(total * 10000) / 10000) : ""; }
  }
  function choose() {
    sets.forEach(function (fieldset) {
      var on = fieldset.getAttribute("data-weights-for") === select.value;
      fieldset.hidden = !on;
      fieldset.querySelectorAll("input").forEach(function (input) { input.disabled = !on; });
      if (on) { showSum(fieldset); }
    });
  }
  sets.forEach(function (fieldset) {
    fieldset.addEventListener("input", function () { showSum(fieldset); });
  });
  select.addEventListener("change", choose);
  choose();
})();
