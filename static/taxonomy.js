/*
 * Collections, tags and types (templates/taxonomy/): keyboard glue.
 *   - Escape in a row being renamed or asking to confirm a delete cancels it
 *     (clicks its Cancel, which GETs the row back).
 *   - ArrowDown in the merge search moves to the list of matches.
 */
(function () {
  "use strict";

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented) return;
    var target = event.target;
    if (!target || !target.closest) return;

    if (event.key === "Escape") {
      var row = target.closest(".taxonomy-row-editing, .taxonomy-row-confirm");
      var cancel = row && row.querySelector(".taxonomy-cancel");
      if (cancel) {
        event.preventDefault();
        cancel.click();
      }
    } else if (event.key === "ArrowDown" && target.id === "merge-q") {
      var list = document.getElementById("merge-target");
      if (list && list.options.length) {
        event.preventDefault();
        list.focus();
      }
    }
  });
})();
