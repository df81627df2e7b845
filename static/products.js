/*
 * The product list: select rows for bulk actions, and show only the bulk
 * action's own parameter. Works on the results section after every htmx swap.
 */
(function () {
  "use strict";

  function setup(root) {
    var form = root.querySelector ? root.querySelector("#bulk-form") : null;
    if (!form && root.id === "bulk-form") form = root;
    if (!form) return;

    var pageBox = form.querySelector("#select-page");
    var action = form.querySelector("#bulk-action");
    var count = form.querySelector("#bulk-count");
    var allMatching = form.querySelector("#all_matching");

    function rowBoxes() { return form.querySelectorAll("input[name=ids]"); }

    function refresh() {
      var boxes = rowBoxes();
      var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; });
      if (pageBox) {
        pageBox.checked = checked.length > 0 && checked.length === boxes.length;
        pageBox.indeterminate = checked.length > 0 && checked.length < boxes.length;
      }
      Array.prototype.forEach.call(boxes, function (b) {
        var row = b.closest("tr");
        if (row) row.classList.toggle("is-selected", b.checked);
      });
      if (count) {
        count.textContent = allMatching && allMatching.checked
          ? "All matching products selected."
          : checked.length ? checked.length + " selected." : "Select products to change several at once.";
      }
    }

    function showParam() {
      if (!action) return;
      Array.prototype.forEach.call(form.querySelectorAll(".bulk-param"), function (el) {
        var wanted = (el.getAttribute("data-for") || "").split(" ");
        var on = wanted.indexOf(action.value) !== -1;
        el.hidden = !on;
        Array.prototype.forEach.call(el.querySelectorAll("select"), function (s) { s.disabled = !on; });
      });
    }

    if (pageBox) {
      pageBox.addEventListener("change", function () {
        Array.prototype.forEach.call(rowBoxes(), function (b) { b.checked = pageBox.checked; });
        refresh();
      });
    }
    form.addEventListener("change", function (event) {
      if (event.target.name === "ids" || event.target === allMatching) refresh();
      if (event.target === action) showParam();
    });
    showParam();
    refresh();
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) window.htmx.onLoad(setup);
    else setup(document);
  });
})();
