// The signed-in person's inbox: comments that mention them and rejections of their work.

import { request } from "../api.js";
import { errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatDate } from "../format.js";

/**
 * @typedef {object} InboxEntry
 * @property {number} id
 * @property {"mention" | "rejection"} kind
 * @property {number} project_id
 * @property {string} project
 * @property {number | null} item_id
 * @property {string | null} file_name
 * @property {string | null} actor
 * @property {string} excerpt
 * @property {boolean} read
 * @property {string} created_at
 */

/** @typedef {{entries: InboxEntry[], unread: number, next_before: number | null}} InboxPage */

/**
 * @param {InboxEntry} e
 * @returns {string}
 */
function headline(e) {
  const who = e.actor ?? "Someone";
  const what = e.file_name ?? "an item";
  return e.kind === "rejection" ? `${who} rejected your work on ${what}` : `${who} mentioned you on ${what}`;
}

/**
 * @param {HTMLElement} root
 * @returns {import("../main.js").ViewHandle}
 */
export function mount(root) {
  document.title = "Inbox · Labelwright";
  let unreadOnly = false;
  const list = h("div", null, spinner("Loading your inbox…"));
  const count = h("p", { class: "muted", role: "status" });
  const toggle = h("button", { type: "button", class: "btn btn-quiet", onclick: () => { unreadOnly = !unreadOnly; load(); } });
  const markAll = h("button", { type: "button", class: "btn", onclick: () => mark(null) }, "Mark all read");

  /** @param {number[] | null} ids */
  async function mark(ids) {
    try {
      await request("POST", "/api/inbox/read", { body: { ids } });
      await load();
    } catch (err) {
      count.textContent = messageOf(err);
    }
  }

  /**
   * @param {InboxEntry} e
   * @returns {HTMLElement}
   */
  function entry(e) {
    const href = e.item_id === null ? `#/projects/${e.project_id}` : `#/projects/${e.project_id}/items/${e.item_id}`;
    return h("li", { class: `inbox-entry${e.read ? "" : " unread"}`, dataset: { kind: e.kind } },
      h("div", { class: "panel-head" },
        h("a", { href, onclick: () => { if (!e.read) mark([e.id]); } }, headline(e)),
        h("span", { class: "muted small" }, ` ${e.project} · ${formatDate(e.created_at)}`),
        !e.read && h("span", { class: "badge" }, "new")),
      e.excerpt && h("p", { class: "small" }, e.excerpt));
  }

  async function load() {
    toggle.textContent = unreadOnly ? "Show everything" : "Show unread only";
    try {
      /** @type {InboxPage} */
      const page = await request("GET", "/api/inbox", { query: { unread: unreadOnly, limit: 100 } });
      count.textContent = page.unread ? `${page.unread} unread` : "All read.";
      replace(list, page.entries.length
        ? h("ul", { class: "plain-list inbox-list" }, page.entries.map(entry))
        : h("p", { class: "muted" }, "Nothing here: mentions (@you) and rejections of your work arrive in this inbox."));
    } catch (err) {
      replace(list, errorBox(messageOf(err), load));
    }
  }

  root.append(h("div", { class: "page narrow" },
    h("h1", null, "Inbox"), count, h("div", { class: "btn-group" }, toggle, markAll), list));
  load();
  return {};
}
