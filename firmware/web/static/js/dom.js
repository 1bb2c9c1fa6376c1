// Building elements without innerHTML: every text from the API lands as text, never as markup.

export function h(tag, attrs = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "dataset") Object.assign(element.dataset, value);
    else if (name in element && typeof value !== "string") element[name] = value;
    else element.setAttribute(name, value === true ? "" : value);
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(element, ...children) {
  element.replaceChildren();
  append(element, children);
}

// A table of rows; `columns` are [heading, row => cell content].
export function table(columns, rows, empty) {
  if (!rows.length) return h("p", { class: "muted" }, empty);
  return h("div", { class: "table-wrap" },
    h("table", {},
      h("thead", {}, h("tr", {}, columns.map(([heading]) => h("th", { scope: "col" }, heading)))),
      h("tbody", {}, rows.map(row => h("tr", {}, columns.map(([, cell]) => h("td", {}, cell(row))))))));
}

// A labelled control: the label names it for screen readers and is clickable.
let counter = 0;
export function field(label, control) {
  const id = control.id || `field-${++counter}`;
  control.id = id;
  return [h("label", { for: id }, label), control];
}

export function select(name, options, chosen) {
  return h("select", { name }, options.map(([value, text]) =>
    h("option", { value, selected: value === chosen }, text)));
}

export function when(iso) {
  if (!iso) return "";
  const date = new Date(iso);
  return isNaN(date) ? iso : date.toLocaleString(document.documentElement.lang);
}

export function seconds(value) {
  if (value === null || value === undefined) return "";
  const total = Math.round(value);
  const m = Math.floor(total / 60), s = total % 60;
  return m ? `${m}:${String(s).padStart(2, "0")}` : `${s} s`;
}

export function bytes(value) {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let i = 0;
  while (value >= 1024 && i < units.length - 1) { value /= 1024; i++; }
  return `${value.toFixed(i ? 1 : 0)} ${units[i]}`;
}
