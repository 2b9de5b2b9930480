// A uniform grid over the image: which objects may lie in a rectangle, without looking at all
// of them. Pure: no DOM access.

/** @typedef {import("./geometry.js").Bounds} Bounds */

/** A grid of square cells, each listing the ids whose bounds touch it. */
export class GridIndex {
  /**
   * @param {number} cellSize  image pixels per cell side
   */
  constructor(cellSize = 128) {
    this.cellSize = cellSize;
    /** @type {Map<string, Set<string>>} cell key → ids */
    this.cells = new Map();
    /** @type {Map<string, Bounds>} */
    this.bounds = new Map();
  }

  /** @returns {number} how many ids are indexed */
  get size() {
    return this.bounds.size;
  }

  /**
   * Index (or re-index) an id under its bounds; null bounds removes it.
   * @param {string} id
   * @param {Bounds | null} b
   */
  set(id, b) {
    this.delete(id);
    if (!b) return;
    this.bounds.set(id, b);
    this.forRange(b, (key) => {
      let cell = this.cells.get(key);
      if (!cell) this.cells.set(key, (cell = new Set()));
      cell.add(id);
    });
  }

  /** @param {string} id */
  delete(id) {
    const b = this.bounds.get(id);
    if (!b) return;
    this.bounds.delete(id);
    this.forRange(b, (key) => {
      const cell = this.cells.get(key);
      cell?.delete(id);
      if (cell && cell.size === 0) this.cells.delete(key);
    });
  }

  clear() {
    this.cells.clear();
    this.bounds.clear();
  }

  /**
   * The ids whose bounds overlap a rectangle.
   * @param {Bounds} r
   * @returns {Set<string>}
   */
  search(r) {
    /** @type {Set<string>} */
    const out = new Set();
    this.forCells(r, (key) => {
      const cell = this.cells.get(key);
      if (!cell) return;
      for (const id of cell) {
        if (out.has(id)) continue;
        const b = /** @type {Bounds} */ (this.bounds.get(id));
        if (b.minX <= r.maxX && b.maxX >= r.minX && b.minY <= r.maxY && b.maxY >= r.minY) out.add(id);
      }
    });
    return out;
  }

  /**
   * The cell columns and rows a rectangle touches.
   * @param {Bounds} b
   * @returns {{x0: number, x1: number, y0: number, y1: number}}
   */
  range(b) {
    const s = this.cellSize;
    return { x0: Math.floor(b.minX / s), x1: Math.floor(b.maxX / s), y0: Math.floor(b.minY / s), y1: Math.floor(b.maxY / s) };
  }

  /**
   * Call fn with the key of every cell in a rectangle's range.
   * @param {Bounds} b
   * @param {(key: string) => void} fn
   */
  forRange(b, fn) {
    const { x0, x1, y0, y1 } = this.range(b);
    for (let cy = y0; cy <= y1; cy++) for (let cx = x0; cx <= x1; cx++) fn(`${cx},${cy}`);
  }

  /**
   * Call fn with the key of every non-empty cell a rectangle touches.
   * @param {Bounds} b
   * @param {(key: string) => void} fn
   */
  forCells(b, fn) {
    const { x0, x1, y0, y1 } = this.range(b);
    // Zoomed far out, a rectangle may span far more cells than hold anything: walk those instead.
    if ((x1 - x0 + 1) * (y1 - y0 + 1) <= this.cells.size) {
      this.forRange(b, fn);
      return;
    }
    for (const key of this.cells.keys()) {
      const comma = key.indexOf(",");
      const cx = Number(key.slice(0, comma)), cy = Number(key.slice(comma + 1));
      if (cx >= x0 && cx <= x1 && cy >= y0 && cy <= y1) fn(key);
    }
  }
}
