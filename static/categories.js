/*
 * The category tree (templates/categories/_tree.html) and the category form.
 * Loaded with `defer` after htmx (and SortableJS for editors); no inline code.
 *
 * Dragging
 *   Every <ul class="tree-list"> is a Sortable in one shared group, dragged by
 *   its .tree-handle. A drop fills the hidden form #tree-drop (category_id,
 *   parent_id, position among the new siblings) and submits it through htmx,
 *   with the sibling lists as the page now shows them. When those are what the
 *   server saved it answers with a toast only (HX-Reswap: none) and
 *   refreshControls() updates the buttons; otherwise with the whole tree
 *   re-rendered: 200 when the move was made, 422 with the tree as it was when
 *   it was refused, so a refused drag snaps back.
 *
 * Folding
 *   .tree-toggle buttons show and hide a branch. The state lives in the
 *   cat_tree cookie, "o-" or "c-" (open or closed by default) followed by the
 *   ids that are the other way, dot-separated. The server reads it, so a
 *   reload (or the tree re-rendered after a move) arrives folded as it was.
 *   Without JavaScript every branch is open and the toggles are hidden.
 *
 * Focus
 *   After a move the tree carries data-focus-id/op: the moved category's same
 *   button gets focus (or, when that button is now disabled, its first
 *   enabled one, else its name), so arrow-button moves can be repeated.
 *
 * New category
 *   The handle follows the name ([data-handle-source] -> [data-handle-target])
 *   until someone edits it; [data-handle-flag] tells the server it was only a
 *   suggestion.
 */
