// The help overlay (?): the key table in force, drawn from the same data the keys run on.

import { h } from "../../dom.js";
import { POINTER_HINTS, groupRows } from "../hotkeys.js";

/**
 * @param {import("../hotkeys.js").Keymap} keymap
 * @returns {HTMLDialogElement}
 */
export function helpDialog(keymap) {
  const dialog = h("dialog", { class: "editor-help", "aria-labelledby": "editor-help-title" },
    h("div", { class: "help-head" }, h("h2", { id: "editor-help-title" }, "Keys and mouse"),
      h("button", { type: "button", class: "btn btn-quiet", onclick: () => dialog.close(), "aria-label": "Close" }, "×")),
    h("div", { class: "help-columns" },
      groupRows(keymap.rows).map(([group, rows]) => h("section", null, h("h3", null, group),
        h("table", null, h("tbody", null, rows.map((r) => h("tr", null,
          h("td", null, r.keys.map((k) => h("kbd", null, k))), h("td", null, r.label))))))),
      h("section", null, h("h3", null, "Mouse"),
        h("table", null, h("tbody", null, POINTER_HINTS.map(([g, w]) => h("tr", null, h("td", null, g), h("td", null, w))))))));
  dialog.addEventListener("click", (e) => {
    if (e.target === dialog) dialog.close();
  });
  return dialog;
}
