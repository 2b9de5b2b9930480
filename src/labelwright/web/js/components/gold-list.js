// Gold items of a project (managers): each with its file name, the number of objects in its
// known answer, a link to the editor, and "remove" to make it an ordinary item again.

import * as api from "../api.js";
import { h, replace } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatDate, plural } from "../format.js";
import * as qualityApi from "../quality-api.js";
import { hashFor } from "../router.js";

/** File names are looked up for this many gold items at most (one request each). */
const NAMED = 100;

/**
 * @param {number} projectId
 * @param {qualityApi.GoldItem[]} gold
 * @param {() => void} onChange  after a removal
 * @returns {HTMLElement}
 */
export function goldList(projectId, gold, onChange) {
  if (!gold.length) {
    return h("p", { class: "muted small" }, "No gold items yet. Open an item in the editor and press “Mark as gold” to use its annotation as the known answer.");
  }
  const status = h("p", { class: "muted small", role: "status" });
  const rows = gold.map((g) => {
    const name = h("a", { href: hashFor(`/projects/${projectId}/items/${g.item_id}/edit`) }, `Item ${g.item_id}`);
    const remove = h("button", { type: "button", class: "btn btn-quiet small", "aria-label": `Remove item ${g.item_id} from gold`,
      onclick: async () => {
        remove.disabled = true;
        try {
          await qualityApi.removeGold(projectId, g.item_id);
          status.textContent = `${name.textContent} is no longer gold`;
          onChange();
        } catch (err) {
          status.textContent = messageOf(err);
          remove.disabled = false;
        }
      } }, "Remove");
    return { g, name, el: h("li", { class: "gold-row", dataset: { itemId: String(g.item_id) } }, name,
      h("span", { class: "muted small" }, ` ${plural(g.body.objects?.length ?? 0, "object")} · ${formatDate(g.created_at)} `), remove) };
  });
  for (const r of rows.slice(0, NAMED)) {
    api.getItem(projectId, r.g.item_id).then((item) => { r.name.textContent = item.file_name; }).catch(() => {});
  }
  const list = h("ul", { class: "plain-list gold-list" });
  replace(list, rows.map((r) => r.el));
  return h("div", null, list, status);
}
