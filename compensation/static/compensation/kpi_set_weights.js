/*
 * KPI set change page: the running sum of the inline's weights, as you type.
 *
 * "Sum of weights: 0.95 (must be 1)", turning OK at exactly 1 (spec §4: Decimal equality, no
 * tolerance). Weights are added as integers of 1/10000 — a weight has at most 4 decimal
 * places — so 0.1 + 0.2 is 0.3, never 0.30000000000000004. Rows marked for deletion, blank
 * rows and the hidden template row are left out, as the server does.
 */
(function () {
  "use strict";

  var PREFIX = "items";
  var SCALE = 10000;
  var WEIGHT = /^\s*(\d*)(?:[.,](\d{0,4}))?\s*$/;

  /* "0.95" -> 9500; null when it is not a decimal with at most 4 places. */
  function toUnits(text) {
    var match = WEIGHT.exec(text);
    if (!match || (match[1] === "" && (match[2] === undefined || match[2] === ""))) {
      return null;
    }
    var whole = parseInt(match[1] || "0", 10);
    var fraction = parseInt(((match[2] || "") + "0000").slice(0, 4), 10);
    return whole * SCALE + fraction;
  }

  /* 9500 -> "0.95"; 10000 -> "1". */
  function fromUnits(units) {
    var whole = Math.floor(units / SCALE);
    var fraction = String(units % SCALE);
    while (fraction.length < 4) {
      fraction = "0" + fraction;
    }
    fraction = fraction.replace(/0+$/, "");
    return fraction ? whole + "." + fraction : String(whole);
  }

  function weightInputs() {
    var pattern = new RegExp("^" + PREFIX + "-\\d+-weight$");
    return Array.prototype.filter.call(document.querySelectorAll("input[name$='-weight']"), function (input) {
      if (!pattern.test(input.name)) {
        return false;
      }
      var deleteBox = document.querySelector("input[name='" + input.name.replace(/weight$/, "DELETE") + "']");
      return !(deleteBox && deleteBox.checked);
    });
  }

  /* The text and state for the weights typed so far. */
  function summarize(values) {
    var total = 0;
    for (var i = 0; i < values.length; i++) {
      if (values[i].trim() === "") {
        continue;
      }
      var units = toUnits(values[i]);
      if (units === null) {
        return { ok: false, text: "Sum of weights: ? (" + values[i].trim() + " is not a decimal with at most 4 places)" };
      }
      total += units;
    }
    if (total === SCALE) {
      return { ok: true, text: "Sum of weights: 1 — OK" };
    }
    return { ok: false, text: "Sum of weights: " + fromUnits(total) + " (must be 1)" };
  }

  function display() {
    var shown = document.getElementById("kpi-set-weights-sum");
    if (!shown) {
      var group = document.getElementById(PREFIX + "-group");
      if (!group) {
        return null;
      }
      shown = document.createElement("p");
      shown.id = "kpi-set-weights-sum";
      shown.setAttribute("aria-live", "polite");
      group.appendChild(shown);
    }
    return shown;
  }

  function refresh() {
    var shown = display();
    if (!shown) {
      return;
    }
    var summary = summarize(weightInputs().map(function (input) { return input.value; }));
    shown.textContent = summary.text;
    shown.className = summary.ok ? "weights-sum weights-sum-ok" : "weights-sum weights-sum-off";
  }

  function onEdit(event) {
    var name = event.target && event.target.name;
    if (name && name.indexOf(PREFIX + "-") === 0 && /-(weight|DELETE)$/.test(name)) {
      refresh();
    }
  }

  if (typeof document !== "undefined") {
    document.addEventListener("input", onEdit);
    document.addEventListener("change", onEdit);
    document.addEventListener("formset:added", refresh);
    document.addEventListener("formset:removed", refresh);
    document.addEventListener("DOMContentLoaded", refresh);
  }

  /* For tests run under node. */
  if (typeof module !== "undefined" && module.exports) {
    module.exports = { toUnits: toUnits, fromUnits: fromUnits, summarize: summarize };
  }
})();
