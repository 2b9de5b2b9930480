// Asking where the objects of removed classes go, after the server refused to drop classes
// that objects still use: move them to another class, or delete them.

import { h } from "../dom.js";
import { plural } from "../format.js";

/**
 * @param {Array<{id: string, name: string, count: number}>} inUse  removed classes and their object counts
 * @param {Array<{id: string, name: string}>} targets  the classes of the new schema
 * @returns {Promise<Record<string, string | null> | null>}  class id → target id or null (delete); null when cancelled
 */
export function askRemap(inUse, targets) {
  return new Promise((resolve) => {
    /** @type {Map<string, HTMLSelectElement>} */
    const choices = new Map();
    const rows = inUse.map((c) => {
      const select = h("select", { id: `remap-${c.id}`, "aria-describedby": `remap-${c.id}-note` },
        targets.map((t) => h("option", { value: `move:${t.id}` }, `Move them to ${t.name || t.id}`)),
        h("option", { value: "delete" }, `Delete the ${plural(c.count, "object")}`));
      select.value = targets.length ? `move:${targets[0].id}` : "delete";
      choices.set(c.id, select);
      return h("li", { class: "field" },
        h("label", { for: select.id }, h("strong", null, c.name)),
        h("span", { id: `remap-${c.id}-note`, class: "muted small" }, `${plural(c.count, "object")} ${c.count === 1 ? "uses" : "use"} this class.`),
        select);
    });
    const dialog = h("dialog", { class: "remap-dialog", "aria-labelledby": "remap-title" },
      h("form", { method: "dialog", onsubmit: finish },
        h("h2", { id: "remap-title" }, "Objects still use these classes"),
        h("p", { class: "muted" }, "Saving removes them. Say what happens to their objects; each changed annotation gets a new revision, so earlier versions stay in its history."),
        h("ul", { class: "plain-list" }, rows),
        h("div", { class: "form-actions" },
          h("button", { type: "submit", class: "btn btn-primary" }, "Save with these changes"),
          h("button", { type: "button", class: "btn", onclick: () => close(null) }, "Cancel"))));
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); close(null); });

    /** @param {Event} e */
    function finish(e) {
      e.preventDefault();
      /** @type {Record<string, string | null>} */
      const remap = {};
      for (const [id, select] of choices) remap[id] = select.value.startsWith("move:") ? select.value.slice(5) : null;
      close(remap);
    }

    /** @param {Record<string, string | null> | null} value */
    function close(value) {
      dialog.close();
      dialog.remove();
      resolve(value);
    }

    document.body.append(dialog);
    dialog.showModal();
  });
}
