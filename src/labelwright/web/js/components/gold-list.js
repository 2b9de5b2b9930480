// Gold items of a project (managers): each with its file name, the number of objects in its
// known answer, a link to the editor, and "remove" to make it an ordinary item again.

import { h } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatDate, plural } from "../format.js";
import * as qualityApi from "../quality-api.js";
import { hashFor } from "../router.js";

/**
 * @param {number} projectId
 * @param {qualityApi.GoldItem[]} gold
 * @returns {HTMLElement}
 */
export function goldList(projectId, gold) {
  const empty = () => h("p", { class: "muted small" }, "No gold items yet. Open an item in the editor and press “Mark as gold” to use its annotation as the known answer.");
  if (!gold.length) return empty();
  const status = h("p", { class: "muted small", role: "status" });
  const list = h("ul", { class: "plain-list gold-list" });
  for (const g of gold) {
    const name = g.file_name || `Item ${g.item_id}`;
    const row = h("li", { class: "gold-row", dataset: { itemId: String(g.item_id) } },
      h("a", { href: hashFor(`/projects/${projectId}/items/${g.item_id}/edit`) }, name),
      h("span", { class: "muted small" }, ` ${plural(g.body.objects?.length ?? 0, "object")} · ${formatDate(g.created_at)} `));
    const remove = h("button", { type: "button", class: "btn btn-quiet small", "aria-label": `Remove ${name} from gold`,
      onclick: async () => {
        remove.disabled = true;
        try {
          await qualityApi.removeGold(projectId, g.item_id);
          row.remove();
          status.textContent = `${name} is no longer gold`;
          if (!list.children.length) list.replaceWith(empty());
        } catch (err) {
          status.textContent = messageOf(err);
          remove.disabled = false;
        }
      } }, "Remove");
    row.append(remove);
    list.append(row);
  }
  return h("div", null, list, status);
}
