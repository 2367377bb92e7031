/* The plan builder (portal/builder.py): "Add a row" and "Add a factor" add one in place from
   the <template> of their part of the page (a band table edited in place is one: its
   [data-rows-scope]), numbered after the last, and put the keyboard in its first field.
   Without this script the same buttons submit and the page comes back with more rows. */
(function () {
  "use strict";

  function addRow(button) {
    var kind = button.getAttribute("data-add-row");
    var scope = button.closest("[data-rows-scope]") || button.form;
    var template = scope.querySelector('template[data-row-template="' + kind + '"]');
    var rows = scope.querySelector('[data-rows="' + kind + '"]');
    if (!template || !rows) { return false; }
    var index = parseInt(rows.getAttribute("data-next-index"), 10) || 0;
    var number = rows.querySelectorAll(kind === "band" ? ":scope > tr[data-row]" : ":scope > fieldset[data-factor]").length + 1;
    var html = template.innerHTML.split("__index__").join(String(index)).split("__number__").join(String(number));
    var holder = document.createElement(kind === "band" ? "tbody" : "div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    rows.appendChild(row);
    rows.setAttribute("data-next-index", String(index + 1));
    var first = row.querySelector("input, select");
    if (first) { first.focus(); }
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-add-row]");
    if (button && addRow(button)) { event.preventDefault(); }
  });
})();
