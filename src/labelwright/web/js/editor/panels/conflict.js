// The choice after a 412: someone saved this item since it was loaded. Local work is kept
// until the user picks: reload theirs, or overwrite with mine (after seeing what differs).

import { h } from "../../dom.js";
import { describeDiff, diffDocuments } from "../diff.js";

/**
 * @param {import("../store.js").AnnotationDoc} mine
 * @param {import("../store.js").AnnotationDoc} theirs
 * @param {{keepTheirs: () => void, keepMine: () => void}} choose
 * @returns {HTMLDialogElement}
 */
export function conflictDialog(mine, theirs, choose) {
  const lines = describeDiff(diffDocuments(mine, theirs));
  /** @param {() => void} fn */
  const pick = (fn) => () => {
    dialog.close();
    dialog.remove();
    fn();
  };
  const dialog = h("dialog", { class: "editor-conflict", "aria-labelledby": "conflict-title" },
    h("h2", { id: "conflict-title" }, "This item was saved elsewhere"),
    h("p", null, "Someone (or you, in another tab) saved this annotation after you opened it. Your changes are kept here until you choose."),
    h("ul", { class: "conflict-diff" }, lines.map((l) => h("li", null, l))),
    h("div", { class: "dialog-actions" },
      h("button", { type: "button", class: "btn", dataset: { choice: "theirs" }, onclick: pick(choose.keepTheirs) }, "Reload theirs (drop my changes)"),
      h("button", { type: "button", class: "btn btn-primary", dataset: { choice: "mine" }, onclick: pick(choose.keepMine) }, "Overwrite with mine")));
  // Escape must not dismiss the question: the work would sit unsaved with no way back to it.
  dialog.addEventListener("cancel", (e) => e.preventDefault());
  return dialog;
}
