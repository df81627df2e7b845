/*
 * Catalog page glue: toasts and htmx error reporting. Loaded with `defer`
 * after htmx; no inline scripts anywhere (the CSP forbids them).
 *
 * Toasts
 *   showToast({message, level, actionHtml, timeout}) adds a .toast to #toasts.
 *     level: "success" | "info" | "warning" | "error" (default "info").
 *     actionHtml: trusted, server-escaped HTML for .toast-action (an Undo
 *     button with hx-post, say); htmx processes it.
 *     timeout: ms before it closes itself (default 6000, 0 = stays).
 *   The server triggers one with
 *     HX-Trigger: {"toast": {"message": "Saved", "level": "success"}}
 *   or {"toast": "Saved"} (htmx then puts the string at event.detail.value).
 *   Toasts close themselves, but not while hovered or focused; the close
 *   button or Escape closes one now. Flash toasts rendered by base.html get
 *   the same behaviour.
 *
 * Errors
 *   A failed htmx request that was not swapped (4xx/5xx except 422, see
 *   htmx-config in base.html) shows an error toast, unless the response
 *   sent its own toast. When the body is templates/errors/_fragment.html its
 *   title and message are used.
 *
 * CSRF
 *   HX-Trigger {"csrf-token": "..."} replaces the token in <body hx-headers>
 *   and in hidden csrf_token inputs.
 */
(function () {
  "use strict";

  var DEFAULT_TIMEOUT = 6000;
  var LEVELS = ["success", "info", "warning", "error"];
  var LEVEL_ALIASES = { danger: "error", message: "info" };
  var LEVEL_WORDS = { success: "Success", info: "Note", warning: "Warning", error: "Error" };

  document.documentElement.classList.add("js");

  function normaliseLevel(level) {
    level = LEVEL_ALIASES[level] || level;
    return LEVELS.indexOf(level) === -1 ? "info" : level;
  }

  function region() {
    var el = document.getElementById("toasts");
    if (!el) {
      el = document.createElement("div");
      el.id = "toasts";
      el.className = "toasts";
      el.setAttribute("aria-live", "polite");
      document.body.appendChild(el);
    }
    return el;
  }

  function dismiss(toast) {
    if (!toast || toast.classList.contains("is-leaving")) return;
    if (toast._toastTimer) clearTimeout(toast._toastTimer);
    var hadFocus = toast.contains(document.activeElement);
    toast.classList.add("is-leaving");
    var removed = false;
    function remove() {
      if (removed) return;
      removed = true;
      toast.remove();
      if (hadFocus) {
        var main = document.getElementById("main");
        if (main) main.focus({ preventScroll: true });
      }
    }
    toast.addEventListener("animationend", remove);
    setTimeout(remove, 250); // reduced motion or no animation
  }

  function wire(toast) {
    if (toast._toastWired) return;
    toast._toastWired = true;

    var attr = toast.getAttribute("data-timeout");
    var timeout = attr === null ? DEFAULT_TIMEOUT : parseInt(attr, 10) || 0;
    var hovered = false;
    var focused = false;

    function start() {
      if (timeout > 0 && !hovered && !focused) {
        clearTimeout(toast._toastTimer);
        toast._toastTimer = setTimeout(function () { dismiss(toast); }, timeout);
      }
    }
    function pause() { clearTimeout(toast._toastTimer); }

    var close = toast.querySelector(".toast-close");
    if (close) close.addEventListener("click", function () { dismiss(toast); });

    toast.addEventListener("mouseenter", function () { hovered = true; pause(); });
    toast.addEventListener("mouseleave", function () { hovered = false; start(); });
    toast.addEventListener("focusin", function () { focused = true; pause(); });
    toast.addEventListener("focusout", function (event) {
      if (!toast.contains(event.relatedTarget)) { focused = false; start(); }
    });
    start();
  }

  function showToast(options) {
    options = options || {};
    var level = normaliseLevel(options.level);

    var toast = document.createElement("div");
    toast.className = "toast toast-" + level;
    if (options.timeout !== undefined && options.timeout !== null) {
      toast.setAttribute("data-timeout", String(options.timeout));
    }

    var body = document.createElement("div");
    body.className = "toast-body";
    // The level in words for screen readers; .toast-message holds only the message.
    var word = document.createElement("span");
    word.className = "sr-only";
    word.textContent = LEVEL_WORDS[level] + ": ";
    body.appendChild(word);
    var message = document.createElement("p");
    message.className = "toast-message";
    message.textContent = String(options.message || "");
    body.appendChild(message);

    if (options.actionHtml) {
      var action = document.createElement("div");
      action.className = "toast-action";
      action.innerHTML = options.actionHtml;
      body.appendChild(action);
    }
    toast.appendChild(body);

    var close = document.createElement("button");
    close.type = "button";
    close.className = "toast-close";
    close.setAttribute("aria-label", "Dismiss notification");
    close.innerHTML = '<span aria-hidden="true">\u00d7</span>';
    toast.appendChild(close);

    var host = region();
    var open = host.querySelectorAll(".toast:not(.is-leaving)");
    // Keep the stack short: the oldest goes when a fifth would pile up.
    if (open.length >= 4) dismiss(open[0]);
    host.appendChild(toast);
    if (options.actionHtml && window.htmx) window.htmx.process(toast);
    wire(toast);
    return toast;
  }

  window.showToast = showToast;

  /* Server-rendered flash toasts. */
  Array.prototype.forEach.call(document.querySelectorAll("#toasts .toast"), wire);

  /* Escape closes the toast that has focus, or else the newest one, unless
     the key belongs to a field or an open dialog. */
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" || event.defaultPrevented) return;
    var active = document.activeElement;
    var toast = active && active.closest ? active.closest(".toast") : null;
    if (!toast) {
      if (active && active.closest && active.closest("input, select, textarea, [contenteditable], dialog[open]")) return;
      var all = document.querySelectorAll("#toasts .toast:not(.is-leaving)");
      toast = all.length ? all[all.length - 1] : null;
    }
    if (toast) {
      event.preventDefault();
      dismiss(toast);
    }
  });

  /* HX-Trigger: {"toast": ...} */
  document.body.addEventListener("toast", function (event) {
    var d = event.detail;
    if (d === null || d === undefined) return;
    if (typeof d === "string") d = { message: d };
    else if (d.message === undefined && d.value !== undefined) {
      d = typeof d.value === "string" ? { message: d.value } : d.value || {};
    }
    if (!d.message) return;
    showToast({
      message: d.message,
      level: d.level,
      actionHtml: d.actionHtml || d.action_html,
      timeout: d.timeout
    });
  });

  /* HX-Trigger: {"csrf-token": "<new token>"} (app/web/errors.py sends it
     when a token has expired): later requests and forms use the new one. */
  document.body.addEventListener("csrf-token", function (event) {
    var d = event.detail || {};
    var token = typeof d === "string" ? d : d.value;
    if (typeof token !== "string" || !token) return;
    var headers = {};
    try { headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}") || {}; }
    catch (e) { headers = {}; }
    headers["X-CSRFToken"] = token;
    document.body.setAttribute("hx-headers", JSON.stringify(headers));
    Array.prototype.forEach.call(
      document.querySelectorAll('input[type="hidden"][name="csrf_token"]'),
      function (input) { input.value = token; }
    );
  });

  /* htmx failures */
  var swapped = typeof WeakSet === "function" ? new WeakSet() : null;

  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var d = event.detail;
    if (swapped && d && d.xhr && d.shouldSwap) swapped.add(d.xhr);
  });

  function serverSentToast(xhr) {
    var header = xhr.getResponseHeader("HX-Trigger") || "";
    if (header.charAt(0) === "{") {
      try { return Object.prototype.hasOwnProperty.call(JSON.parse(header), "toast"); }
      catch (e) { return false; }
    }
    return header.split(",").some(function (name) { return name.trim() === "toast"; });
  }

  function fragmentMessage(xhr) {
    var type = xhr.getResponseHeader("Content-Type") || "";
    if (type.indexOf("text/html") === -1 || !xhr.responseText) return null;
    // DOMParser builds an inert document: nothing in it runs or loads.
    var doc = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var fragment = doc.querySelector("[data-error-fragment]");
    if (!fragment) return null;
    var title = fragment.querySelector(".alert-title");
    var text = fragment.querySelector(".alert-text");
    var parts = [];
    if (title && title.textContent.trim()) parts.push(title.textContent.trim());
    if (text && text.textContent.trim()) parts.push(text.textContent.trim());
    return parts.length ? parts.join(": ") : null;
  }

  document.body.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    if (!xhr) return;
    if (swapped && swapped.has(xhr)) return; // e.g. 422: the form shows its errors
    if (serverSentToast(xhr)) return;
    showToast({
      level: "error",
      message: fragmentMessage(xhr) ||
        "The server could not complete that (HTTP " + xhr.status + ")"
    });
  });

  document.body.addEventListener("htmx:sendError", function () {
    showToast({ level: "error", message: "Cannot reach the server; nothing was saved" });
  });
})();

