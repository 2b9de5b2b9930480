// The object list: class, kind and state of each object on this frame, counts per class,
// hide/show, lock, and drawing order. Long lists show the first rows only, so an item with
// thousands of objects stays quick.

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

  /**
   * @param {Set<string>} set
   * @param {string} id
   */
  function toggle(set, id) {
    if (set.has(id)) set.delete(id);
    else set.add(id);
    c.redraw();
    render();
  }

  /**
   * @param {import("../store.js").AnnotationObject} o
   */
  function row(o) {
    const cls = classById(c.schema, o.class_id);
    const missing = missingRequired(o, cls).length;
    const selected = c.store.selected === o.id;
    /** @param {string} label @param {string} text @param {() => void} fn @param {boolean} [on] */
    const btn = (label, text, fn, on) => h("button", {
      type: "button", class: "icon-btn", title: label, "aria-label": label, "aria-pressed": on === undefined ? null : String(on),
      onclick: (/** @type {Event} */ e) => { e.stopPropagation(); fn(); },
    }, text);
    return h("li", {
      class: `object-row${selected ? " selected" : ""}`, dataset: { objectId: o.id },
      onclick: () => c.store.select(o.id),
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
    let shown = objects.slice(0, MAX_ROWS);
    const sel = c.store.selectedObject();
    if (sel && sel.frame === frame && !shown.includes(sel)) shown = [sel, ...shown];
    replace(list, shown.map(row), objects.length > shown.length ? h("li", { class: "muted small" }, `… and ${objects.length - shown.length} more (select one on the image)`) : null);
  }

  /** Move the selection mark without rebuilding the list (a click on the image). */
  function markSelected() {
    const id = c.store.selected;
    const row = id ? list.querySelector(`[data-object-id="${CSS.escape(id)}"]`) : null;
    if (id && !row) {
      render();
      return;
    }
    for (const r of list.querySelectorAll(".object-row.selected")) r.classList.remove("selected");
    row?.classList.add("selected");
  }

  return { el, render, markSelected };
}
