/* Toppleder: long pick lists become searchable comboboxes (progressive enhancement).
 *
 * A <select> in a form with more than MIN_OPTIONS options (a group, pair, session, programme,
 * organisation or leader) gets GOV.UK's accessible-autocomplete (static/vendor/accessible-autocomplete,
 * from npm) in front of it: type part of a name, arrow down, Enter. The <select> stays in the form,
 * hidden, and is what is posted, so the server sees exactly what it sees without JavaScript; the
 * autocomplete only sets which of its options is selected. Its label, help text and error message
 * stay tied to the text field.
 *
 * A long <select multiple> (42 organisations, the leader groups) gets Digdir's u-combobox with
 * u-datalist (static/vendor/u-combobox, u-datalist; the elements behind Designsystemet's
 * Suggestion): the chosen ones are shown as removable items, the text field filters the rest.
 * The <select> moves inside it, hidden, and u-combobox keeps its selected options equal to the
 * items, so what is posted is again the select's own value.
 *
 * The texts come from data-* attributes on this file's <script> tag (translated in base.html).
 */
(function () {
  "use strict";

  var MIN_OPTIONS = 7;
  var script = document.currentScript;
  var texts = (script && script.dataset) || {};

  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }

  function fill(template, values) {
    return String(template || "").replace(/\{(\w+)\}/g, function (_, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  function escapeHtml(text) {
    // The library puts a suggestion into the list as HTML: names must not become markup.
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function optionText(option) {
    return (option.textContent || "").trim();
  }

  // The field's own descriptions (help text, error message) on the text field as well: the
  // library manages aria-describedby for its own usage hint and drops ours when it re-renders.
  function keepDescriptions(input, ids) {
    if (!ids.length) return;
    function merge() {
      var current = (input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
      var missing = ids.filter(function (id) { return current.indexOf(id) === -1; });
      if (missing.length) input.setAttribute("aria-describedby", current.concat(missing).join(" "));
    }
    merge();
    new MutationObserver(merge).observe(input, { attributes: true, attributeFilter: ["aria-describedby"] });
  }

  // The hidden <select> keeps its name for assistive technology and checkers: the field's label,
  // whose "for" now points to the text field, labels it too.
  function keepLabel(select, id) {
    var label = document.querySelector("label[for='" + id + "']");
    if (!label) return;
    if (!label.id) label.id = id + "__label";
    select.setAttribute("aria-labelledby", label.id);
  }

  function enhance(select) {
    var options = Array.prototype.filter.call(select.options, function (o) { return o.value !== ""; });
    var labels = options.map(optionText);
    var selected = select.selectedIndex >= 0 ? select.options[select.selectedIndex] : null;
    var describedBy = (select.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    var invalid = select.getAttribute("aria-invalid") === "true";
    var id = select.id;
    var input = null; // the library's text field, once it is there
    keepLabel(select, id);

    function clear() {
      var blank = select.querySelector("option[value='']");
      if (blank) blank.selected = true;
      else select.selectedIndex = -1;
    }

    function choose(label) {
      // Called with the label chosen, or undefined when nothing matched.
      var index = label === undefined ? -1 : labels.indexOf(label);
      if (index !== -1) options[index].selected = true;
      else if (!input || input.value.trim() === "") clear();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    }

    window.accessibleAutocomplete.enhanceSelectElement({
      selectElement: select,
      source: labels,
      defaultValue: selected && selected.value !== "" ? optionText(selected) : "",
      showAllValues: true,
      autoselect: false,
      confirmOnBlur: true,
      displayMenu: "overlay",
      cssNamespace: "autocomplete",
      inputClasses: "pkt-input pkt-input--fullwidth", // as wide as the list (max 46rem), not Punkt's 31rem
      onConfirm: choose,
      templates: {
        inputValue: function (value) { return value == null ? "" : value; },
        suggestion: escapeHtml,
      },
      tNoResults: function () { return texts.noResults; },
      tStatusNoResults: function () { return texts.noResults; },
      tStatusQueryTooShort: function () { return ""; },
      tStatusSelectedOption: function (option, length, index) {
        return fill(texts.selected, { option: option, index: index + 1, count: length });
      },
      tStatusResults: function (length, selectedOption) {
        return fill(length === 1 ? texts.resultsOne : texts.resultsMany, { count: length }) + (selectedOption ? " " + selectedOption : "");
      },
      tAssistiveHint: function () { return texts.hint; },
      dropdownArrow: function () { return ""; },
    });
    // Posting goes through the select; the text field has no name and is never posted.
    input = document.getElementById(id);
    if (!input) return;
    input.closest(".autocomplete__wrapper").parentNode.classList.add("tl-combobox");
    if (invalid) input.setAttribute("aria-invalid", "true");
    keepDescriptions(input, describedBy);
    // Typing a name that is not in the list and leaving the field must not keep an old choice.
    input.addEventListener("blur", function () {
      window.setTimeout(function () {
        if (labels.indexOf(input.value.trim()) === -1) clear();
      }, 0);
    });
  }

  function enhanceMultiple(select) {
    var id = select.id;
    var describedBy = select.getAttribute("aria-describedby");
    keepLabel(select, id);
    var combobox = document.createElement("u-combobox");
    combobox.setAttribute("data-multiple", "");
    combobox.className = "tl-multicombo";
    ["added", "clear", "empty", "found", "invalid", "items", "of", "remove", "removed", "toggle"].forEach(function (key) {
      var text = texts["multi" + key.charAt(0).toUpperCase() + key.slice(1)];
      if (text) combobox.setAttribute("data-sr-" + key, text.replace("{count}", "%d"));
    });
    var input = document.createElement("input");
    input.type = "text";
    input.className = "pkt-input pkt-input--fullwidth";
    input.autocomplete = "off";
    var list = document.createElement("u-datalist");
    list.id = id + "__list";
    list.setAttribute("data-sr-of", texts.multiOf || "");
    list.setAttribute("data-sr-singular", (texts.resultsOneCount || "").replace("{count}", "%d"));
    list.setAttribute("data-sr-plural", (texts.resultsManyCount || "").replace("{count}", "%d"));
    Array.prototype.forEach.call(select.options, function (option) {
      if (option.value === "") return;
      var item = document.createElement("u-option");
      item.value = option.value;
      item.setAttribute("value", option.value);
      item.textContent = optionText(option);
      list.appendChild(item);
      if (option.selected) {
        var chosen = document.createElement("data");
        chosen.value = option.value;
        chosen.textContent = optionText(option);
        combobox.appendChild(chosen);
      }
    });
    select.parentNode.insertBefore(combobox, select);
    select.id = id + "-select";
    select.hidden = true;
    select.style.display = "none"; // Punkt styles .pkt-input as a block, which would undo "hidden"
    input.id = id;
    input.setAttribute("list", list.id);
    if (describedBy) input.setAttribute("aria-describedby", describedBy);
    if (select.getAttribute("aria-invalid") === "true") input.setAttribute("aria-invalid", "true");
    combobox.appendChild(input);
    combobox.appendChild(list);
    combobox.appendChild(select);
    // After a choice the search text goes, so the next name can be typed straight away.
    combobox.addEventListener("comboboxafterselect", function () {
      if (!input.value) return;
      input.value = "";
      input.dispatchEvent(new Event("input", { bubbles: true }));
    });
  }

  ready(function () {
    document.querySelectorAll("form select").forEach(function (select) {
      if (!select.id || select.disabled || select.closest("[data-no-combobox]")) return;
      if (select.options.length <= MIN_OPTIONS) return;
      var labels = Array.prototype.map.call(select.options, optionText);
      if (new Set(labels).size !== labels.length) return; // two options read alike: the native list is clearer
      if (!select.multiple) {
        if (window.accessibleAutocomplete) enhance(select);
      } else if (window.customElements && window.customElements.get("u-combobox")) {
        enhanceMultiple(select);
      }
    });
  });
})();
