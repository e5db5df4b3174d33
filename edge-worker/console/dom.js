// Small DOM helpers. Every value from the API reaches the page as text (textContent, or an
// attribute set one by one), never as HTML, so a hostile name or email cannot run script.

/** `h("button", {type: "button", onclick}, "Save")`: an element with attributes and children. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "checked" || k === "value") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

export const $ = (id) => document.getElementById(id);

/** Shows an error with its stable code (`ApiError.code`) first, and announces it. */
export function showError(el, e) {
  el.replaceChildren();
  if (e?.code) el.append(h("code", {}, e.code), ": ");
  el.append(e?.description ?? e?.message ?? String(e));
  el.dataset.code = e?.code ?? "unknown";
  el.hidden = false;
}

export function clearError(el) {
  el.hidden = true;
  el.replaceChildren();
  delete el.dataset.code;
}

/** The non-empty lines of a textarea. */
export const lines = (text) => text.split("\n").map((l) => l.trim()).filter(Boolean);

/** Words separated by spaces or commas. */
export const words = (text) => text.split(/[\s,]+/).map((w) => w.trim()).filter(Boolean);

/** A labelled input: returns [label, input, help?] for a form. */
export function field({ id, label, type = "text", value = "", help, required, rows, attrs = {} }) {
  const helpId = help ? `${id}-help` : undefined;
  const common = { id, name: id, required, "aria-describedby": helpId, ...attrs };
  const input = type === "textarea"
    ? h("textarea", { ...common, rows: rows ?? 3 })
    : h("input", { ...common, type });
  input.value = value ?? "";
  return [h("label", { for: id }, label), input, help ? h("p", { class: "help", id: helpId }, help) : null];
}

/** A checkbox with its label on the right, and optional help. */
export function checkbox({ id, label, checked, help }) {
  const helpId = help ? `${id}-help` : undefined;
  return [
    h("div", { class: "check" },
      h("input", { type: "checkbox", id, name: id, checked: Boolean(checked), "aria-describedby": helpId }),
      h("label", { for: id }, label)),
    help ? h("p", { class: "help", id: helpId }, help) : null,
  ];
}

export const date = (secs) => (secs ? new Date(secs * 1000).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "never");
