// Active editing time: the seconds in which a person is at work on an item, told from their
// pointer and keyboard input. Each input counts the moment itself and up to IDLE_MS after it
// (looking at the image between clicks is work too); a longer pause counts no further. The
// editor sends what accrued with each lease heartbeat. Pure: times are given, not read.

/** How long after the last input a person still counts as working. */
export const IDLE_MS = 30_000;

/** Accrues active time from input moments and hands it out in portions. */
export class ActiveTime {
  /** @param {number} [idleMs] */
  constructor(idleMs = IDLE_MS) {
    this.idleMs = idleMs;
    /** Active time up to here has been added to `pendingMs`. */
    this.cursor = 0;
    /** The current stretch of activity lasts until here, unless more input extends it. */
    this.until = 0;
    this.pendingMs = 0;
  }

  /**
   * An input event at time t (milliseconds on any steady clock).
   * @param {number} t
   */
  touch(t) {
    if (t >= this.until) {
      // The previous stretch ended in idleness: keep what it held, start a new one here.
      this.pendingMs += Math.max(0, this.until - this.cursor);
      this.cursor = t;
    }
    this.until = Math.max(this.until, t + this.idleMs);
  }

  /**
   * The person left (tab hidden, page closed): the stretch ends at t, not IDLE_MS later.
   * @param {number} t
   */
  pause(t) {
    if (t < this.until) this.until = Math.max(this.cursor, t);
  }

  /**
   * Seconds of activity not handed out yet, up to t; later calls start from there.
   * @param {number} t
   * @returns {number}
   */
  take(t) {
    const end = Math.min(t, this.until);
    if (end > this.cursor) {
      this.pendingMs += end - this.cursor;
      this.cursor = end;
    }
    const seconds = this.pendingMs / 1000;
    this.pendingMs = 0;
    return seconds;
  }

  /**
   * Put back seconds that were taken but never delivered (a heartbeat that failed).
   * @param {number} seconds
   */
  restore(seconds) {
    if (Number.isFinite(seconds) && seconds > 0) this.pendingMs += seconds * 1000;
  }
}
