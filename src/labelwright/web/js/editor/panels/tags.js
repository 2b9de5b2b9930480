// Image tags: one group of options per tag group of the schema (radio or checkboxes).

import { h, replace } from "../../dom.js";
import { setTag } from "../commands.js";

/**
 * @param {import("../schema.js").LabelSchema} schema
 * @param {import("../store.js").EditorStore} store
 * @param {() => boolean} readOnly
 * @returns {{el: HTMLElement | null, render: () => void}}
 */
export function tagPanel(schema, store, readOnly) {
  if (!schema.tag_groups.length) return { el: null, render() {} };
  const body = h("div");
  const el = h("section", { class: "editor-panel" }, h("h2", null, "Image tags"), body);
  return {
    el,
    render() {
      replace(body, schema.tag_groups.map((g) => h("fieldset", { class: "tag-group" },
        h("legend", null, g.name, g.multiple ? h("span", { class: "muted small" }, " (any)") : null),
        g.options.map((o) => {
          const chosen = (store.tags[g.id] ?? []).includes(o.id);
          const input = h("input", {
            type: g.multiple ? "checkbox" : "radio", name: `tag-${g.id}`, checked: chosen, disabled: readOnly(),
            dataset: { group: g.id, option: o.id },
            onclick: () => store.apply(setTag(store, g, o.id, g.multiple ? input.checked : !chosen)),
          });
          return h("label", { class: "check" }, input, " ", o.name);
        }))));
    },
  };
}
