/*
 * Images (templates/images/): the product's media section and the variant-images page.
 * Loaded with `defer` after htmx and SortableJS; no inline code (the CSP forbids it).
 *
 *   Drag an image by its handle (SortableJS), or focus the handle and press
 *   ← ↑ / → ↓ (Home / End): the new order is posted at once (#media-order,
 *   event "media-reorder") and the section comes back with dense ranks.
 *   Files over the limits are refused before anything is sent, with the
 *   message at the file field (the server refuses them too).
 *   "Set as thumbnail" answers with the event "product-thumbnail": the
 *   product form on the page takes the new thumbnail and version, so saving
 *   that form later neither undoes it nor reports a conflict with it.
 *   On the variant-images page, "all" boxes tick a column; choosing a
 *   variant's thumbnail ticks "Shows it" too.
 */
(function () {
  "use strict";

  var focusAfterSwap = null;

  function closest(el, selector) {
    return el && el.closest ? el.closest(selector) : null;
  }

  /* ------------------------------------------------ order */

  function postOrder(section) {
    var order = section.querySelector("#media-order");
    var status = section.querySelector("#media-status");
    if (status) status.textContent = "Saving the order…";
    if (order && window.htmx) window.htmx.trigger(order, "media-reorder");
  }

  function setupSortable(section) {
    var grid = section.querySelector(".media-grid");
    if (!grid || !section.querySelector("#media-order") || !window.Sortable || grid._sortable) return;
    grid._sortable = window.Sortable.create(grid, {
      handle: ".media-handle",
      draggable: ".media-item",
      animation: 120,
      ghostClass: "is-dragging",
      onEnd: function (event) {
        if (event.oldIndex !== event.newIndex) postOrder(section);
      }
    });
  }

  document.addEventListener("keydown", function (event) {
    var handle = event.target;
    if (!handle.matches || !handle.matches(".media-handle")) return;
    var item = closest(handle, ".media-item");
    var grid = closest(item, ".media-grid");
    var section = closest(grid, "#media");
    if (!item || !grid || !section) return;
    var items = Array.prototype.slice.call(grid.querySelectorAll(".media-item"));
    var at = items.indexOf(item);
    var to = at;
    if (event.key === "ArrowLeft" || event.key === "ArrowUp") to = at - 1;
    else if (event.key === "ArrowRight" || event.key === "ArrowDown") to = at + 1;
    else if (event.key === "Home") to = 0;
    else if (event.key === "End") to = items.length - 1;
    else return;
    event.preventDefault();
    to = Math.max(0, Math.min(items.length - 1, to));
    if (to === at) return;
    if (to < at) grid.insertBefore(item, items[to]);
    else grid.insertBefore(item, items[to].nextSibling);
    handle.focus();
    focusAfterSwap = item.getAttribute("data-id");
    postOrder(section);
  });

  document.addEventListener("htmx:afterSettle", function () {
    if (!focusAfterSwap) return;
    var item = document.getElementById("image-" + focusAfterSwap);
    focusAfterSwap = null;
    var handle = item && item.querySelector(".media-handle");
    if (handle) handle.focus();
  });

  /* ------------------------------------------------ upload limits */

  function megabytes(bytes) {
    return (bytes / (1024 * 1024)).toFixed(1).replace(/\.0$/, "") + " MB";
  }

  function uploadProblem(form) {
    var input = form.querySelector("input[type=file]");
    if (!input || !input.files) return null;
    var fileLimit = parseInt(form.getAttribute("data-file-limit"), 10) || 0;
    var totalLimit = parseInt(form.getAttribute("data-total-limit"), 10) || 0;
    var maxFiles = parseInt(form.getAttribute("data-max-files"), 10) || 0;
    var files = Array.prototype.slice.call(input.files);
    if (maxFiles && files.length > maxFiles) {
      return "That is " + files.length + " files; upload at most " + maxFiles + " at once.";
    }
    var big = files.filter(function (f) { return fileLimit && f.size > fileLimit; });
    if (big.length) {
      return big.map(function (f) {
        return "“" + f.name + "” is " + megabytes(f.size) + "; the limit is " + megabytes(fileLimit) + " per file.";
      }).join(" ");
    }
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    if (totalLimit && total > totalLimit * 0.98) {
      return "These files add up to " + megabytes(total) + "; one upload may carry at most " +
        megabytes(totalLimit) + ". Upload fewer files at a time.";
    }
    return null;
  }

  function showFileError(form, message) {
    var input = form.querySelector("input[type=file]");
    if (!input) return;
    var wrapper = closest(input, ".field");
    var id = input.id + "-error";
    var error = document.getElementById(id);
    if (!message) {
      if (error && error.hasAttribute("data-client")) error.remove();
      if (wrapper && !wrapper.querySelector(".field-error")) {
        wrapper.classList.remove("has-error");
        input.removeAttribute("aria-invalid");
      }
      return;
    }
    if (!error) {
      error = document.createElement("p");
      error.className = "field-error";
      error.id = id;
      error.setAttribute("data-client", "");
      input.insertAdjacentElement("afterend", error);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(id) === -1) described.unshift(id);
      input.setAttribute("aria-describedby", described.join(" "));
    }
    error.textContent = message;
    if (wrapper) wrapper.classList.add("has-error");
    input.setAttribute("aria-invalid", "true");
  }

  document.addEventListener("change", function (event) {
    var form = closest(event.target, "form.media-add, form.category-image-form");
    if (form && event.target.type === "file") showFileError(form, uploadProblem(form));
  });

  function refuseLargeUpload(event, form) {
    var problem = uploadProblem(form);
    if (!problem) return false;
    event.preventDefault();
    showFileError(form, problem);
    var input = form.querySelector("input[type=file]");
    if (input) input.focus();
    return true;
  }

  /* htmx posts the media form; the category image form is a plain form. */
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail && event.detail.elt;
    if (form && form.matches && form.matches("form.media-add")) refuseLargeUpload(event, form);
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.matches && form.matches("form.category-image-form")) refuseLargeUpload(event, form);
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form.media-add")) return;
    var d = event.detail || {};
    var progress = form.querySelector(".media-progress");
    if (progress && d.lengthComputable && d.total) {
      progress.lastChild.textContent = " Uploading… " + Math.round((d.loaded / d.total) * 100) + "%";
    }
  });

  /* ------------------------------------------------ the product form follows */

  document.body.addEventListener("product-thumbnail", function (event) {
    var d = event.detail || {};
    var form = document.getElementById("product-form");
    if (!form || !d.version) return;
    var version = form.querySelector('input[name="version"]');
    // The page holds an older version than the one the thumbnail was set on:
    // someone else saved meanwhile, and the form's save must say so.
    if (!version || version.value !== d.previous_version) return;
    function apply() {
      version.value = d.version;
      var field = form.querySelector('input[name="thumbnail"]');
      if (field) field.value = d.thumbnail || "";
      var original = form.querySelector('input[name="original"]');
      if (original && original.value) {
        try {
          var loaded = JSON.parse(original.value);
          loaded.thumbnail = d.thumbnail || null;
          original.value = JSON.stringify(loaded);
        } catch (e) { /* unreadable: the server treats it as such */ }
      }
    }
    // app.js keeps the unsaved-changes guard right; without it, apply plainly.
    var detail = { apply: apply, applied: false };
    form.dispatchEvent(new CustomEvent("unsaved-guard:apply", { detail: detail }));
    if (!detail.applied) apply();
  });

  /* ------------------------------------------------ variant images page */

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!box.matches) return;
    var table = closest(box, ".image-variants-table");
    if (!table) return;
    var column = box.getAttribute("data-check-all");
    if (column) {
      Array.prototype.forEach.call(table.querySelectorAll('tbody input[name="' + column + '"]'),
        function (b) { if (!b.disabled) b.checked = box.checked; });
      if (column === "thumbnail" && box.checked) {
        Array.prototype.forEach.call(table.querySelectorAll('tbody input[name="shown"]'),
          function (b) { if (!b.disabled) b.checked = true; });
      }
    } else if (box.name === "thumbnail" && box.checked) {
      var shown = closest(box, "tr").querySelector('input[name="shown"]');
      if (shown) shown.checked = true;
    }
    refreshAll(table);
  });

  function refreshAll(table) {
    Array.prototype.forEach.call(table.querySelectorAll("[data-check-all]"), function (all) {
      var boxes = table.querySelectorAll('tbody input[name="' + all.getAttribute("data-check-all") + '"]');
      var checked = Array.prototype.filter.call(boxes, function (b) { return b.checked; }).length;
      all.checked = checked > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    });
  }

  function setup(root) {
    var section = root.id === "media" ? root : root.querySelector && root.querySelector("#media");
    if (section) setupSortable(section);
    var table = root.querySelector && root.querySelector(".image-variants-table");
    if (table) refreshAll(table);
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (window.htmx) window.htmx.onLoad(setup);
    else setup(document);
  });
})();
