// Where review comments point (the whole item, a point, a region or one object): anchors made
// from a click or a drag, their extent on the image, which one lies under a point, and the
// order comments are listed in. Pure: no DOM access.

/**
 * @typedef {{kind: "item"}
 *   | {kind: "point", x: number, y: number, frame: number}
 *   | {kind: "region", x: number, y: number, w: number, h: number, frame: number}
 *   | {kind: "object", object_id: string}} Anchor
 */

/**
 * @typedef {object} Comment
 * @property {number} id
 * @property {number} item_id
 * @property {number} author_id
 * @property {string} body
 * @property {Anchor} anchor
 * @property {"open" | "resolved"} status
 * @property {number | null} resolved_by
 * @property {string | null} resolved_at
 * @property {string} created_at
 */

/** @typedef {import("./geometry.js").Bounds} Bounds */

/** A press and release closer than this many screen pixels is a click, not a drag. */
export const CLICK_PX = 4;

/** @param {number} v */
const round2 = (v) => Math.round(v * 100) / 100;

/**
 * The anchor a press at `a` and release at `b` (image pixels) make: a point for a click, else
 * the region between them.
 * @param {{x: number, y: number}} a
 * @param {{x: number, y: number}} b
 * @param {number} scale  screen pixels per image pixel
 * @param {number} frame
 * @returns {Anchor}
 */
export function anchorFromDrag(a, b, scale, frame) {
  const dx = Math.abs(b.x - a.x), dy = Math.abs(b.y - a.y);
  if (Math.max(dx, dy) * scale < CLICK_PX || Math.min(dx, dy) <= 0) return { kind: "point", x: round2(b.x), y: round2(b.y), frame };
  return { kind: "region", x: round2(Math.min(a.x, b.x)), y: round2(Math.min(a.y, b.y)), w: round2(dx), h: round2(dy), frame };
}

/**
 * The part of the image an anchor covers (a point is an empty box), or null when it covers
 * nothing drawable (the whole item, an object that is gone).
 * @param {Anchor} anchor
 * @param {(objectId: string) => Bounds | null | undefined} boundsOf
 * @returns {Bounds | null}
 */
export function anchorBounds(anchor, boundsOf) {
  switch (anchor.kind) {
    case "point": return { minX: anchor.x, minY: anchor.y, maxX: anchor.x, maxY: anchor.y };
    case "region": return { minX: anchor.x, minY: anchor.y, maxX: anchor.x + anchor.w, maxY: anchor.y + anchor.h };
    case "object": return boundsOf(anchor.object_id) ?? null;
    default: return null;
  }
}

/**
 * Whether an anchor shows on a frame (an object's anchor follows the object's frame).
 * @param {Anchor} anchor
 * @param {number} frame
 * @param {(objectId: string) => number | undefined} frameOf
 * @returns {boolean}
 */
export function anchorOnFrame(anchor, frame, frameOf) {
  if (anchor.kind === "point" || anchor.kind === "region") return (anchor.frame ?? 0) === frame;
  if (anchor.kind === "object") return frameOf(anchor.object_id) === frame;
  return false;
}

/**
 * The comment whose anchor lies under (x, y): pins within `tol` first (the nearest), then the
 * smallest region or object box holding the point. Null when none does.
 * @param {Comment[]} comments
 * @param {number} x
 * @param {number} y
 * @param {number} tol  image pixels
 * @param {(objectId: string) => Bounds | null | undefined} boundsOf
 * @returns {number | null}
 */
export function commentAt(comments, x, y, tol, boundsOf) {
  let best = null, bestPin = Infinity, bestArea = Infinity;
  for (const c of comments) {
    const b = anchorBounds(c.anchor, boundsOf);
    if (!b) continue;
    if (c.anchor.kind === "point") {
      const d = Math.hypot(x - b.minX, y - b.minY);
      if (d <= tol && d < bestPin) [best, bestPin] = [c.id, d];
      continue;
    }
    if (bestPin < Infinity) continue;
    const inside = x >= b.minX - tol && x <= b.maxX + tol && y >= b.minY - tol && y <= b.maxY + tol;
    const area = (b.maxX - b.minX) * (b.maxY - b.minY);
    if (inside && area < bestArea) [best, bestArea] = [c.id, area];
  }
  return best;
}

/**
 * Comments in listing order: open ones first, each group oldest first (as a conversation reads).
 * @param {Comment[]} comments
 * @returns {Comment[]}
 */
export function sortComments(comments) {
  return [...comments].sort((a, b) => (a.status === b.status ? a.id - b.id : a.status === "open" ? -1 : 1));
}

/**
 * An anchor in words, for the comment list.
 * @param {Anchor} anchor
 * @param {(objectId: string) => string | null} objectName  the object's class name, null when gone
 * @returns {string}
 */
export function describeAnchor(anchor, objectName) {
  const n = (/** @type {number} */ v) => String(Math.round(v));
  const frame = "frame" in anchor && anchor.frame ? `, frame ${anchor.frame + 1}` : "";
  switch (anchor.kind) {
    case "point": return `Point at ${n(anchor.x)}, ${n(anchor.y)}${frame}`;
    case "region": return `Region ${n(anchor.w)}×${n(anchor.h)} at ${n(anchor.x)}, ${n(anchor.y)}${frame}`;
    case "object": {
      const name = objectName(anchor.object_id);
      return name === null ? "An object that was deleted" : `Object: ${name}`;
    }
    default: return "The whole item";
  }
}
