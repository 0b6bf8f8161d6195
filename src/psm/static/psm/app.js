/* PSM — small page behaviour, no build step. */
(function () {
  "use strict";
  // "/" anywhere (outside a text field) jumps to the global search; Escape leaves it.
  document.addEventListener("keydown", function (event) {
    var search = document.getElementById("global-search");
    if (!search) return;
    var t = event.target;
    var typing = t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
    if (event.key === "/" && !typing && !event.ctrlKey && !event.metaKey && !event.altKey) {
      event.preventDefault();
      search.focus();
      search.select();
    } else if (event.key === "Escape" && t === search) {
      var popup = document.getElementById("search-popup");
      if (popup) popup.innerHTML = "";
      search.blur();
    }
  });
  // Closing the results when focus leaves the search box and its results.
  // A click anywhere else closes them too, even on what cannot take focus.
  function closeSearchOutside(event) {
    var form = document.querySelector("form.search");
    var popup = document.getElementById("search-popup");
    if (form && popup && !form.contains(event.target)) popup.innerHTML = "";
  }
  document.addEventListener("focusin", closeSearchOutside);
  document.addEventListener("pointerdown", closeSearchOutside);
  // A file over the limit is refused before it is uploaded (the server checks again).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input || input.type !== "file" || !input.dataset.maxBytes) return;
    var limit = Number(input.dataset.maxBytes);
    var big = Array.prototype.filter.call(input.files || [], function (f) { return f.size > limit; });
    var mb = function (n) { return (n / 1048576).toFixed(n >= 10485760 ? 0 : 1) + " MB"; };
    input.setCustomValidity(big.length
      ? big[0].name + " is " + mb(big[0].size) + "; the limit is " + mb(limit) + " a file."
      : "");
    if (big.length) input.reportValidity();
  });
  // On a phone each table row is a card: every cell carries its column's name (CSS shows
  // it before the value). Done for the page and for every piece htmx swaps in.
  function labelCells(root) {
    var tables = (root.matches && root.matches("table.table")) ? [root] : root.querySelectorAll("table.table");
    Array.prototype.forEach.call(tables, function (table) {
      var heads = table.querySelectorAll("thead th");
      if (!heads.length) return;
      var names = Array.prototype.map.call(heads, function (th) { return th.textContent.trim(); });
      Array.prototype.forEach.call(table.querySelectorAll("tbody tr"), function (tr) {
        var col = 0;
        Array.prototype.forEach.call(tr.children, function (cell) {
          var name = names[col] || "";
          if (!cell.hasAttribute("data-label") && !cell.hasAttribute("colspan")) {
            cell.setAttribute("data-label", name);
          }
          col += Number(cell.getAttribute("colspan") || 1);
        });
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { labelCells(document); });
  document.addEventListener("htmx:load", function (event) { labelCells(event.target); });
})();
/* A button with data-insert puts its text into the field named by data-insert-into, at the
   cursor (the knowledge base's "insert an article into the reply"). */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-insert]") : null;
    if (!button) return;
    var field = document.getElementById(button.dataset.insertInto || "");
    if (!field) return;
    var text = button.dataset.insert;
    var start = field.selectionStart || 0, end = field.selectionEnd || 0;
    var before = field.value.slice(0, start), after = field.value.slice(end);
    var gap = before && !/\n$/.test(before) ? "\n\n" : "";
    field.value = before + gap + text + after;
    var at = (before + gap + text).length;
    field.focus();
    field.setSelectionRange(at, at);
    field.dispatchEvent(new Event("input", { bubbles: true }));
  });
})();
