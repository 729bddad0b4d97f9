/* Toppleder: small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  ready(function () {
    // A form with errors: the summary at the top of main takes focus, so screen readers read it
    // first; each of its links moves focus to its field (and shows the field's label too).
    var summary = document.getElementById("tl-error-summary");
    if (summary) {
      summary.focus();
      summary.addEventListener("click", function (e) {
        var link = e.target.closest("a[data-error-target]");
        if (!link) return;
        var field = document.getElementById(link.getAttribute("data-error-target"));
        if (!field) return;
        e.preventDefault();
        var holder = field.closest("fieldset, .tl-field, .pkt-inputwrapper") || field;
        holder.scrollIntoView({ block: "start" });
        field.focus({ preventScroll: true });
      });
    }

    // Messages after a redirect go into live regions that were empty at load: a region already
    // filled when the page loads is often not announced at all.
    var pending = document.getElementById("tl-pending-messages");
    if (pending && pending.content) {
      window.setTimeout(function () {
        pending.content.querySelectorAll(".pkt-alert").forEach(function (alert) {
          var region = document.getElementById(alert.getAttribute("data-level") === "alert" ? "tl-live-alert" : "tl-live-status");
          region.appendChild(alert.cloneNode(true));
        });
      }, 150);
    }

    // The user menu is a <details>: close it with Escape and when clicking outside.
    var menu = document.querySelector(".tl-usermenu");
    if (menu) {
      document.addEventListener("keydown", function (e) {
        if (e.key === "Escape" && menu.open) {
          menu.open = false;
          menu.querySelector("summary").focus();
        }
      });
      document.addEventListener("click", function (e) {
        if (menu.open && !menu.contains(e.target)) menu.open = false;
      });
    }

    // On a phone the main menu folds behind one button (Punkt's pattern); without this file
    // it simply stays open.
    var nav = document.querySelector(".tl-nav");
    var toggle = nav && nav.querySelector(".tl-nav__toggle");
    if (toggle) {
      nav.classList.add("tl-nav--js");
      toggle.hidden = false;
      toggle.addEventListener("click", function () {
        var open = toggle.getAttribute("aria-expanded") !== "true";
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
        nav.classList.toggle("tl-nav--open", open);
      });
    }

    // Wide data tables scroll inside their own box on narrow screens instead of the page
    // (WCAG 1.4.10). Templates may wrap tables in .tl-table-wrap themselves; this covers the rest.
    document.querySelectorAll(".tl-main table").forEach(function (table) {
      var parent = table.parentElement;
      if (parent && parent.classList.contains("tl-table-wrap")) return;
      var wrap = document.createElement("div");
      wrap.className = "tl-table-wrap";
      parent.insertBefore(wrap, table);
      wrap.appendChild(table);
    });
    // A scrolling box must be reachable by keyboard (axe: scrollable-region-focusable).
    function markScrollable() {
      document.querySelectorAll(".tl-table-wrap").forEach(function (wrap) {
        if (wrap.scrollWidth > wrap.clientWidth + 1) {
          wrap.setAttribute("tabindex", "0");
          wrap.setAttribute("role", "region");
          var caption = wrap.querySelector("caption");
          wrap.setAttribute("aria-label", caption ? caption.textContent.trim() : document.title);
        } else if (wrap.getAttribute("tabindex") === "0") {
          wrap.removeAttribute("tabindex");
          wrap.removeAttribute("role");
          wrap.removeAttribute("aria-label");
        }
      });
    }
    markScrollable();
    window.addEventListener("resize", markScrollable);

    // "New group" / "New pair" on the dashboard ends once the member has seen the page. A GET
    // never writes (link scanners open every link), so the page says so itself, with a POST.
    document.querySelectorAll("form.tl-mark-seen").forEach(function (form) {
      if (!window.fetch) return;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
    });
  });
})();
