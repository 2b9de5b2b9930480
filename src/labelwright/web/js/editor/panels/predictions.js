// Model predictions: drawn dashed with their scores; accept one, accept all at or above a
// threshold, or reject. Accepted objects become ordinary (undoable) objects of this annotation.

import { h, replace } from "../../dom.js";
import { addObjects, cloneObjects } from "../commands.js";
import { classById } from "../schema.js";

/**
 * @typedef {object} PredictionPanel
 * @property {HTMLElement} el
 * @property {() => void} render
 * @property {() => import("../store.js").AnnotationObject[]} visible  the predictions still pending, this frame
 * @property {string | null} hover
 */

/**
 * @param {import("../remote.js").Prediction[]} predictions
 * @param {import("../store.js").EditorStore} store
 * @param {import("../schema.js").LabelSchema} schema
 * @param {() => number} frame
 * @param {() => boolean} readOnly
 * @param {() => void} redraw
 * @returns {PredictionPanel}
 */
export function predictionPanel(predictions, store, schema, frame, readOnly, redraw) {
  /** @type {import("../store.js").AnnotationObject[]} */
  const pending = predictions.flatMap((p) => p.body.objects.map((o) => ({ ...o, id: `${p.id}:${o.id}` })));
  let threshold = 0.5;
  const list = h("ul", { class: "object-list" });
  const label = h("output", { for: "pred-threshold" }, "50%");
  const slider = h("input", { id: "pred-threshold", type: "range", min: 0, max: 100, step: 1, value: 50,
    oninput: () => { threshold = Number(slider.value) / 100; label.textContent = `${slider.value}%`; redraw(); render(); } });
  const acceptAll = h("button", { type: "button", class: "btn small", onclick: () => accept(visible().filter(passes)) }, "Accept all ≥ threshold");
  const el = h("section", { class: "editor-panel", hidden: pending.length === 0 },
    h("h2", null, "Predictions"),
    h("div", { class: "field" }, h("label", { for: "pred-threshold" }, "Score threshold "), slider, label), acceptAll, list);

  const visible = () => pending.filter((p) => p.frame === frame() && (p.score ?? 1) >= 0);
  /** @param {import("../store.js").AnnotationObject} p */
  const passes = (p) => (p.score ?? 1) >= threshold;

  /** @param {import("../store.js").AnnotationObject[]} chosen */
  function accept(chosen) {
    if (readOnly() || !chosen.length) return;
    const copies = cloneObjects(chosen).map((c, i) => ({ ...c, source: chosen[i].source, score: chosen[i].score ?? null }));
    store.apply(addObjects(store, copies, chosen.length === 1 ? "Accept prediction" : `Accept ${chosen.length} predictions`));
    drop(chosen);
  }

  /** @param {import("../store.js").AnnotationObject[]} chosen */
  function drop(chosen) {
    for (const c of chosen) pending.splice(pending.indexOf(c), 1);
    panel.hover = null;
    redraw();
    render();
  }

  function render() {
    const shown = visible();
    el.hidden = pending.length === 0;
    acceptAll.disabled = readOnly() || !shown.some(passes);
    replace(list, shown.slice(0, 100).map((p) => h("li", {
      class: "object-row", onmouseenter: () => { panel.hover = p.id; redraw(); }, onmouseleave: () => { panel.hover = null; redraw(); },
    },
    h("span", { class: "swatch", style: { background: classById(schema, p.class_id)?.color ?? "#888888" } }),
    h("span", { class: "object-name" }, classById(schema, p.class_id)?.name ?? p.class_id, h("span", { class: "muted small" }, ` ${p.source.replace(/^model:/, "")} ${Math.round((p.score ?? 1) * 100)}%`)),
    h("span", { class: "row-actions" },
      h("button", { type: "button", class: "icon-btn", "aria-label": "Accept", title: "Accept", disabled: readOnly(), onclick: () => accept([p]) }, "✓"),
      h("button", { type: "button", class: "icon-btn", "aria-label": "Reject", title: "Reject", onclick: () => drop([p]) }, "✕")))));
  }

  /** @type {PredictionPanel} */
  const panel = { el, render, visible: () => visible().filter(passes), hover: null };
  return panel;
}
