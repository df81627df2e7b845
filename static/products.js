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

/*
 * Tags as chips: the comma-separated `tags` field becomes a row of removable
 * chips and an input that suggests existing tags. Enter or a comma adds the
 * typed tag; Backspace in the empty input removes the last one. The original
 * field stays in the form (hidden) and carries the value, so the server and a
 * browser without JavaScript see the same comma-separated text.
 */
(function () {
  "use strict";

  function enhance(field) {
    if (field.dataset.chips) return;
    field.dataset.chips = "on";
    var label = document.querySelector('label[for="' + field.id + '"]');
    var box = document.createElement("div");
    box.className = "tag-input";
    var list = document.createElement("ul");
    list.className = "tag-chips";
    list.setAttribute("aria-label", "Chosen tags");
    var input = document.createElement("input");
    input.type = "text";
    input.id = field.id + "-entry";
    input.className = "tag-entry";
    input.autocomplete = "off";
    input.setAttribute("list", field.getAttribute("list") || "");
    // The suggestions load on first use (the <datalist> asks the server then).
    var suggestions = document.getElementById(field.getAttribute("list") || "");
    input.addEventListener("focus", function () {
      if (suggestions) suggestions.dispatchEvent(new CustomEvent("suggestions-wanted"));
    }, { once: true });
    input.setAttribute("aria-describedby", field.getAttribute("aria-describedby") || "");
    input.placeholder = "Add a tag…";
    box.appendChild(list);
    box.appendChild(input);
    field.type = "hidden";
    field.removeAttribute("list");
    field.parentNode.insertBefore(box, field.nextSibling);
    if (label) label.setAttribute("for", input.id);

    function values() {
      return field.value.split(",").map(function (v) { return v.trim(); })
        .filter(function (v) { return v; });
    }
    function render() {
      list.textContent = "";
      values().forEach(function (value, index) {
        var item = document.createElement("li");
        item.className = "tag-chip";
        var text = document.createElement("span");
        text.textContent = value;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "tag-chip-remove";
        remove.setAttribute("aria-label", "Remove tag " + value);
        remove.textContent = "\u00d7";
        remove.addEventListener("click", function () {
          var next = values();
          next.splice(index, 1);
          field.value = next.join(", ");
          render();
          input.focus();
        });
        item.appendChild(text);
        item.appendChild(remove);
        list.appendChild(item);
      });
    }
    function add(raw) {
      var value = raw.replace(/,/g, " ").replace(/\s+/g, " ").trim();
      if (!value) return;
      var current = values();
      var lower = current.map(function (v) { return v.toLowerCase(); });
      if (lower.indexOf(value.toLowerCase()) === -1) current.push(value);
      field.value = current.join(", ");
      render();
    }
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" || event.key === ",") {
        if (input.value.trim()) {
          event.preventDefault();
          add(input.value);
          input.value = "";
        } else if (event.key === ",") {
          event.preventDefault();
        }
      } else if (event.key === "Backspace" && !input.value) {
        var current = values();
        if (current.length) {
          current.pop();
          field.value = current.join(", ");
          render();
        }
      }
    });
    // A choice picked from the suggestions arrives as an input event with the whole value.
    input.addEventListener("input", function (event) {
      if (event.inputType === "insertReplacementText" || event.inputType === undefined) {
        var options = input.list ? Array.prototype.map.call(input.list.options,
          function (o) { return o.value; }) : [];
        if (options.indexOf(input.value) !== -1) {
          add(input.value);
          input.value = "";
        }
      }
    });
    var form = field.form;
    if (form) {
      form.addEventListener("submit", function () {
        if (input.value.trim()) { add(input.value); input.value = ""; }
      });
    }
    render();
  }

  function setup() {
    Array.prototype.forEach.call(document.querySelectorAll("input[data-tag-input]"), enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();

/*
 * Searchable selects: a select marked data-searchable gets a filter box; typing
 * hides the options that do not match (case- and accent-insensitive) and picks
 * the first match when the chosen one is hidden. Without JavaScript the plain
 * select works as before.
 */
(function () {
  "use strict";

  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  function enhance(select) {
    if (select.dataset.searchableReady) return;
    select.dataset.searchableReady = "on";
    var label = document.querySelector('label[for="' + select.id + '"]');
    var filter = document.createElement("input");
    filter.type = "search";
    filter.className = "input select-filter";
    filter.id = select.id + "-filter";
    filter.placeholder = "Type to filter…";
    filter.autocomplete = "off";
    filter.setAttribute("aria-label", "Filter " + (label ? label.textContent.trim() : "options"));
    filter.setAttribute("aria-controls", select.id);
    select.parentNode.insertBefore(filter, select);
    var status = document.createElement("span");
    status.className = "sr-only";
    status.setAttribute("aria-live", "polite");
    select.parentNode.insertBefore(status, select.nextSibling);

    filter.addEventListener("input", function () {
      var term = fold(filter.value.trim());
      var firstMatch = null;
      var shown = 0;
      Array.prototype.forEach.call(select.options, function (option) {
        var keep = !term || option.value === "" || fold(option.text).indexOf(term) !== -1;
        option.hidden = !keep;
        if (keep && option.value !== "") {
          shown += 1;
          if (!firstMatch) firstMatch = option;
        }
      });
      var current = select.options[select.selectedIndex];
      // A multiple select keeps what is chosen: picking for it would drop the rest.
      if (term && firstMatch && !select.multiple &&
          (!current || current.hidden || current.value === "")) {
        select.value = firstMatch.value;
        select.dispatchEvent(new Event("change", { bubbles: true }));
      }
      status.textContent = term ? shown + " matching" : "";
    });
    // A select whose options load when first used (hx-trigger "options-wanted") gets
    // them as soon as its filter box is used, and is filtered again when they arrive.
    filter.addEventListener("focus", function () {
      select.dispatchEvent(new CustomEvent("options-wanted"));
    });
    select.addEventListener("htmx:afterSwap", function () {
      if (filter.value) filter.dispatchEvent(new Event("input"));
    });
    filter.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {
        event.preventDefault();
        select.focus();
      }
    });
  }

  function setup() {
    Array.prototype.forEach.call(document.querySelectorAll("select[data-searchable]"), enhance);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
