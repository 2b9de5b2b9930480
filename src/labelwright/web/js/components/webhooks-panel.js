// Webhooks (managers): register URLs for events, pause or remove them, read their delivery log.

import { request } from "../api.js";
import { errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { EVENT_KINDS } from "./live-activity.js";

/**
 * @typedef {object} Webhook
 * @property {number} id
 * @property {string} url
 * @property {string[]} events
 * @property {boolean} active
 * @property {string} [secret]   only in the answer that made it
 */

/**
 * @typedef {object} LogEntry
 * @property {number} id
 * @property {string} event
 * @property {string} state
 * @property {number} attempts
 * @property {number | null} last_status
 * @property {string} last_error
 * @property {string} created_at
 */

/**
 * @param {LogEntry} entry
 * @returns {HTMLElement}
 */
function logRow(entry) {
  const outcome = entry.state === "delivered"
    ? `delivered (HTTP ${entry.last_status})`
    : `${entry.state}${entry.last_error ? `: ${entry.last_error}` : ""}`;
  return h("li", { class: "small" },
    h("code", null, entry.event), ` · ${outcome} · ${entry.attempts} attempt${entry.attempts === 1 ? "" : "s"} · `,
    h("span", { class: "muted" }, new Date(entry.created_at).toLocaleString()));
}

/**
 * @param {number} projectId
 * @returns {{el: HTMLElement}}
 */
export function webhooksPanel(projectId) {
  const base = `/api/projects/${projectId}/webhooks`;
  const list = h("div", null, spinner("Loading webhooks…"));
  const id = (/** @type {string} */ name) => `hook-${name}-${projectId}`;
  const url = h("input", { id: id("url"), type: "url", placeholder: "https://example.com/labelwright", autocomplete: "off" });
  const boxes = EVENT_KINDS.map((kind) => h("input", { type: "checkbox", value: kind, id: id(kind.replace(".", "-")) }));
  const status = h("p", { class: "upload-status", role: "status" });

  async function reload() {
    try {
      /** @type {Webhook[]} */
      const hooks = await request("GET", base);
      replace(list, hooks.length
        ? h("ul", { class: "plain-list webhook-list" }, hooks.map(hookRow))
        : h("p", { class: "muted small" }, "No webhooks yet."));
    } catch (err) {
      replace(list, errorBox(messageOf(err), reload));
    }
  }

  /**
   * @param {Webhook} hook
   * @returns {HTMLElement}
   */
  function hookRow(hook) {
    const log = h("ol", { class: "plain-list", hidden: true });
    async function showLog() {
      log.hidden = !log.hidden;
      if (log.hidden) return;
      try {
        /** @type {LogEntry[]} */
        const entries = await request("GET", `${base}/${hook.id}/deliveries`, { query: { limit: 20 } });
        replace(log, entries.length ? entries.map(logRow) : h("li", { class: "muted small" }, "Nothing sent yet."));
      } catch (err) {
        replace(log, h("li", { class: "form-error" }, messageOf(err)));
      }
    }
    /** @param {string} method @param {unknown} [body] */
    async function change(method, body) {
      try {
        await request(method, `${base}/${hook.id}`, { body });
        await reload();
      } catch (err) {
        status.textContent = messageOf(err);
      }
    }
    return h("li", { class: "webhook-row" },
      h("div", { class: "panel-head" }, h("code", null, hook.url), " ",
        h("span", { class: "badge badge-muted" }, hook.active ? "active" : "paused")),
      h("p", { class: "muted small" }, hook.events.join(", ")),
      h("div", { class: "btn-group" },
        h("button", { type: "button", class: "btn btn-quiet small", onclick: showLog }, "Delivery log"),
        h("button", { type: "button", class: "btn btn-quiet small", onclick: () => change("PATCH", { active: !hook.active }) },
          hook.active ? "Pause" : "Resume"),
        h("button", { type: "button", class: "btn btn-quiet small", onclick: () => change("DELETE") }, "Remove")),
      log);
  }

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    const events = boxes.filter((b) => b.checked).map((b) => b.value);
    try {
      /** @type {Webhook} */
      const made = await request("POST", base, { body: { url: url.value.trim(), events } });
      url.value = "";
      for (const b of boxes) b.checked = false;
      replace(status, "Registered. Its signing secret (shown only now): ", h("code", { class: "webhook-secret" }, made.secret ?? ""));
      await reload();
    } catch (err) {
      status.textContent = `Not registered: ${messageOf(err)}`;
    }
  }

  reload();
  const el = h("section", { class: "panel webhooks-panel", "aria-labelledby": id("title") },
    h("h2", { id: id("title") }, "Webhooks"), list,
    h("form", { class: "form-card", onsubmit: submit, novalidate: true },
      h("h3", null, "Add a webhook"),
      h("div", { class: "field" }, h("label", { for: url.id }, "URL"), url),
      h("fieldset", { class: "check-row" }, h("legend", null, "Events"),
        boxes.map((b) => h("span", { class: "check" }, b, h("label", { for: b.id }, b.value)))),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "btn btn-primary" }, "Add webhook")),
      status));
  return { el };
}
