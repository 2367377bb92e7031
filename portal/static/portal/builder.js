/* The plan builder (portal/builder.py): "Add a row" and "Add a factor" add one in place from
   the page's <template>, numbered after the last, and put the keyboard in its first field.
   Without this script the same buttons submit and the page comes back with the new row. */
(function () {
  "use strict";

  function addRow(button) {
    var kind = button.getAttribute("data-add-row");
    var form = button.form;
    var template = form.querySelector('template[data-row-template="' + kind + '"]');
    var rows = form.querySelector("[data-rows]");
    if (!template || !rows) { return false; }
    var index = parseInt(rows.getAttribute("data-next-index"), 10) || 0;
    var number = rows.querySelectorAll(kind === "band" ? "tr[data-row]" : "fieldset[data-factor]").length + 1;
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
