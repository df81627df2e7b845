/*
 * The variant grid and the options editor (templates/variants/). Loaded with
 * `defer` after htmx and SortableJS; no inline code (the CSP forbids it).
 *
 * The grid is a spreadsheet of inputs, one small form per row (inputs join it
 * through its form="vr-<n>"; the form has no hx-* attributes, saveRow posts it
 * with htmx.ajax). A cell is either selected (arrows move, typing
 * replaces its content) or being edited (arrows move the caret):
 *   arrows          move between cells (←/→ move the caret while editing)
 *   Tab / Shift+Tab next / previous cell, on to the next row
 *   Enter           edit the cell; while editing: keep it and move down
 *                   (Shift+Enter: up). F2 edits too.
 *   Escape          put back the cell's last saved value
 *   Home / End      first / last cell of the row (while not editing)
 *   Ctrl+↑ / Ctrl+↓ first / last row
 *   Alt+↑ / Alt+↓   move the row up / down (saves the order)
 *   Ctrl+S          save the row now
 * A row's select checkbox and its Open link are stops too, at the row's two
 * ends (moving over the cells alone skipped them: no selecting a row or opening
 * a variant from the keyboard): ← from the first cell, → from the last, Tab on
 * from row to row, ↑/↓ within their column. Space ticks the box (Enter moves
 * down, as in a checkbox cell) and Enter follows the link. Tab and the arrows
 * keep the order the row is read in; Home / End stay on the editable cells.
 * Leaving a changed cell saves its row: htmx posts the row form; the answer
 * (the row as the server sees it) is merged into the row in place, so focus
 * and anything typed meanwhile stay. A refused value stays in its cell with
 * the message under it. Every request inside the grid is queued behind the
 * others (hx-sync on the section), and changed rows are saved before the
 * grid is reloaded, reordered or paged, so no edit is lost.
 */
