// Live project activity: the Server-Sent Events subscription the pages share, and a panel of
// recent events with who is working on what right now.

import { request } from "../api.js";
import { h, replace } from "../dom.js";
import { messageOf } from "../errors.js";
import { stateLabel } from "../format.js";

/**
 * @typedef {object} ActivityEvent
 * @property {number} id
 * @property {string} kind
 * @property {number} project_id
 * @property {number | null} item_id
 * @property {string | null} item_state   the item's state when the event was read
 * @property {number | null} actor_id
 * @property {string | null} actor
 * @property {Record<string, any>} payload
 * @property {string} created_at
 */

/** @typedef {{item_id: number, kind: string, user_id: number, username: string}} Presence */

/** The event names the stream sends (besides `presence`). */
export const EVENT_KINDS = Object.freeze([
  "item.submitted", "item.accepted", "item.rejected", "comment.added",
  "batch.completed", "delivery.ready", "job.finished",
]);

/**
 * @typedef {object} ActivityHandlers
 * @property {(event: ActivityEvent) => void} [onEvent]
 * @property {(present: Presence[]) => void} [onPresence]
 */

/**
 * Follow a project's activity until `close()`; the browser reconnects by itself and resumes
 * after the last event it got (the server reads `Last-Event-ID`).
 * @param {number} projectId
 * @param {ActivityHandlers} handlers
 * @returns {{close: () => void}}
 */
export function subscribeActivity(projectId, handlers) {
  if (typeof EventSource === "undefined") return { close() {} };
  const source = new EventSource(`/api/projects/${projectId}/activity/stream`);
  /** @param {MessageEvent} message */
  const onEvent = (message) => handlers.onEvent?.(JSON.parse(message.data));
  for (const kind of EVENT_KINDS) source.addEventListener(kind, onEvent);
  source.addEventListener("presence", (message) => handlers.onPresence?.(JSON.parse(message.data)));
  return { close: () => source.close() };
}

/**
 * One event in words: "annotator submitted p0.png".
 * @param {ActivityEvent} e
 * @returns {string}
 */
export function describeEvent(e) {
  const who = e.actor ?? "Someone";
  const what = e.payload.file_name ?? (e.item_id !== null ? `item ${e.item_id}` : "");
  switch (e.kind) {
    case "item.submitted": return `${who} submitted ${what}`;
    case "item.accepted": return e.actor ? `${who} accepted ${what}` : `${what} was accepted`;
    case "item.rejected": return `${who} rejected ${what}`;
    case "comment.added": return `${who} commented on ${what}: ${e.payload.body ?? ""}`;
    case "batch.completed": return `Batch “${e.payload.name}” is complete (${e.payload.items} items)`;
    case "delivery.ready": return `Delivery version ${e.payload.version} is ready (${e.payload.items} items)`;
    case "job.finished": return `The ${e.payload.kind} job ${e.payload.state === "done" ? "finished" : e.payload.state}`;
    default: return e.kind;
  }
}

const FEED_SIZE = 30;

/**
 * The project's recent events and presence, kept up to date while it is shown.
 * @param {number} projectId
 * @param {{onEvent?: (event: ActivityEvent) => void}} [options]  also told each live event
 * @returns {{el: HTMLElement, stop: () => void}}
 */
export function activityFeed(projectId, options = {}) {
  /** @type {ActivityEvent[]} */
  let events = [];
  const list = h("ol", { class: "plain-list activity-list", "aria-live": "polite" });
  const working = h("div", { class: "presence" });
  const status = h("p", { class: "muted small", role: "status" }, "Loading activity…");

  function renderEvents() {
    status.textContent = events.length ? "" : "Nothing has happened yet.";
    replace(list, [...events].reverse().map((e) => h("li", { class: "activity-entry", dataset: { kind: e.kind } },
      h("span", null, describeEvent(e)),
      e.item_state && h("span", { class: `badge state-badge state-${e.item_state}` }, stateLabel(e.item_state)),
      h("span", { class: "muted small" }, ` ${new Date(e.created_at).toLocaleTimeString()}`))));
  }

  /** @param {Presence[]} present */
  function renderPresence(present) {
    replace(working, present.length
      ? h("p", { class: "small" }, "Working now: ", present.flatMap((p, i) => [i ? ", " : "",
        h("strong", null, p.username), ` (${p.kind === "review" ? "reviewing" : "labeling"} item ${p.item_id})`]))
      : h("p", { class: "muted small" }, "Nobody is working on an item right now."));
  }

  /** @param {ActivityEvent} e */
  function add(e) {
    if (events.some((known) => known.id === e.id)) return;
    events = [...events, e].slice(-FEED_SIZE);
    renderEvents();
  }

  const live = subscribeActivity(projectId, {
    onEvent: (e) => { add(e); options.onEvent?.(e); },
    onPresence: renderPresence,
  });
  request("GET", `/api/projects/${projectId}/activity`, { query: { limit: FEED_SIZE } })
    .then((/** @type {{events: ActivityEvent[], presence: Presence[]}} */ body) => {
      for (const e of body.events) add(e);
      renderEvents();
      renderPresence(body.presence);
    })
    .catch((err) => { status.textContent = `Activity did not load: ${messageOf(err)}`; });

  const el = h("section", { class: "panel activity-feed", "aria-labelledby": `activity-${projectId}` },
    h("h2", { id: `activity-${projectId}` }, "Live activity"), working, status, list);
  return { el, stop: live.close };
}
