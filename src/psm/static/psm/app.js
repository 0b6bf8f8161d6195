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
  document.addEventListener("focusin", function (event) {
    var form = document.querySelector("form.search");
    var popup = document.getElementById("search-popup");
    if (form && popup && !form.contains(event.target)) popup.innerHTML = "";
  });
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
})();