(function () {
  "use strict";

  var COOKIE = "cat_tree";
  var MAX_IDS = 100; // about 3 KB: a cookie holds 4 KB

  /* ---------------------------------------------------------------- folding */

  function readFold() {
    var match = document.cookie.match(/(?:^|;\s*)cat_tree=([^;]*)/);
    // No cookie yet: the mode the server chose for the tree's size (data-fold).
    var tree = document.getElementById("category-tree");
    var value = match ? match[1] : ((tree && tree.getAttribute("data-fold")) || "o") + "-";
    return { open: value.charAt(0) !== "c", ids: value.slice(2) ? value.slice(2).split(".") : [] };
  }

  function writeFold(open, ids) {
    document.cookie = COOKIE + "=" + (open ? "o-" : "c-") + ids.slice(-MAX_IDS).join(".") +
      "; path=/categories; max-age=31536000; samesite=lax";
  }

  function toggles(root) {
    return Array.prototype.slice.call(root.querySelectorAll("button.tree-toggle"));
  }

  function isOpen(toggle) {
    return toggle.getAttribute("aria-expanded") === "true";
  }

  function setOpen(toggle, open) {
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    var list = toggle.closest(".tree-item").querySelector(":scope > ul");
    if (list) list.hidden = !open;
  }

  /* The cookie from what the tree shows now (the server may have opened the
     branch a category was moved into). */
  function saveFold(treeEl) {
    var open = readFold().open;
    var ids = [];
    toggles(treeEl).forEach(function (toggle) {
      if (isOpen(toggle) !== open) ids.push(toggle.closest(".tree-item").getAttribute("data-id"));
    });
    writeFold(open, ids);
  }

  document.addEventListener("click", function (event) {
    var treeEl = document.getElementById("category-tree");
    if (!treeEl) return;
    var toggle = event.target.closest("button.tree-toggle");
    if (toggle) {
      setOpen(toggle, !isOpen(toggle));
      saveFold(treeEl);
      return;
    }
    var fold = event.target.closest("[data-tree-fold]");
    if (fold) {
      var open = fold.getAttribute("data-tree-fold") === "open";
      toggles(treeEl).forEach(function (t) { setOpen(t, open); });
      writeFold(open, []);
    }
  });

  /* --------------------------------------------------------------- dragging */

  function drop(event) {
    var treeEl = document.getElementById("category-tree");
    if (treeEl) treeEl.classList.remove("is-dragging");
    if (event.from === event.to && event.oldIndex === event.newIndex) return;
    var form = document.getElementById("tree-drop");
    if (!form) return;
    var parent = event.to.parentElement.closest(".tree-item");
    form.elements.category_id.value = event.item.getAttribute("data-id");
    form.elements.parent_id.value = parent ? parent.getAttribute("data-id") : "";
    form.elements.position.value = String(event.newIndex);
    // The lists as the page now shows them: when they are what the server saved, it
    // answers with a toast only, and refreshControls() brings the buttons up to date.
    form._shown = { siblings: itemIds(event.to), old_siblings: event.from === event.to ? [] : itemIds(event.from) };
    if (form.requestSubmit) form.requestSubmit();
    else window.htmx.trigger(form, "submit");
  }

  function itemIds(list) {
    return Array.prototype.filter.call(list.children, function (child) {
      return child.classList.contains("tree-item");
    }).map(function (child) { return child.getAttribute("data-id"); });
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "tree-drop" || !form._shown) return;
    event.detail.parameters.siblings = form._shown.siblings;
    event.detail.parameters.old_siblings = form._shown.old_siblings;
    form._shown = null;
  });

  /* After a drop the server did not send the tree back for: each category's
     move buttons, folding toggle and list as its new place calls for, the same
     rules _tree.html applies when it renders them. */
  function refreshControls(treeEl) {
    Array.prototype.forEach.call(treeEl.querySelectorAll("li.tree-item"), function (item) {
      var list = item.parentElement;
      var first = item === list.firstElementChild;
      var last = item === list.lastElementChild;
      var top = !list.parentElement.closest(".tree-item");
      var row = item.querySelector(":scope > .tree-row");
      var id = item.getAttribute("data-id");
      var states = { up: first, down: last, outdent: top, indent: first };
      Object.keys(states).forEach(function (op) {
        var button = row.querySelector('button[name="move"][value="' + id + " " + op + '"]');
        if (button) button.disabled = states[op];
      });
      var children = item.querySelector(":scope > ul.tree-list");
      var hasChildren = children && children.querySelector(":scope > .tree-item");
      var toggle = row.querySelector(":scope > .tree-toggle");
      if (!children || !toggle) return;
      children.classList.toggle("tree-leaf", !hasChildren);
      if (hasChildren && toggle.tagName !== "BUTTON") {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "tree-toggle";
        button.setAttribute("aria-expanded", children.hidden ? "false" : "true");
        var name = row.querySelector(".tree-name");
        button.setAttribute("aria-label", "Subcategories of " + (name ? name.textContent : ""));
        toggle.replaceWith(button);
      } else if (!hasChildren && toggle.tagName === "BUTTON") {
        var span = document.createElement("span");
        span.className = "tree-toggle";
        toggle.replaceWith(span);
      }
    });
  }

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt;
    if (!form || form.id !== "tree-drop" || !event.detail.successful) return;
    if (event.detail.xhr.getResponseHeader("HX-Reswap") !== "none") return;
    var treeEl = document.getElementById("category-tree");
    if (!treeEl) return;
    refreshControls(treeEl);
    saveFold(treeEl);
    treeEl.setAttribute("data-focus-id", form.elements.category_id.value);
    treeEl.setAttribute("data-focus-op", "drop");
    focusMoved(treeEl);
  });

  function makeSortable(list) {
    if (list._categorySortable) return;
    list._categorySortable = window.Sortable.create(list, {
      group: "categories",
      handle: ".tree-handle",
      draggable: ".tree-item",
      animation: 120,
      fallbackOnBody: true,
      swapThreshold: 0.65,
      // A category without children has an empty list under its row: a drop
      // this close to it makes the dragged category its first child.
      emptyInsertThreshold: 8,
      onStart: function () {
        var treeEl = document.getElementById("category-tree");
        if (treeEl) treeEl.classList.add("is-dragging");
      },
      onEnd: drop
    });
  }

  /* A Sortable per list costs ~0.1 ms; 2,000 lists would hold up the page, so
     they are made in idle time, and all at once if a drag starts before. */
  var pendingLists = [];

  function makeAllSortables() {
    while (pendingLists.length) makeSortable(pendingLists.pop());
  }

  function makeSortablesSoon(treeEl) {
    pendingLists = Array.prototype.slice.call(treeEl.querySelectorAll("ul.tree-list")).reverse();
    var idle = window.requestIdleCallback || function (fn) {
      return setTimeout(function () { fn({ timeRemaining: function () { return 8; } }); }, 1);
    };
    (function batch(deadline) {
      while (pendingLists.length && deadline.timeRemaining() > 1) makeSortable(pendingLists.pop());
      if (pendingLists.length) idle(batch);
    })({ timeRemaining: function () { return 8; } });
  }

  // Capture phase: the Sortables exist before the press reaches the lists.
  document.addEventListener("pointerdown", function (event) {
    if (pendingLists.length && event.target.closest && event.target.closest(".tree-handle")) {
      makeAllSortables();
    }
  }, true);

  /* ------------------------------------------------------------------ focus */

  function focusMoved(treeEl) {
    var id = treeEl.getAttribute("data-focus-id");
    var item = id && treeEl.querySelector('.tree-item[data-id="' + id + '"]');
    if (!item) return;
    var row = item.querySelector(".tree-row");
    var op = treeEl.getAttribute("data-focus-op");
    var target = null;
    if (op && op !== "drop") {
      target = row.querySelector('button[name="move"][value="' + id + " " + op + '"]:not([disabled])');
    }
    target = target || row.querySelector('button[name="move"]:not([disabled])') ||
      row.querySelector(".tree-name");
    if (target) target.focus();
  }

  /* Back from "Move to…" (or a no-JavaScript move): /categories#cat-<id>. */
  function focusFromHash(treeEl) {
    var match = /^#cat-([A-Za-z0-9_]+)$/.exec(window.location.hash);
    var item = match && document.getElementById("cat-" + match[1]);
    if (item && treeEl.contains(item)) {
      var name = item.querySelector(".tree-name");
      if (name) name.focus();
    }
  }

  /* ------------------------------------------------------------ the handle */

  function slug(text) {
    return text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 120).replace(/-+$/, "");
  }

  function wireHandle(root) {
    var source = root.querySelector && root.querySelector("[data-handle-source]");
    var target = root.querySelector && root.querySelector("[data-handle-target]");
    if (!source || !target || source._handleWired) return;
    source._handleWired = true;
    var flag = root.querySelector("[data-handle-flag]");
    var following = target.value === "" || target.value === slug(source.value);
    function follow() {
      if (!following) return;
      target.value = slug(source.value);
      if (flag) flag.value = target.value ? "1" : "";
    }
    source.addEventListener("input", follow);
    follow(); // a name typed before this script ran
    target.addEventListener("input", function () {
      following = false;
      if (flag) flag.value = "";
    });
  }

  /* ------------------------------------------------------------------ wiring */

  function onLoad(elt) {
    var treeEl = elt.id === "category-tree" ? elt :
      elt.querySelector ? elt.querySelector("#category-tree") : null;
    if (treeEl) {
      if (window.Sortable && treeEl.querySelector("[data-sortable]")) makeSortablesSoon(treeEl);
      if (treeEl.hasAttribute("data-focus-id")) {
        saveFold(treeEl);
        focusMoved(treeEl);
      } else if (elt === document.body) {
        focusFromHash(treeEl);
      }
    }
    wireHandle(elt);
  }

  /* htmx settles a swap by briefly copying the old elements' style attributes
     onto their new twins (same id); Sortable's animation leaves inline styles
     on the old rows, which the CSP would then refuse. */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "category-tree") return;
    Array.prototype.forEach.call(target.querySelectorAll(".tree-item[style]"), function (item) {
      item.removeAttribute("style");
    });
  });

  if (window.htmx) window.htmx.onLoad(onLoad);
})();
