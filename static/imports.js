/*
 * The product list's Export button downloads what the list shows now: the
 * search, filters and sort in the address bar (htmx keeps it current), or,
 * when rows are ticked, those rows only ("All N matching" ticked means the
 * whole filtered list again). Without JavaScript the link exports the list as
 * the page was loaded.
 */
(function () {
  "use strict";

  function selection() {
    var form = document.getElementById("bulk-form");
    if (!form) return { all: false, ids: [] };
    var all = form.querySelector("#all_matching");
    var ids = Array.prototype.map.call(
      form.querySelectorAll("input[name=ids]:checked"), function (box) { return box.value; });
    return { all: !!(all && all.checked), ids: ids };
  }

  function refresh() {
    var link = document.getElementById("export-products");
    if (!link) return;
    var base = link.getAttribute("href").split("?")[0];
    var params = new URLSearchParams(window.location.search);
    params.delete("page");
    var chosen = selection();
    if (chosen.ids.length && !chosen.all) {
      chosen.ids.forEach(function (id) { params.append("ids", id); });
      link.textContent = "Export " + chosen.ids.length + " selected";
    } else {
      link.textContent = "Export";
    }
    var query = params.toString();
    link.setAttribute("href", base + (query ? "?" + query : ""));
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && (target.name === "ids" || target.id === "all_matching" || target.id === "select-page")) {
      refresh();
    }
  });
  document.addEventListener("htmx:afterSettle", refresh);
  document.addEventListener("htmx:pushedIntoHistory", refresh);
  document.addEventListener("click", function (event) {
    if (event.target && event.target.closest && event.target.closest("#export-products")) refresh();
  }, true);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", refresh);
  else refresh();
})();
