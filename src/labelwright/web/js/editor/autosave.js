// The save state of one item as a state machine: what to show and what to do next after each
// edit, save, conflict or network failure. Pure: no DOM, no timers, no network; saver.js runs it.

/**
 * @typedef {"saved" | "dirty" | "saving" | "conflict" | "offline" | "invalid"} SaveStatus
 *
 * @typedef {object} SaveState
 * @property {SaveStatus} status
 * @property {number} baseRevision   the server revision the local edits started from (If-Match)
 * @property {number} localVersion   the store's version of the newest local edit
 * @property {number} savedVersion   the store's version the server has
 * @property {number} savingVersion  the store's version a save in flight carries
 * @property {number} attempt        failed tries in a row (for the back-off)
 * @property {{revision: number, body: import("./store.js").AnnotationDoc} | null} conflict
 * @property {string} message        why the last save was refused (status "invalid")
 */

/**
 * @typedef {{type: "edit", version: number}
 *   | {type: "start"}
 *   | {type: "saved", revision: number}
 *   | {type: "conflict", revision: number, body: import("./store.js").AnnotationDoc}
 *   | {type: "network"}
 *   | {type: "invalid", message: string}
 *   | {type: "keepTheirs", revision: number, version: number}
 *   | {type: "keepMine"}} SaveEvent
 */

/**
 * The state of an item just loaded from the server.
 * @param {number} revision
 * @param {number} version  the store's version after loading
 * @returns {SaveState}
 */
export function initialSaveState(revision, version) {
  return {
    status: "saved", baseRevision: revision, localVersion: version, savedVersion: version,
    savingVersion: version, attempt: 0, conflict: null, message: "",
  };
}

/**
 * The state after an event.
 * @param {SaveState} s
 * @param {SaveEvent} e
 * @returns {SaveState}
 */
export function nextSaveState(s, e) {
  switch (e.type) {
    case "edit": {
      const localVersion = e.version;
      // A conflict stays until the user chooses; the edit is kept either way.
      const status = s.status === "conflict" || s.status === "saving" || s.status === "offline" ? s.status : "dirty";
      return { ...s, localVersion, status };
    }
    case "start":
      return { ...s, status: "saving", savingVersion: s.localVersion };
    case "saved": {
      const savedVersion = s.savingVersion;
      const status = savedVersion === s.localVersion ? "saved" : "dirty";
      return { ...s, status, baseRevision: e.revision, savedVersion, attempt: 0, message: "" };
    }
    case "conflict":
      return { ...s, status: "conflict", conflict: { revision: e.revision, body: e.body }, attempt: 0 };
    case "network":
      return { ...s, status: "offline", attempt: s.attempt + 1 };
    case "invalid":
      return { ...s, status: "invalid", message: e.message, attempt: 0 };
    case "keepTheirs":
      return initialSaveState(e.revision, e.version);
    case "keepMine":
      // Save the local document over theirs: it now starts from their revision.
      if (!s.conflict) return s;
      return { ...s, status: "dirty", baseRevision: s.conflict.revision, conflict: null, savedVersion: -1 };
  }
  return s;
}

/**
 * Whether a save should start now (nothing in flight, something unsaved, no open question).
 * @param {SaveState} s
 * @returns {boolean}
 */
export function wantsSave(s) {
  return (s.status === "dirty" || s.status === "offline") && s.localVersion !== s.savedVersion;
}

/**
 * Whether leaving now would lose work.
 * @param {SaveState} s
 * @returns {boolean}
 */
export function hasUnsaved(s) {
  return s.localVersion !== s.savedVersion || s.status === "conflict" || s.status === "saving";
}

/**
 * How long to wait before retry number `attempt` after a network failure: 1 s doubling to 30 s,
 * with up to a fifth of random spread so many clients do not retry in step.
 * @param {number} attempt  1 for the first retry
 * @param {number} [random]  a number in [0, 1)
 * @returns {number} milliseconds
 */
export function retryDelay(attempt, random = Math.random()) {
  const base = Math.min(30_000, 1000 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 + 0.2 * random));
}

/**
 * A short line for the status area.
 * @param {SaveState} s
 * @returns {string}
 */
export function statusText(s) {
  switch (s.status) {
    case "saved": return "All changes saved";
    case "dirty": return "Unsaved changes";
    case "saving": return "Saving…";
    case "conflict": return "Someone else saved this item";
    case "offline": return "Offline: changes kept, retrying";
    case "invalid": return `Not saved: ${s.message}`;
  }
  return "";
}
