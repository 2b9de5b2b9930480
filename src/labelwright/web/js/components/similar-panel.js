// "Similar images" on the item view: a button that opens a list of the item's closest
// matches by embedding, each a thumbnail and a file name linking to that item.

import { request } from "../api.js";
import { h, replace, spinner } from "../dom.js";
import { hashFor } from "../router.js";
import { emptyText, failureText, scoreText, similarPath } from "../similar.js";

/**
 * @typedef {object} SimilarPanel
 * @property {HTMLElement} element
 * @property {(itemId: number) => void} show  follow the item the view now shows
 */

/**
 * @param {number} projectId
 * @param {() => import("../query.js").QueryParams} currentQuery  kept on the links, so ← → still walk the listing
 * @returns {SimilarPanel}
 */
export function similarPanel(projectId, currentQuery) {
  let itemId = 0;
  let open = false;
  let token = 0;
  const list = h("ul", { class: "plain-list similar-list", "aria-live": "polite" });
  const body = h("div", { class: "similar-body", hidden: true, style: { marginTop: "10px" } }, list);
  const toggle = h("button", {
    type: "button", class: "btn", "aria-expanded": "false", onclick: () => setOpen(!open),
  }, "Similar images");
  const element = h("section", { class: "similar-panel", "aria-label": "Similar images", style: { marginBottom: "24px" } }, toggle, body);

  /** @param {boolean} value */
  function setOpen(value) {
    open = value;
    toggle.setAttribute("aria-expanded", String(open));
    body.hidden = !open;
    if (open) load();
  }

  async function load() {
    const wanted = ++token;
    replace(list, h("li", null, spinner("Finding similar images…")));
    try {
      /** @type {import("../similar.js").SimilarAnswer} */
      const answer = await request("GET", similarPath(projectId, itemId));
      if (wanted !== token) return;
      const empty = emptyText(answer);
      replace(list, empty ? h("li", { class: "muted small" }, empty) : answer.items.map(row));
    } catch (err) {
      if (wanted !== token) return;
      const error = /** @type {{status?: number, message?: string}} */ (err);
      replace(list, h("li", { class: "muted small", role: "status" }, failureText(error)));
    }
  }

  /** @param {import("../similar.js").SimilarItem} match */
  function row(match) {
    const href = hashFor(`/projects/${projectId}/items/${match.item_id}`, currentQuery());
    return h("li", null,
      h("a", { href, class: "similar-match", title: match.file_name, style: { display: "flex", gap: "8px", alignItems: "center" } },
        h("img", { src: match.thumbnail_url, alt: "", loading: "lazy", width: 64, height: 48, style: { objectFit: "cover", borderRadius: "4px" } }),
        h("span", { style: { minWidth: "0", overflowWrap: "anywhere" } },
          h("span", { text: match.file_name }),
          h("span", { class: "muted small", style: { display: "block" } }, scoreText(match.score)))));
  }

  return {
    element,
    show(next) {
      if (next === itemId) return;
      itemId = next;
      token++;
      replace(list);
      if (open) load();
    },
  };
}