/*
 * Forms marked data-unsaved-guard: leaving with unsaved changes asks first,
 * and Ctrl/Cmd+S saves. A form counts as changed once any field differs from
 * what the page loaded with; submitting it clears the guard.
 */
(function () {
  "use strict";

  function snapshot(form) {
    var data = new FormData(form);
    var parts = [];
    data.forEach(function (value, key) { parts.push(key + "=" + value); });
    return parts.join("&");
  }

  function setup() {
    var forms = document.querySelectorAll("form[data-unsaved-guard]");
    if (!forms.length) return;
    var initial = new Map();
    var submitting = false;
    Array.prototype.forEach.call(forms, function (form) {
      initial.set(form, snapshot(form));
      form.addEventListener("submit", function () { submitting = true; });
      /* Another script set fields to what the server now holds (images.js after
         "Set as thumbnail"): a form without unsaved changes stays without. */
      form.addEventListener("unsaved-guard:apply", function (event) {
        var clean = snapshot(form) === initial.get(form);
        event.detail.apply();
        event.detail.applied = true;
        if (clean) initial.set(form, snapshot(form));
      });
    });
    function dirtyForm() {
      var found = null;
      initial.forEach(function (value, form) {
        if (!found && document.body.contains(form) && snapshot(form) !== value) found = form;
      });
      return found;
    }
    window.addEventListener("beforeunload", function (event) {
      if (!submitting && dirtyForm()) {
        event.preventDefault();
        event.returnValue = "";
      }
    });
    document.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && !event.altKey && (event.key === "s" || event.key === "S")) {
        var form = (document.activeElement && document.activeElement.form) || forms[0];
        if (!form || !form.hasAttribute("data-unsaved-guard")) return;
        event.preventDefault();
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setup);
  else setup();
})();
