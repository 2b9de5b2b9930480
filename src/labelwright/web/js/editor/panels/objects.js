// The object list: class, kind and state of each object on this frame, counts per class,
// hide/show, lock, and drawing order. Every selected object is highlighted; Shift/Ctrl+click
// adds a row to the selection or takes it out, and hiding or locking a selected row does the
// same to all the selected. Long lists show the first rows only, so an item with thousands of
// objects stays quick.

import { h, replace } from "../../dom.js";
import { removeObjects, reorder } from "../commands.js";
import { classById, missingRequired } from "../schema.js";

const MAX_ROWS = 150;

/**
 * @typedef {object} ObjectListContext
 * @property {import("../store.js").EditorStore} store
 * @property {import("../schema.js").LabelSchema} schema
 * @property {Set<string>} hidden
 * @property {Set<string>} locked
 * @property {() => number} frame
 * @property {() => boolean} readOnly
 * @property {() => void} redraw
 */

/**
 * @param {ObjectListContext} c
 * @returns {{el: HTMLElement, render: () => void, markSelected: () => void}}
 */
export function objectList(c) {
  const counts = h("p", { class: "muted small object-counts", "aria-live": "polite" });
  const list = h("ul", { class: "object-list", "aria-label": "Objects" });
  const el = h("section", { class: "editor-panel" }, h("h2", null, "Objects"), counts, list);
  /** @type {Map<string, HTMLElement>} the rows shown, by object id */
  let rows = new Map();
  /** @type {Set<string>} the objects of the first rows */
  let firstIds = new Set();
  /** @type {string[]} selected objects listed above the first rows */
  let extraIds = [];
  /** @type {HTMLElement[]} their rows */
  let extraRows = [];
  /** How many objects this frame holds. */
  let total = 0;
  /** The last line, saying how many objects have no row. */
  const more = h("li", { class: "muted small" });

  /**
   * Flip a state (hidden, locked) of a row's object; a selected row flips all the selected to
   * the state it takes.
   * @param {Set<string>} set
   * @param {string} id
   */
  function toggle(set, id) {
    const on = !set.has(id);
    const ids = c.store.isSelected(id) ? c.store.selection : [id];
    for (const one of ids) {
      if (on) set.add(one);
      else set.delete(one);
    }
    c.redraw();
    render();
  }

  /**
   * @param {string} id
   * @param {MouseEvent} e
   */
  function pick(id, e) {
    if (e.shiftKey || e.ctrlKey || e.metaKey) c.store.toggleSelected(id);
    else c.store.select(id);
  }

  /**
   * @param {import("../store.js").AnnotationObject} o
   */
  function row(o) {
    const cls = classById(c.schema, o.class_id);
    const missing = missingRequired(o, cls).length;
    const selected = c.store.isSelected(o.id);
    /** @param {string} label @param {string} text @param {() => void} fn @param {boolean} [on] */
    const btn = (label, text, fn, on) => h("button", {
      type: "button", class: "icon-btn", title: label, "aria-label": label, "aria-pressed": on === undefined ? null : String(on),
      onclick: (/** @type {Event} */ e) => { e.stopPropagation(); fn(); },
    }, text);
    return h("li", {
      class: `object-row${selected ? " selected" : ""}`, dataset: { objectId: o.id },
      onclick: (/** @type {MouseEvent} */ e) => pick(o.id, e),
    },
    h("span", { class: "swatch", style: { background: cls?.color ?? "#888888" }, "aria-hidden": "true" }),
    h("span", { class: "object-name" }, cls?.name ?? o.class_id, h("span", { class: "muted small" }, ` ${o.shape.kind.replace("_", " ")}`)),
    missing ? h("span", { class: "required-mark", title: `${missing} required attribute${missing > 1 ? "s" : ""} missing` }, "!") : null,
    o.score !== null && o.score !== undefined ? h("span", { class: "muted small" }, `${Math.round(o.score * 100)}%`) : null,
    h("span", { class: "row-actions" },
      btn(c.hidden.has(o.id) ? "Show" : "Hide", c.hidden.has(o.id) ? "◌" : "●", () => toggle(c.hidden, o.id), c.hidden.has(o.id)),
      btn(c.locked.has(o.id) ? "Unlock" : "Lock", c.locked.has(o.id) ? "🔒" : "🔓", () => toggle(c.locked, o.id), c.locked.has(o.id)),
      c.readOnly() ? null : btn("Bring forward", "↑", () => apply(reorder(c.store, o.id, "up"))),
      c.readOnly() ? null : btn("Send backward", "↓", () => apply(reorder(c.store, o.id, "down"))),
      c.readOnly() ? null : btn("Delete", "✕", () => apply(removeObjects(c.store, [o.id])))));
  }

  /** @param {import("../store.js").Command | null} cmd */
  function apply(cmd) {
    if (cmd) c.store.apply(cmd);
  }

  function render() {
    const frame = c.frame();
    // Top of the drawing order first, as layers are usually listed.
    const objects = [...c.store.order].reverse().map((id) => /** @type {import("../store.js").AnnotationObject} */ (c.store.objects.get(id))).filter((o) => o.frame === frame);
    /** @type {Map<string, number>} */
    const perClass = new Map();
    for (const o of objects) perClass.set(o.class_id, (perClass.get(o.class_id) ?? 0) + 1);
    counts.textContent = objects.length
      ? `${objects.length} on this ${c.frame() ? "frame" : "image"}: ${[...perClass].map(([id, n]) => `${classById(c.schema, id)?.name ?? id} ${n}`).join(", ")}`
      : "No objects yet: pick a tool and draw.";
    const first = objects.slice(0, MAX_ROWS);
    const items = first.map(row);
    total = objects.length;
    firstIds = new Set(first.map((o) => o.id));
    rows = new Map(first.map((o, i) => [o.id, items[i]]));
    extraIds = [];
    extraRows = [];
    replace(list, items);
    listExtra();
  }

  /**
   * List the selected objects past the first rows at the top (up to as many again), in place
   * of those listed there before, and say how many objects have no row.
   */
  function listExtra() {
    const frame = c.frame();
    for (const id of extraIds) rows.delete(id);
    for (const r of extraRows) r.remove();
    const extra = c.store.selectedObjects().filter((o) => o.frame === frame && !firstIds.has(o.id)).slice(0, MAX_ROWS);
    extraIds = extra.map((o) => o.id);
    extraRows = extra.map(row);
    extraIds.forEach((id, i) => rows.set(id, extraRows[i]));
    list.prepend(...extraRows);
    const unlisted = total - firstIds.size - extraIds.length;
    more.textContent = `… and ${unlisted} more (select one on the image)`;
    if (unlisted > 0) list.append(more);
    else more.remove();
  }

  /**
   * Move the selection marks (a click on the image): only the rows of selected objects past
   * the first ones are made again, so a click costs the same however long the list is.
   */
  function markSelected() {
    if (lacksRow()) listExtra();
    for (const [id, r] of rows) r.classList.toggle("selected", c.store.isSelected(id));
  }

  /** Whether a selected object of this frame has no row, and rendering again would add it. */
  function lacksRow() {
    const frame = c.frame();
    const missing = [...c.store.selection].some((id) => !rows.has(id) && c.store.objects.get(id)?.frame === frame);
    // Already listing as many selected objects as it may: a new list would be the same.
    const full = extraIds.length === MAX_ROWS && extraIds.every((id) => c.store.isSelected(id));
    return missing && !full;
  }

  return { el, render, markSelected };
}
