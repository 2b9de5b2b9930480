// The class picker: one button per class with its colour and keys; 1–9 and schema hotkeys pick too.

import { h, replace } from "../../dom.js";

/**
 * @param {import("../schema.js").LabelSchema} schema
 * @param {import("../hotkeys.js").Keymap} keymap
 * @param {(classId: string) => void} onPick
 * @returns {{el: HTMLElement, render: (current: string | null) => void}}
 */
export function classPicker(schema, keymap, onPick) {
  const list = h("div", { class: "class-list", role: "group", "aria-label": "Classes" });
  const el = h("section", { class: "editor-panel" }, h("h2", null, "Classes"), list);
  /** @param {string} id */
  const keysOf = (id) => Object.keys(keymap.bindings).filter((k) => keymap.bindings[k] === `class:${id}`);
  return {
    el,
    render(current) {
      if (!schema.classes.length) {
        replace(list, h("p", { class: "muted small" }, "This project has no classes yet: a manager adds them in the label schema."));
        return;
      }
      replace(list, schema.classes.map((c) => h("button", {
        type: "button", class: "class-btn", "aria-pressed": String(c.id === current), dataset: { classId: c.id },
        title: `${c.name}: ${c.shape_kinds.join(", ")}`, onclick: () => onPick(c.id),
      }, h("span", { class: "swatch", style: { background: c.color }, "aria-hidden": "true" }),
      h("span", { class: "class-name" }, c.name),
      keysOf(c.id).length ? h("kbd", null, keysOf(c.id).join(" ")) : null)));
    },
  };
}
