// Long lists become searchable comboboxes (Punkt's own <pkt-combobox>), as an enhancement:
// the form's <select> stays, hidden, and holds the choice, so the page works without
// JavaScript and the server sees exactly what it always did. A list is long when it has
// more than LONG_LIST options; a select marked data-plain is left alone.
const LONG_LIST = 7;

const selects = [...document.querySelectorAll("main select")].filter(
  (s) => s.options.length > LONG_LIST && !s.closest("[data-plain]"),
);

function labelOf(select) {
  const label = select.id && document.querySelector(`label[for="${CSS.escape(select.id)}"]`);
  return { element: label || null, text: label ? label.textContent.replace(/\s+/g, " ").trim() : select.name };
}

function enhance(select) {
  const { element: label, text } = labelOf(select);
  const box = document.createElement("pkt-combobox");
  box.id = `${select.id || select.name}-combobox`;
  box.setAttribute("label", text);
  box.setAttribute("typeahead", "");
  box.setAttribute("fullwidth", "");
  if (select.multiple) box.setAttribute("multiple", "");
  if (select.required) box.setAttribute("required", "");
  const described = select.getAttribute("aria-describedby");
  const help = described && document.getElementById(described.split(" ")[0]);
  if (help) {
    box.setAttribute("helptext", help.textContent.trim());
    help.classList.add("tl-enhanced");
  }
  box.options = [...select.options]
    .filter((o) => o.value !== "")
    .map((o) => ({ value: o.value, label: o.textContent.trim(), selected: o.selected }));
  const chosen = [...select.selectedOptions].map((o) => o.value).filter((v) => v !== "");
  box.value = select.multiple ? chosen : chosen[0] || "";
  box.addEventListener("value-change", (event) => {
    const value = event.detail ?? box.value;
    const values = new Set(Array.isArray(value) ? value : String(value || "").split(",").filter(Boolean));
    for (const option of select.options) option.selected = values.has(option.value);
    select.dispatchEvent(new Event("change", { bubbles: true }));
  });
  if (select.getAttribute("aria-invalid") === "true") {
    box.setAttribute("has-error", "");
    const error = select.parentElement.querySelector(".pkt-alert--error, .pkt-inputwrapper__error, [id$='_error']");
    if (error) box.setAttribute("errormessage", error.textContent.trim());
  }
  select.classList.add("tl-enhanced");
  select.tabIndex = -1;
  if (label) label.classList.add("tl-enhanced");
  select.insertAdjacentElement("afterend", box);
  select.dataset.enhanced = "combobox";
}

if (selects.length) {
  // Punkt's icons from our own copy (the default is a CDN, which the page's CSP refuses).
  const script = document.querySelector("script[data-icon-path]");
  window.pktIconPath = script ? script.dataset.iconPath : "/static/punkt/icons/";
  import("../punkt/elements/pkt-combobox.js").then(() => selects.forEach(enhance));
}
