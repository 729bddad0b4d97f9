/* Toppleder: accessible names the Django admin leaves out. Runs after the admin's own scripts
   (the calendar and clock links are added on "load"), so every engine in the crawl
   (tests/e2e/test_crawl.py) and every screen reader meets the finished page. */
(function () {
  "use strict";

  function text(el) {
    return el ? el.textContent.replace(/\s+/g, " ").replace(/:$/, "").trim() : "";
  }

  function hidden(label) {
    var span = document.createElement("span");
    span.className = "tl-vh";
    span.textContent = label;
    return span;
  }

  // The column heading over a cell of a table of forms (inlines, list_editable).
  function columnHeading(cell) {
    var table = cell.closest("table");
    if (!table || !table.tHead) return "";
    var index = Array.prototype.indexOf.call(cell.parentElement.children, cell);
    var row = table.tHead.rows[table.tHead.rows.length - 1];
    return row && row.cells[index] ? text(row.cells[index]) : "";
  }

  function fieldName(field) {
    var cell = field.closest("td");
    if (cell) {
      var heading = columnHeading(cell);
      if (heading) return heading;
    }
    var row = field.closest(".form-row, .fieldBox");
    var label = row ? row.querySelector("label") : null;
    var base = text(label);
    var part = field.id && /_[01]$/.test(field.id) ? field.previousSibling : null;  // "Dato:" / "Klokkeslett:"
    var partText = part && part.nodeType === 3 ? part.textContent.replace(/:\s*$/, "").trim() : "";
    return [base, partText].filter(Boolean).join(" – ");
  }

  function fix() {
    // Links that are only an icon: their title becomes their text.
    document.querySelectorAll("a").forEach(function (a) {
      if (text(a)) return;
      var titled = a.getAttribute("title") || (a.querySelector("[title]") || {}).title || a.getAttribute("aria-label");
      var img = a.querySelector("img");
      if (img && !img.getAttribute("alt") && titled) img.setAttribute("alt", titled);
      if (titled && !a.querySelector(".tl-vh")) a.appendChild(hidden(titled));
    });
    // Form fields without a label: name them after their column or their row's label.
    document.querySelectorAll("input, select, textarea").forEach(function (field) {
      if (["hidden", "submit", "button", "reset", "image"].indexOf(field.type) !== -1) return;
      if ((field.labels && field.labels.length) || field.getAttribute("aria-label") || field.getAttribute("aria-labelledby")) return;
      var name = fieldName(field) || field.getAttribute("placeholder") || field.name;
      if (name) field.setAttribute("aria-label", name);
    });
    // select2 (autocomplete fields): the combobox and its search box get the field's label.
    document.querySelectorAll(".select2-selection[role=combobox], .select2-search__field, .select2-selection__rendered[role=textbox]").forEach(function (box) {
      if (box.getAttribute("aria-label")) return;
      var wrapper = box.closest(".related-widget-wrapper, .form-row, td");
      var select = wrapper ? wrapper.querySelector("select") : null;
      var name = select && select.labels && select.labels.length ? text(select.labels[0]) : select ? fieldName(select) : "";
      if (!name) return;
      box.setAttribute("aria-label", name);
      box.removeAttribute("aria-labelledby");  // it points at the chosen value, empty when none is
    });
    // select2 puts its "clear all" cross inside the list of chosen values, where only items belong.
    document.querySelectorAll(".select2-selection--multiple > ul > span").forEach(function (span) {
      span.parentNode.parentNode.insertBefore(span, span.parentNode);
    });
    // A fieldset without a name: its heading, or the page's.
    document.querySelectorAll("fieldset").forEach(function (fieldset) {
      if (fieldset.querySelector(":scope > legend")) return;
      var heading = fieldset.querySelector(":scope > h2") || document.querySelector("#content h1, h1");
      var legend = document.createElement("legend");
      legend.className = "tl-vh";
      legend.textContent = text(heading);
      fieldset.insertBefore(legend, fieldset.firstChild);
    });
    // Table headers say what they head.
    document.querySelectorAll("table").forEach(function (table) {
      table.querySelectorAll("thead th:not([scope])").forEach(function (th) { th.setAttribute("scope", "col"); });
      table.querySelectorAll("tbody th:not([scope]), tfoot th:not([scope])").forEach(function (th) { th.setAttribute("scope", "row"); });
    });
    // Help icons carry their text in aria-label, which a plain <span> may not have.
    document.querySelectorAll("span[aria-label]:not([role])").forEach(function (span) { span.setAttribute("role", "img"); });
    // A form with nothing to send (a changelist without actions or editable columns) is no form.
    document.querySelectorAll("#content form").forEach(function (form) {
      if (form.querySelector("button, input[type=submit], input[type=image]")) return;
      if (form.querySelector("input:not([type=hidden]), select, textarea")) return;
      var div = document.createElement("div");
      div.id = form.id;
      while (form.firstChild) div.appendChild(form.firstChild);
      form.parentNode.replaceChild(div, form);
    });
  }

  // After both the "load" event (calendar and clock links) and jQuery's ready handlers (select2),
  // whichever comes last; the page then says so (the crawl waits for data-a11y-ready).
  var loaded = document.readyState === "complete";
  var jqueryReady = !(window.django && window.django.jQuery);
  function whenBoth() {
    if (!loaded || !jqueryReady) return;
    fix();
    document.documentElement.setAttribute("data-a11y-ready", "1");
  }
  if (!loaded) window.addEventListener("load", function () { loaded = true; whenBoth(); });
  if (!jqueryReady) window.django.jQuery(function () { jqueryReady = true; whenBoth(); });
  whenBoth();
})();
