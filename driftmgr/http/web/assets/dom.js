// Building the page from data. Every value reaches the page as text (textContent and
// attributes), never as markup: a resource named "<script>" stays a name.

/** h("tag.class", {attrs, on: {click}}, ...children): one element. */
export function h(spec, props = {}, ...children) {
  const [tag, ...classes] = spec.split(".");
  const el = document.createElement(tag || "div");
  if (classes.length) el.className = classes.join(" ");
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "on") {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (key === "text") {
      el.textContent = String(value);
    } else if (key === "class") {
      el.className = [el.className, value].filter(Boolean).join(" ");
    } else if (key === "dataset") {
      Object.assign(el.dataset, value);
    } else if (key in el && typeof value !== "string") {
      el[key] = value;
    } else {
      el.setAttribute(key, value === true ? "" : String(value));
    }
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replace an element's content. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

let nextId = 0;
export function uid(prefix = "f") {
  nextId += 1;
  return `${prefix}-${nextId}`;
}

/** A labelled form control: label + control, wired by id. */
export function field(label, control, hint) {
  control.id ||= uid();
  const parts = [h("label", { for: control.id, text: label }), control];
  if (hint) {
    const hintEl = h("span.hint", { id: uid("hint"), text: hint });
    control.setAttribute("aria-describedby", hintEl.id);
    parts.push(hintEl);
  }
  return h("div.field", {}, parts);
}

export function select(name, options, value) {
  const el = h("select", { name });
  for (const option of options) {
    const [optValue, text] = Array.isArray(option) ? option : [option, option];
    el.append(h("option", { value: optValue, text, selected: optValue === value }));
  }
  return el;
}

/** A table with a caption; columns: [{label, cell: row => node|string, class}]. */
export function table(caption, columns, rows, { empty = "Nothing yet.", rowProps } = {}) {
  if (!rows.length) return h("p.empty", { text: `${caption}: ${empty}` });
  return h(
    "table",
    {},
    h("caption", { text: caption }),
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", text: c.label })))),
    h(
      "tbody",
      {},
      rows.map((row) =>
        h(
          "tr",
          rowProps ? rowProps(row) : {},
          columns.map((c) => h("td", { class: c.class }, c.cell(row))),
        ),
      ),
    ),
  );
}

export function badge(text, kind = text) {
  return h("span.badge", { class: `b-${String(kind).replace(/[^a-z0-9_-]/gi, "")}`, text });
}

export function time(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return h("time", { datetime: iso, title: iso, text: date.toLocaleString() });
}

/** "3 h ago" from an ISO time; the exact time in the title. */
export function ago(iso, now = Date.now()) {
  if (!iso) return "—";
  const seconds = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  const units = [
    [86400, "d"],
    [3600, "h"],
    [60, "min"],
  ];
  let text = `${Math.round(seconds)} s ago`;
  for (const [size, unit] of units) {
    if (seconds >= size) {
      text = `${Math.floor(seconds / size)} ${unit} ago`;
      break;
    }
  }
  return h("time", { datetime: iso, title: new Date(iso).toLocaleString(), text });
}

export function shortId(id) {
  return id ? String(id).slice(0, 8) : "—";
}

/** A value of a change (expected or actual) as readable text. */
export function showValue(value) {
  if (value === null || value === undefined) return h("span.null", { text: "null" });
  if (typeof value === "string") return value;
  return h("code", { text: JSON.stringify(value, null, 1) });
}

export function heading(text, ...actions) {
  return h("div.page-head", {}, h("h1", { text }), actions.length ? h("div.actions", {}, actions) : null);
}

/** A problem shown where the data would be, in words the API gave. */
export function problem(error) {
  return h("p.problem", { role: "alert", text: error?.message || String(error) });
}

export function announce(text) {
  const region = document.getElementById("announce");
  if (region) region.textContent = text;
}
