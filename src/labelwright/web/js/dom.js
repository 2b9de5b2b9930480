// Small helpers for building the page without a framework.

/**
 * @typedef {Record<string, any>} Attrs
 * `class`, `text` (text content; there is no raw HTML), `on<event>` handlers, a `dataset` object,
 * a `style` object, `true` for boolean attributes, null/undefined/false to leave one out;
 * everything else becomes an attribute (use "false" for enumerated ones like `draggable`).
 */

/** @typedef {Node | string | number | null | undefined | false} Child */

/**
 * Create an element: h("a", {href: "#/", class: "link"}, "Projects").
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Attrs | null} [attrs]
 * @param {...(Child | Child[])} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "text") el.textContent = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "style" && typeof value === "object") Object.assign(el.style, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

/**
 * @param {Element} parent
 * @param {Array<Child | Child[]>} children
 */
function append(parent, children) {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

/**
 * Replace everything inside an element.
 * @param {Element} el
 * @param {...(Child | Child[])} children
 */
export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
}

/**
 * A function that runs `fn` once calls stop for `ms` milliseconds.
 * @template {unknown[]} A
 * @param {(...args: A) => void} fn
 * @param {number} ms
 * @returns {(...args: A) => void}
 */
export function debounce(fn, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  return (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
}

/**
 * Show a short message in the page's status region (read out by screen readers).
 * @param {string} message
 * @param {"info" | "error"} [kind]
 */
export function notify(message, kind = "info") {
  const region = document.getElementById("toasts");
  if (!region) return;
  const toast = h("div", { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" }, message,
    h("button", { type: "button", class: "toast-close", "aria-label": "Dismiss", onclick: () => toast.remove() }, "×"));
  region.append(toast);
  setTimeout(() => toast.remove(), kind === "error" ? 8000 : 4000);
}

/**
 * A message shown in place of content that could not load.
 * @param {string} message
 * @param {(() => void)} [retry]
 * @returns {HTMLElement}
 */
export function errorBox(message, retry) {
  return h("div", { class: "error-box", role: "alert" },
    h("p", null, message),
    retry && h("button", { type: "button", class: "btn", onclick: retry }, "Try again"));
}

/**
 * A placeholder while something loads.
 * @param {string} [label]
 * @returns {HTMLElement}
 */
export function spinner(label = "Loading…") {
  return h("div", { class: "loading", role: "status" }, h("span", { class: "spinner", "aria-hidden": "true" }), label);
}
