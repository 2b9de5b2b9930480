// Autosave: runs the save state machine (autosave.js) against the API. Saves shortly after
// each change with If-Match of the revision the edits started from, retries with back-off when
// the network fails, and stops at a conflict until the user chooses.

import { ApiError } from "../errors.js";
import { hasUnsaved, initialSaveState, nextSaveState, retryDelay, wantsSave } from "./autosave.js";

/** How long after the last change a save starts. */
export const SAVE_DELAY_MS = 700;

/** Keeps one item's annotation saved. */
export class Saver {
  /**
   * @param {import("./store.js").EditorStore} store
   * @param {number} revision  the revision loaded
   * @param {(body: import("./store.js").AnnotationDoc, revision: number) => Promise<{revision: number}>} save
   * @param {(state: import("./autosave.js").SaveState) => void} onState
   */
  constructor(store, revision, save, onState) {
    this.store = store;
    this.save = save;
    this.onState = onState;
    this.state = initialSaveState(revision, store.version);
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.timer = undefined;
    /** @type {Promise<void> | null} */
    this.inFlight = null;
    this.disposed = false;
    this.unsubscribe = store.subscribe((e) => {
      if (e.type !== "doc") return;
      this.dispatch({ type: "edit", version: store.version });
      this.schedule(SAVE_DELAY_MS);
    });
  }

  /** @param {import("./autosave.js").SaveEvent} e */
  dispatch(e) {
    this.state = nextSaveState(this.state, e);
    if (!this.disposed) this.onState(this.state);
  }

  /** @param {number} ms */
  schedule(ms) {
    clearTimeout(this.timer);
    if (!this.disposed) this.timer = setTimeout(() => this.run(), ms);
  }

  /** Save now if there is something to save and nothing in flight. */
  run() {
    if (this.inFlight || !wantsSave(this.state) || this.disposed) return this.inFlight ?? Promise.resolve();
    this.dispatch({ type: "start" });
    this.inFlight = this.attempt().finally(() => {
      this.inFlight = null;
      if (wantsSave(this.state) && this.state.status === "dirty") this.schedule(SAVE_DELAY_MS);
    });
    return this.inFlight;
  }

  async attempt() {
    try {
      const head = await this.save(this.store.toDocument(), this.state.baseRevision);
      this.dispatch({ type: "saved", revision: head.revision });
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      if (err.status === 412) {
        const current = /** @type {any} */ (err.details).current ?? {};
        this.dispatch({ type: "conflict", revision: current.revision ?? 0, body: current.body ?? { objects: [], tags: {}, relations: [] } });
      } else if (err.status === 0 || err.status >= 500) {
        this.dispatch({ type: "network" });
        this.schedule(retryDelay(this.state.attempt));
      } else {
        this.dispatch({ type: "invalid", message: err.message });
      }
    }
  }

  /**
   * Save what is unsaved and wait; true when everything is saved afterwards.
   * @returns {Promise<boolean>}
   */
  async flush() {
    clearTimeout(this.timer);
    if (this.inFlight) await this.inFlight;
    if (wantsSave(this.state)) await this.run();
    return !hasUnsaved(this.state);
  }

  /** Resolve a conflict by taking the saved version; local edits are dropped. */
  keepTheirs() {
    const c = this.state.conflict;
    if (!c) return;
    this.store.load(c.body);
    this.dispatch({ type: "keepTheirs", revision: c.revision, version: this.store.version });
  }

  /** Resolve a conflict by saving the local version over the saved one. */
  keepMine() {
    this.dispatch({ type: "keepMine" });
    return this.run();
  }

  /** @returns {boolean} */
  unsaved() {
    return hasUnsaved(this.state);
  }

  dispose() {
    this.disposed = true;
    clearTimeout(this.timer);
    this.unsubscribe();
  }
}
