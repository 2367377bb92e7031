/*
 * The KPI set form (portal/hr/kpi_set.html): the sum of the weights as they are typed, and
 * "Add a row". Weights are read as the server reads them ("0,5" and "0.5"; at most 4
 * decimal places) and added as whole 1/10000ths, so 0,1 + 0,2 is 0,3 exactly. The texts
 * come translated from the page's data-text-* attributes. Without this script the server
 * still checks the sum and says what it is.
 */
(function () {
  "use strict";

  var SCALE = 10000;
  var WEIGHT = /^\s*(\d*)(?:[.,](\d{0,4}))?\s*$/;

  /* "0,95" -> 9500; null when it is not a number with at most 4 decimal places. */
  function toUnits(text) {
    var match = WEIGHT.exec(text);
    if (!match || (match[1] === "" && !match[2])) {
      return null;
    }
    var whole = parseInt(match[1] || "0", 10);
    var fraction = parseInt(((match[2] || "") + "0000").slice(0, 4), 10);
    return whole * SCALE + fraction;
  }

  /* 9500 -> "0,95" (with the page's decimal point); 10000 -> "1,0", as the server writes it. */
  function fromUnits(units, point) {
    var whole = Math.floor(units / SCALE);
    var fraction = String(units % SCALE);
    while (fraction.length < 4) {
      fraction = "0" + fraction;
    }
    fraction = fraction.replace(/0+$/, "") || "0";
    return whole + point + fraction;
  }

  function fill(template, name, value) {
    return template.replace("%(" + name + ")s", value);
  }

  function update(form, shown) {
    var total = 0;
    var inputs = form.querySelectorAll("[data-weight]");
    for (var i = 0; i < inputs.length; i++) {
      var text = inputs[i].value.trim();
      if (text === "") {
        continue;
      }
      var units = toUnits(text);
      if (units === null) {
        shown.textContent = fill(shown.getAttribute("data-text-bad"), "value", text);
        shown.classList.remove("kpiset-sum--ok");
        return;
      }
      total += units;
    }
    var sum = fromUnits(total, shown.getAttribute("data-point") || ".");
    var ok = total === SCALE;
    shown.textContent = fill(shown.getAttribute(ok ? "data-text-ok" : "data-text-off"), "sum", sum);
    shown.classList.toggle("kpiset-sum--ok", ok);
  }

  /* A copy of the last row, emptied, numbered next, its ids and names moved on. */
  function addRow(form) {
    var rows = form.querySelector("[data-rows]");
    var last = rows.querySelector("[data-row]:last-of-type");
    if (!last) {
      return;
    }
    var index = rows.querySelectorAll("[data-row]").length;
    var row = last.cloneNode(true);
    row.classList.remove("kpiset-row--error");
    var error = row.querySelector(".kpiset-row__error");
    if (error) {
      error.remove();
    }
    row.querySelector("[data-row-number]").textContent = String(index + 1);
    var fields = row.querySelectorAll("select, input");
    for (var i = 0; i < fields.length; i++) {
      var kind = fields[i].name.replace(/-\d+$/, "");
      fields[i].name = kind + "-" + index;
      fields[i].id = kind + "-" + index;
      fields[i].value = "";
      fields[i].removeAttribute("aria-invalid");
      fields[i].removeAttribute("aria-describedby");
    }
    var labels = row.querySelectorAll("label[data-row-label]");
    for (var j = 0; j < labels.length; j++) {
      labels[j].htmlFor = labels[j].htmlFor.replace(/-\d+$/, "-" + index);
      labels[j].textContent = fill(labels[j].getAttribute("data-row-label"), "number", String(index + 1));
    }
    rows.appendChild(row);
    row.querySelector("select").focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.querySelector("[data-kpi-set-form]");
    var shown = document.getElementById("weights-sum");
    if (!form || !shown) {
      return;
    }
    form.addEventListener("input", function (event) {
      if (event.target.hasAttribute("data-weight")) {
        update(form, shown);
      }
    });
    var add = form.querySelector("[data-add-row]");
    if (add) {
      add.hidden = false;
      add.addEventListener("click", function () {
        addRow(form);
      });
    }
    update(form, shown);
  });
})();
