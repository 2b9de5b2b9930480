// Which object is under a point: the spatial index narrows the candidates, the geometry decides,
// the topmost wins. Pure: no DOM access.

import { hitShape } from "./geometry.js";

/**
 * @typedef {object} HitSource
 * @property {import("./spatial-index.js").GridIndex} index
 * @property {(id: string) => import("./store.js").AnnotationObject | undefined} get
 * @property {(id: string) => number} z                         drawing order, higher on top
 * @property {(id: string) => boolean} [skip]                    hidden, locked or other frames
 * @property {(obj: import("./store.js").AnnotationObject, x: number, y: number) => boolean} [maskHit]
 */

/**
 * The id of the topmost object under (x, y) within `tol` image pixels, or null.
 * Smaller areas win over larger ones they lie inside, so a box inside a box stays clickable.
 * @param {HitSource} src
 * @param {number} x
 * @param {number} y
 * @param {number} tol
 * @returns {string | null}
 */
export function objectAt(src, x, y, tol) {
  const near = src.index.search({ minX: x - tol, minY: y - tol, maxX: x + tol, maxY: y + tol });
  /** @type {{id: string, z: number, area: number}[]} */
  const hits = [];
  for (const id of near) {
    if (src.skip?.(id)) continue;
    const obj = src.get(id);
    if (!obj) continue;
    const hit = obj.shape.kind === "mask" ? src.maskHit?.(obj, x, y) ?? false : hitShape(obj.shape, x, y, tol);
    if (!hit) continue;
    const b = /** @type {import("./geometry.js").Bounds} */ (src.index.bounds.get(id));
    hits.push({ id, z: src.z(id), area: (b.maxX - b.minX) * (b.maxY - b.minY) });
  }
  if (!hits.length) return null;
  const top = hits.reduce((a, b) => (b.z > a.z ? b : a));
  const smallest = hits.reduce((a, b) => (b.area < a.area ? b : a));
  return smallest.area < top.area * 0.5 ? smallest.id : top.id;
}

/**
 * The ids of the objects lying wholly inside a rectangle (a rubber band), bottom to top. The
 * index gives the objects that meet it; only their bounds are compared, never every object's.
 * @param {Pick<HitSource, "index" | "z" | "skip">} src
 * @param {import("./geometry.js").Bounds} r
 * @returns {string[]}
 */
export function objectsInRect(src, r) {
  const inside = [];
  for (const id of src.index.search(r)) {
    const b = /** @type {import("./geometry.js").Bounds} */ (src.index.bounds.get(id));
    if (b.minX >= r.minX && b.maxX <= r.maxX && b.minY >= r.minY && b.maxY <= r.maxY && !src.skip?.(id)) inside.push(id);
  }
  return inside.sort((a, b) => src.z(a) - src.z(b));
}