(function () {
  "use strict";

  var CELL = "table.variant-grid td.cell input";
  var SELECT = "table.variant-grid td.col-check input.row-select";
  var OPEN = "table.variant-grid td.col-open a.open-link";
  var STOP = [CELL, SELECT, OPEN].join(", "); // what arrows and Tab move between
  var editing = null; // the text input in edit mode, if any
  var focusFirstCell = false; // after "Generate": put the caret in the new grid

  function closest(el, selector) { return el && el.closest ? el.closest(selector) : null; }
  function rowOf(el) { return closest(el, "tr.grid-row"); }
  function cellOf(el) { return closest(el, "td.cell"); }
  function isText(input) { return input.type === "text"; }
  function valueOf(input) { return input.type === "checkbox" ? (input.checked ? "1" : "") : input.value; }
  function setValue(input, value) {
    if (input.type === "checkbox") input.checked = !!value;
    else input.value = value;
  }
  /* The last saved value: data-saved when the page knows it differs from what the
     input shows (a refused value), else what the input was rendered with. */
  function savedOf(input) {
    if (input.hasAttribute("data-saved")) return input.getAttribute("data-saved");
    if (input.type === "checkbox") return input.defaultChecked ? "1" : "";
    return input.defaultValue;
  }
  function isDirty(input) { return valueOf(input) !== savedOf(input); }
  function cellsOf(row) { return Array.prototype.slice.call(row.querySelectorAll("td.cell input")); }
  function enabled(el) { return !el.disabled; }
  /* A row's stops in the order it is read: select checkbox, cells, Open link. A
     disabled checkbox (a reader's grid) takes no focus, so it is no stop. */
  function stopsOf(row) {
    return Array.prototype.filter.call(row.querySelectorAll(STOP), enabled);
  }
  /* The same column in another row. */
  function columnOf(stop) {
    if (stop.matches(SELECT)) return "td.col-check input.row-select";
    if (stop.matches(OPEN)) return "td.col-open a.open-link";
    return 'td.cell[data-col="' + cellOf(stop).getAttribute("data-col") + '"] input';
  }
  function rowsOf(table) { return Array.prototype.slice.call(table.querySelectorAll("tbody tr.grid-row")); }
  function rowForm(row) { return row.querySelector("form.row-form"); }
  /* The row a row form belongs to as the page shows it now (the grid may have been
     swapped while the form's save was on its way). */
  function rowOfForm(form) {
    var row = rowOf(form);
    return row ? document.getElementById(row.id) : null;
  }
  function rowDirty(row) {
    return cellsOf(row).some(function (input) {
      return isDirty(input) && valueOf(input) !== input.getAttribute("data-refused");
    });
  }
  function anyUnsaved() {
    var rows = document.querySelectorAll("table.variant-grid tr.grid-row");
    return Array.prototype.some.call(rows, function (row) {
      return row.classList.contains("is-saving") || cellsOf(row).some(isDirty);
    });
  }

  /* ---------------------------------------------------------------- saving */

  function setStatus(row, text, state) {
    var status = row.querySelector(".row-status");
    if (!status) return;
    status.textContent = "";
    if (!text) return;
    var span = document.createElement("span");
    span.className = "row-state row-state-" + state;
    span.textContent = text;
    status.appendChild(span);
  }

  /* A save may wait behind others (hx-sync queues every request of the grid):
     the row says "Saving…" from now until its last save has answered. */
  function saveRow(row) {
    var form = row && rowForm(row);
    if (!form || !window.htmx) return;
    row._pending = (row._pending || 0) + 1;
    row.classList.add("is-saving");
    setStatus(row, "Saving…", "saving");
    // The row form carries no hx-* attributes (100 rows of them weigh on the page).
    var sent = window.htmx.ajax("POST", form.getAttribute("action"), { source: form, swap: "none" });
    if (sent && sent.catch) sent.catch(function () { /* answered in htmx:afterRequest */ });
  }

  function saveIfChanged(input) {
    var row = rowOf(input);
    if (row && rowDirty(row)) saveRow(row);
  }

  /* Changed rows of a grid, saved before the grid is swapped for another page. */
  function flush(section) {
    Array.prototype.forEach.call(section.querySelectorAll("tr.grid-row"), function (row) {
      if (rowDirty(row)) saveRow(row);
    });
  }

  function snapshot(row) {
    var values = {};
    cellsOf(row).forEach(function (input) {
      values[cellOf(input).getAttribute("data-col")] = valueOf(input);
    });
    return values;
  }

  function copyAttr(from, to, name) {
    if (from.hasAttribute(name)) to.setAttribute(name, from.getAttribute(name));
    else to.removeAttribute(name);
  }

  /* Merge the server's row into the page's row: saved values, errors, version and
     status; an input keeps what was typed into it after the request was sent. */
  function merge(row, html, sent) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    var fresh = template.content.querySelector("tr.grid-row");
    if (!fresh) return;
    var form = rowForm(row);
    var freshForm = fresh.querySelector("form.row-form");
    if (form && freshForm) {
      ["version", "original"].forEach(function (name) {
        var input = form.querySelector('input[name="' + name + '"]');
        var value = freshForm.querySelector('input[name="' + name + '"]');
        if (input && value) input.value = value.value;
      });
    }
    Array.prototype.forEach.call(fresh.querySelectorAll("td.cell"), function (freshCell) {
      var col = freshCell.getAttribute("data-col");
      var cell = row.querySelector('td.cell[data-col="' + col + '"]');
      var input = cell && cell.querySelector("input");
      var freshInput = freshCell.querySelector("input");
      if (!input || !freshInput) return;
      var untouched = valueOf(input) === (sent[col] === undefined ? valueOf(input) : sent[col]);
      input.setAttribute("data-saved", savedOf(freshInput));
      if (untouched) setValue(input, valueOf(freshInput));
      cell.className = freshCell.className;
      var old = cell.querySelector(".cell-error");
      if (old) old.remove();
      var error = freshCell.querySelector(".cell-error");
      if (error) cell.appendChild(error);
      copyAttr(freshInput, input, "aria-invalid");
      copyAttr(freshInput, input, "aria-describedby");
      if (error && untouched) input.setAttribute("data-refused", valueOf(input));
      else input.removeAttribute("data-refused");
    });
    var status = row.querySelector(".row-status");
    var freshStatus = fresh.querySelector(".row-status");
    if (status && freshStatus) status.innerHTML = freshStatus.innerHTML;
    var keep = ["is-active", "is-selected", "is-saving"].filter(function (c) {
      return row.classList.contains(c);
    });
    row.className = fresh.className;
    keep.forEach(function (c) { row.classList.add(c); });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form.classList || !form.classList.contains("row-form")) return;
    var row = rowOfForm(form);
    if (!row) return;
    row._sent = snapshot(row);
  });

  /* A reorder posts the ids of the page's rows in the order they are shown. */
  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "variant-order") return;
    var section = closest(form, "#variant-grid");
    if (!section) return;
    event.detail.parameters.ids = rowsOf(section).map(function (row) {
      return row.getAttribute("data-id");
    });
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form.classList || !form.classList.contains("row-form")) return;
    var row = rowOfForm(form);
    if (!row) return;
    row._pending = Math.max((row._pending || 1) - 1, 0);
    var xhr = event.detail.xhr;
    if (xhr && [200, 409, 422].indexOf(xhr.status) !== -1 && xhr.responseText) {
      merge(row, xhr.responseText, row._sent || {});
    } else {
      setStatus(row, "Not saved: your values are still here; leave the cell to try again.", "error");
    }
    if (row._pending) {
      row.classList.add("is-saving");
      setStatus(row, "Saving…", "saving");
    } else {
      row.classList.remove("is-saving");
    }
  });

  /* Requests that replace the grid wait for the rows being saved (hx-sync) and
     save changed rows first; typed values survive the swap by input id. */
  document.addEventListener("htmx:confirm", function (event) {
    var elt = event.detail.elt;
    if (!elt || (elt.classList && elt.classList.contains("row-form"))) return;
    var section = closest(elt, "#variant-grid");
    if (section) flush(section);
  });

  /* htmx wires up swapped-in content only when it settles (20 ms later); a fast
     Enter in that gap would submit a form as a whole page. Wire it at once. */
  document.addEventListener("htmx:afterSwap", function () {
    ["variants", "variant-options", "variant-grid"].forEach(function (id) {
      var el = document.getElementById(id);
      if (el && window.htmx) window.htmx.process(el);
    });
  });

  var carried = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    if (!target || target.id !== "variant-grid") return;
    carried = {};
    Array.prototype.forEach.call(target.querySelectorAll(CELL.replace("table.variant-grid ", "")), function (input) {
      var row = rowOf(input);
      if (isDirty(input) || (row && row.classList.contains("is-saving"))) carried[input.id] = valueOf(input);
    });
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var swapped = event.detail.target;
    if (!swapped || swapped.id !== "variant-grid") return;
    var target = document.getElementById("variant-grid"); // the new section (outerHTML swap)
    if (!target) return;
    var again = [];
    Object.keys(carried || {}).forEach(function (id) {
      var input = document.getElementById(id);
      if (!input || valueOf(input) === carried[id]) return;
      setValue(input, carried[id]);
      if (again.indexOf(rowOf(input)) === -1) again.push(rowOf(input));
    });
    carried = null;
    again.forEach(function (row) { if (row && rowDirty(row)) saveRow(row); });
    if (focusFirstCell) {
      focusFirstCell = false;
      var first = target.querySelector('tbody tr.grid-row td.cell[data-col="sku"] input');
      if (first) focusCell(first, false);
    }
  });

  document.addEventListener("variants-changed", function (event) {
    var detail = event.detail || {};
    if (detail.focus === "grid" || (detail.value && detail.value.focus === "grid")) focusFirstCell = true;
  });

  window.addEventListener("beforeunload", function (event) {
    if (anyUnsaved()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });

  /* ------------------------------------------------------------ navigation */

  function setEditing(input, on) {
    if (editing && editing !== input) editing.classList.remove("is-editing");
    editing = on ? input : (editing === input ? null : editing);
    input.classList.toggle("is-editing", !!on);
  }

  function caretToEnd(input) {
    var end = input.value.length;
    try { input.setSelectionRange(end, end); } catch (e) { /* checkboxes */ }
  }

  function focusCell(input, edit) {
    if (!input || input.disabled) return false;
    input.focus({ preventScroll: true });
    var cell = closest(input, "td") || input;
    cell.scrollIntoView({ block: "nearest", inline: "nearest" });
    setEditing(input, !!edit);
    if (isText(input)) {
      if (edit) caretToEnd(input);
      else input.select();
    }
    return true;
  }

  function moveVertical(input, step, toEdge) {
    var row = rowOf(input);
    var rows = rowsOf(closest(input, "table"));
    var index = rows.indexOf(row);
    var target = toEdge ? rows[step < 0 ? 0 : rows.length - 1] : rows[index + step];
    if (!target || target === row) return false;
    return focusCell(target.querySelector(columnOf(input)));
  }

  function moveHorizontal(input, step, wrap) {
    var row = rowOf(input);
    var stops = stopsOf(row);
    var index = stops.indexOf(input) + step;
    if (index >= 0 && index < stops.length) return focusCell(stops[index]);
    if (!wrap) return false;
    var rows = rowsOf(closest(input, "table"));
    var next = rows[rows.indexOf(row) + step];
    if (!next) return false;
    var nextStops = stopsOf(next);
    return focusCell(step > 0 ? nextStops[0] : nextStops[nextStops.length - 1]);
  }

  function revert(input) {
    setValue(input, savedOf(input));
    input.removeAttribute("data-refused");
    input.removeAttribute("aria-invalid");
    input.removeAttribute("aria-describedby");
    var cell = cellOf(input);
    cell.classList.remove("has-error");
    var error = cell.querySelector(".cell-error");
    if (error) error.remove();
    var row = rowOf(input);
    if (!row.querySelector("td.cell.has-error")) {
      row.classList.remove("is-error", "is-conflict");
      setStatus(row, "", "");
    }
    setEditing(input, false);
    if (isText(input)) input.select();
  }

  function moveRow(input, step) {
    var row = rowOf(input);
    var sibling = step < 0 ? row.previousElementSibling : row.nextElementSibling;
    var order = document.getElementById("variant-order");
    if (!sibling || !order) return;
    if (step < 0) sibling.before(row);
    else sibling.after(row);
    input.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    window.htmx.trigger(order, "variant-reorder");
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(STOP)) return;
    var cell = input.matches(CELL); // else the select checkbox or the Open link
    var text = cell && isText(input);
    var inEdit = editing === input;
    var key = event.key;
    if (event.altKey && (key === "ArrowUp" || key === "ArrowDown")) {
      event.preventDefault();
      if (!input.readOnly && !input.disabled) moveRow(input, key === "ArrowUp" ? -1 : 1);
      return;
    }
    if (event.ctrlKey || event.metaKey) {
      if (cell && (key === "s" || key === "S")) {
        event.preventDefault();
        saveIfChanged(input);
      } else if (key === "ArrowUp" || key === "ArrowDown") {
        event.preventDefault();
        moveVertical(input, key === "ArrowUp" ? -1 : 1, true);
      }
      return;
    }
    switch (key) {
      case "ArrowUp":
      case "ArrowDown":
        event.preventDefault();
        moveVertical(input, key === "ArrowUp" ? -1 : 1, false);
        break;
      case "ArrowLeft":
      case "ArrowRight":
        if (text && inEdit) return;
        event.preventDefault();
        moveHorizontal(input, key === "ArrowLeft" ? -1 : 1, false);
        break;
      case "Home":
      case "End":
        if (text && inEdit) return;
        event.preventDefault();
        var cells = cellsOf(rowOf(input)).filter(enabled);
        focusCell(key === "Home" ? cells[0] : cells[cells.length - 1]);
        break;
      case "Tab":
        if (moveHorizontal(input, event.shiftKey ? -1 : 1, true)) event.preventDefault();
        break;
      case "Enter":
        if (!cell && input.type !== "checkbox") return; // the Open link: follow it
        event.preventDefault();
        if (!cell) {
          moveVertical(input, event.shiftKey ? -1 : 1, false);
          break;
        }
        if (text && !inEdit && !input.readOnly) {
          setEditing(input, true);
          caretToEnd(input);
          break;
        }
        if (!moveVertical(input, event.shiftKey ? -1 : 1, false)) {
          setEditing(input, false);
          if (text) input.select();
          saveIfChanged(input);
        }
        break;
      case "F2":
        if (text && !input.readOnly) {
          event.preventDefault();
          setEditing(input, true);
          caretToEnd(input);
        }
        break;
      case "Escape":
        if (!cell) return;
        event.preventDefault();
        revert(input);
        break;
      default:
        if (text && !inEdit && (key.length === 1 || key === "Backspace" || key === "Delete")) {
          setEditing(input, true); // typing replaces the selected content
        }
    }
  });

  document.addEventListener("focusin", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(STOP)) return;
    var row = rowOf(input);
    if (row) row.classList.add("is-active");
    if (editing !== input && isText(input)) input.select();
  });

  /* Any change to the text (typing, pasting) means the cell is being edited. */
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (input.matches && input.matches(CELL) && isText(input) && editing !== input) {
      setEditing(input, true);
    }
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches(STOP)) return;
    var row = rowOf(input);
    if (row && !row.contains(event.relatedTarget)) row.classList.remove("is-active");
    if (editing === input) setEditing(input, false);
    if (isText(input) && isDirty(input) && valueOf(input) !== input.getAttribute("data-refused")) {
      saveRow(row);
    }
  });

  /* A click puts the caret where it lands: that is editing. */
  document.addEventListener("mousedown", function (event) {
    var input = event.target;
    if (input.matches && input.matches(CELL) && isText(input)) {
      if (document.activeElement === input) setEditing(input, true);
      else setTimeout(function () { setEditing(input, true); }, 0);
    }
  });

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches(CELL) && input.type === "checkbox") saveIfChanged(input);
  });

  /* With JavaScript a row never submits itself as a page (Enter is handled above). */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.classList && form.classList.contains("row-form")) {
      event.preventDefault();
      var row = rowOfForm(form);
      if (row) saveRow(row);
    }
  }, true);

  /* ----------------------------------------------- selection and bulk edit */

  function setupBulk(section) {
    var bulk = section.querySelector("#variant-bulk");
    if (!bulk) return;
    var all = section.querySelector("#variant-select-page");
    var count = section.querySelector("#variant-bulk-count");
    var field = bulk.querySelector("#bulk-field");

    function boxes() { return section.querySelectorAll("input.row-select"); }
    function refresh() {
      var list = Array.prototype.slice.call(boxes());
      var checked = list.filter(function (b) { return b.checked; });
      list.forEach(function (b) {
        var row = rowOf(b);
        if (row) row.classList.toggle("is-selected", b.checked);
      });
      if (all) {
        all.checked = checked.length > 0 && checked.length === list.length;
        all.indeterminate = checked.length > 0 && checked.length < list.length;
      }
      if (count) {
        count.textContent = checked.length
          ? checked.length + (checked.length === 1 ? " variant selected." : " variants selected.")
          : "Select rows to change several at once.";
      }
    }
    function showParam() {
      var option = field && field.options[field.selectedIndex];
      var kind = option ? option.getAttribute("data-kind") : "text";
      Array.prototype.forEach.call(bulk.querySelectorAll(".bulk-param"), function (param) {
        var on = (param.getAttribute("data-kinds") || "").split(" ").indexOf(kind) !== -1;
        param.hidden = !on;
        Array.prototype.forEach.call(param.querySelectorAll("input, select"), function (c) { c.disabled = !on; });
      });
    }
    if (all) {
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(boxes(), function (b) { b.checked = all.checked; });
        refresh();
      });
    }
    section.addEventListener("change", function (event) {
      if (event.target.classList && event.target.classList.contains("row-select")) refresh();
      if (event.target === field) showParam();
    });
    bulk.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.value === "delete") {
        var n = Array.prototype.filter.call(boxes(), function (b) { return b.checked; }).length;
        if (n && !window.confirm("Move " + n + (n === 1 ? " variant" : " variants") + " to the Trash?")) {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
      }
    }, true);
    showParam();
    refresh();
  }

  /* ------------------------------------------------ drag to reorder */

  function setupSortable(section) {
    var body = section.querySelector("table.variant-grid tbody");
    var order = section.querySelector("#variant-order");
    if (!body || !order || !window.Sortable || body._sortable) return;
    body._sortable = window.Sortable.create(body, {
      handle: ".col-handle",
      draggable: "tr.grid-row",
      animation: 120,
      ghostClass: "is-dragging",
      onEnd: function (event) {
        if (event.oldIndex !== event.newIndex) window.htmx.trigger(order, "variant-reorder");
      }
    });
  }

  /* Option values, the select, the handle: pinned left while the grid scrolls. */
  function pinColumns(section) {
    var table = section.querySelector("table.variant-grid");
    if (!table) return;
    var head = table.querySelectorAll("thead th");
    var left = 0;
    var pinned = 0;
    for (var i = 0; i < head.length; i++) {
      var th = head[i];
      if (!th.matches(".col-check, .col-handle, .col-thumb, .col-option")) break;
      var offset = left + "px";
      var column = i + 1;
      Array.prototype.forEach.call(
        table.querySelectorAll("tr > :nth-child(" + column + ")"),
        function (cell) { cell.style.left = offset; cell.classList.add("is-pinned"); }
      );
      left += th.getBoundingClientRect().width;
      pinned = column;
    }
    if (pinned) {
      Array.prototype.forEach.call(table.querySelectorAll("tr > :nth-child(" + pinned + ")"),
        function (cell) { cell.classList.add("is-pinned-last"); });
    }
  }

  /* ------------------------------------------------ the options editor */

  /* Enter in a rename field saves it and keeps the caret there; Escape puts the
     saved name back. */
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("#variant-options .chip-input, #variant-options .option-title-input")) return;
    if (event.key === "Escape") {
      input.value = input.defaultValue;
      input.blur();
      input.focus();
    }
  });

  function setup(root) {
    var section = root.id === "variant-grid" ? root : (root.querySelector ? root.querySelector("#variant-grid") : null);
    if (!section) return;
    setupBulk(section);
    setupSortable(section);
    pinColumns(section);
  }

  function start() {
    if (window.htmx) window.htmx.onLoad(setup);
    else setup(document);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
