// Shape geometry for the editor: bounds, hit-testing, moving, and thinning points. Pure: no DOM.
//
// Shapes are the API's JSON (domain/shapes.py): coordinates are image pixels, angles degrees
// clockwise on screen.

/** @typedef {[number, number]} Pt */
/** @typedef {{minX: number, minY: number, maxX: number, maxY: number}} Bounds */
/**
 * @typedef {{kind: "bbox", x: number, y: number, w: number, h: number}
 *   | {kind: "rotated_box", cx: number, cy: number, w: number, h: number, angle: number}
 *   | {kind: "polygon", rings: Pt[][]}
 *   | {kind: "polyline", points: Pt[]}
 *   | {kind: "points", points: Pt[]}
 *   | {kind: "keypoints", points: [number, number, number][]}
 *   | {kind: "ellipse", cx: number, cy: number, rx: number, ry: number, angle: number}
 *   | {kind: "mask", rle: {size: [number, number], counts: string}, instance: boolean}
 *   | {kind: "tag"}} Shape
 */

/**
 * The smallest box around a list of points, or null for none.
 * @param {Iterable<ArrayLike<number>>} points
 * @returns {Bounds | null}
 */
export function pointsBounds(points) {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const p of points) {
    if (p[0] < minX) minX = p[0];
    if (p[0] > maxX) maxX = p[0];
    if (p[1] < minY) minY = p[1];
    if (p[1] > maxY) maxY = p[1];
  }
  return minX === Infinity ? null : { minX, minY, maxX, maxY };
}

/**
 * The four corners of a rotated box, clockwise from its top-left before turning.
 * @param {{cx: number, cy: number, w: number, h: number, angle: number}} b
 * @returns {Pt[]}
 */
export function rotatedCorners(b) {
  const a = (b.angle * Math.PI) / 180;
  const cos = Math.cos(a), sin = Math.sin(a);
  /** @type {Pt[]} */
  const local = [[-b.w / 2, -b.h / 2], [b.w / 2, -b.h / 2], [b.w / 2, b.h / 2], [-b.w / 2, b.h / 2]];
  return local.map(([x, y]) => [b.cx + x * cos - y * sin, b.cy + x * sin + y * cos]);
}

/**
 * The ends of an ellipse's axes, clockwise from the end of its x radius (to the right before
 * turning): even handles set `rx`, odd ones `ry`.
 * @param {{cx: number, cy: number, rx: number, ry: number, angle: number}} e
 * @returns {Pt[]}
 */
export function ellipseAxisEnds(e) {
  const a = (e.angle * Math.PI) / 180;
  const cos = Math.cos(a), sin = Math.sin(a);
  return [
    [e.cx + e.rx * cos, e.cy + e.rx * sin],
    [e.cx - e.ry * sin, e.cy + e.ry * cos],
    [e.cx - e.rx * cos, e.cy - e.rx * sin],
    [e.cx + e.ry * sin, e.cy - e.ry * cos],
  ];
}

/**
 * The box around a shape, or null when it has no geometry (tags; masks carry their own).
 * @param {Shape} shape
 * @param {Bounds | null} [maskBounds]  bounds of a mask, computed from its RLE by the caller
 * @returns {Bounds | null}
 */
export function shapeBounds(shape, maskBounds = null) {
  switch (shape.kind) {
    case "bbox": return { minX: shape.x, minY: shape.y, maxX: shape.x + shape.w, maxY: shape.y + shape.h };
    case "rotated_box": return pointsBounds(rotatedCorners(shape));
    case "polygon": return pointsBounds(shape.rings.flat());
    case "polyline":
    case "points": return pointsBounds(shape.points);
    case "keypoints": return pointsBounds(shape.points.filter((p) => p[2] > 0));
    case "ellipse": {
      // The tight box (as domain/geometry.py has it), so a rubber band takes a thin turned ellipse.
      const a = (shape.angle * Math.PI) / 180, cos = Math.abs(Math.cos(a)), sin = Math.abs(Math.sin(a));
      const ex = Math.hypot(shape.rx * cos, shape.ry * sin), ey = Math.hypot(shape.rx * sin, shape.ry * cos);
      return { minX: shape.cx - ex, minY: shape.cy - ey, maxX: shape.cx + ex, maxY: shape.cy + ey };
    }
    case "mask": return maskBounds;
    default: return null;
  }
}

/**
 * Whether (x, y) is inside a set of rings by the even-odd rule (so holes are outside).
 * @param {number} x
 * @param {number} y
 * @param {Pt[][]} rings
 * @returns {boolean}
 */
export function insideRings(x, y, rings) {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/**
 * Distance from (x, y) to the segment a–b.
 * @param {number} x
 * @param {number} y
 * @param {ArrayLike<number>} a
 * @param {ArrayLike<number>} b
 * @returns {number}
 */
export function segmentDistance(x, y, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - a[0]) * dx + (y - a[1]) * dy) / len2));
  return Math.hypot(x - (a[0] + t * dx), y - (a[1] + t * dy));
}

/**
 * Whether (x, y) is inside an ellipse.
 * @param {number} x
 * @param {number} y
 * @param {{cx: number, cy: number, rx: number, ry: number, angle: number}} e
 * @returns {boolean}
 */
export function insideEllipse(x, y, e) {
  const a = (-e.angle * Math.PI) / 180;
  const px = x - e.cx, py = y - e.cy;
  const lx = px * Math.cos(a) - py * Math.sin(a);
  const ly = px * Math.sin(a) + py * Math.cos(a);
  if (e.rx <= 0 || e.ry <= 0) return false;
  return (lx * lx) / (e.rx * e.rx) + (ly * ly) / (e.ry * e.ry) <= 1;
}

/**
 * Whether a shape is under (x, y): inside an area, or within `tol` image pixels of a line or point.
 * Masks are tested by the caller, which holds their pixels.
 * @param {Shape} shape
 * @param {number} x
 * @param {number} y
 * @param {number} tol
 * @returns {boolean}
 */
export function hitShape(shape, x, y, tol) {
  switch (shape.kind) {
    case "bbox":
      return x >= shape.x - tol && x <= shape.x + shape.w + tol && y >= shape.y - tol && y <= shape.y + shape.h + tol;
    case "rotated_box": return insideRings(x, y, [rotatedCorners(shape)]) || nearRing(x, y, rotatedCorners(shape), tol, true);
    case "polygon": return insideRings(x, y, shape.rings) || shape.rings.some((r) => nearRing(x, y, r, tol, true));
    case "polyline": return nearRing(x, y, shape.points, tol, false);
    case "points":
    case "keypoints": return shape.points.some((p) => (p.length < 3 || (p[2] ?? 0) > 0) && Math.hypot(p[0] - x, p[1] - y) <= tol);
    case "ellipse": return insideEllipse(x, y, { ...shape, rx: shape.rx + tol, ry: shape.ry + tol });
    default: return false;
  }
}

/**
 * @param {number} x
 * @param {number} y
 * @param {ArrayLike<number>[]} pts
 * @param {number} tol
 * @param {boolean} closed
 * @returns {boolean}
 */
function nearRing(x, y, pts, tol, closed) {
  const n = pts.length;
  for (let i = 0; i < n - (closed ? 0 : 1); i++) {
    if (segmentDistance(x, y, pts[i], pts[(i + 1) % n]) <= tol) return true;
  }
  return n === 1 && Math.hypot(pts[0][0] - x, pts[0][1] - y) <= tol;
}

/**
 * The shape moved by (dx, dy). Masks move by the caller (their pixels shift).
 * @param {Shape} shape
 * @param {number} dx
 * @param {number} dy
 * @returns {Shape}
 */
export function translateShape(shape, dx, dy) {
  /** @param {Pt} p @returns {Pt} */
  const move = (p) => [p[0] + dx, p[1] + dy];
  switch (shape.kind) {
    case "bbox": return { ...shape, x: shape.x + dx, y: shape.y + dy };
    case "rotated_box":
    case "ellipse": return { ...shape, cx: shape.cx + dx, cy: shape.cy + dy };
    case "polygon": return { ...shape, rings: shape.rings.map((r) => r.map(move)) };
    case "polyline":
    case "points": return { ...shape, points: shape.points.map(move) };
    case "keypoints": return { ...shape, points: shape.points.map((p) => (p[2] > 0 ? [p[0] + dx, p[1] + dy, p[2]] : p)) };
    default: return shape;
  }
}

/**
 * A box from two corners in any order.
 * @param {number} x0
 * @param {number} y0
 * @param {number} x1
 * @param {number} y1
 * @returns {{kind: "bbox", x: number, y: number, w: number, h: number}}
 */
export function boxFromCorners(x0, y0, x1, y1) {
  return { kind: "bbox", x: Math.min(x0, x1), y: Math.min(y0, y1), w: Math.abs(x1 - x0), h: Math.abs(y1 - y0) };
}

/**
 * Keep a point inside the image (shapes may not leave it: the schema refuses or clips them).
 * @param {number} x
 * @param {number} y
 * @param {number} width
 * @param {number} height
 * @returns {Pt}
 */
export function clampToImage(x, y, width, height) {
  return [Math.max(0, Math.min(width, x)), Math.max(0, Math.min(height, y))];
}

/**
 * Points thinned so that consecutive kept ones are at least `minDist` apart (first and last kept).
 * Drawing 20 vertices that fall on two screen pixels is wasted work at low zoom.
 * @param {Pt[]} pts
 * @param {number} minDist
 * @returns {Pt[]}
 */
export function thinPoints(pts, minDist) {
  if (pts.length <= 3 || minDist <= 0) return pts;
  const out = [pts[0]];
  let [lx, ly] = pts[0];
  const d2 = minDist * minDist;
  for (let i = 1; i < pts.length - 1; i++) {
    const [x, y] = pts[i];
    if ((x - lx) * (x - lx) + (y - ly) * (y - ly) >= d2) {
      out.push(pts[i]);
      lx = x;
      ly = y;
    }
  }
  out.push(pts[pts.length - 1]);
  return out;
}

/**
 * The index of the vertex nearest (x, y) within `tol`, as [ring, index], or null.
 * @param {Pt[][]} rings
 * @param {number} x
 * @param {number} y
 * @param {number} tol
 * @returns {[number, number] | null}
 */
export function vertexAt(rings, x, y, tol) {
  /** @type {[number, number] | null} */
  let best = null;
  let bestD = tol;
  rings.forEach((ring, r) => ring.forEach((p, i) => {
    const d = Math.hypot(p[0] - x, p[1] - y);
    if (d <= bestD) {
      bestD = d;
      best = [r, i];
    }
  }));
  return best;
}

/**
 * The edge of a ring nearest (x, y) within `tol`, as [ring, index of its first vertex], or null.
 * @param {Pt[][]} rings
 * @param {number} x
 * @param {number} y
 * @param {number} tol
 * @param {boolean} closed  whether the last vertex joins the first
 * @returns {[number, number] | null}
 */
export function edgeAt(rings, x, y, tol, closed) {
  /** @type {[number, number] | null} */
  let best = null;
  let bestD = tol;
  rings.forEach((ring, r) => {
    const n = ring.length;
    for (let i = 0; i < n - (closed ? 0 : 1); i++) {
      const d = segmentDistance(x, y, ring[i], ring[(i + 1) % n]);
      if (d <= bestD) {
        bestD = d;
        best = [r, i];
      }
    }
  });
  return best;
}

/**
 * The editable vertex lists of a shape (rings of a polygon, the points of a line), or null.
 * @param {Shape} shape
 * @returns {Pt[][] | null}
 */
export function vertexLists(shape) {
  if (shape.kind === "polygon") return shape.rings;
  if (shape.kind === "polyline" || shape.kind === "points") return [shape.points];
  return null;
}

/**
 * The shape with its vertex lists replaced (the inverse of vertexLists).
 * @param {Shape} shape
 * @param {Pt[][]} lists
 * @returns {Shape}
 */
export function withVertexLists(shape, lists) {
  if (shape.kind === "polygon") return { ...shape, rings: lists };
  if (shape.kind === "polyline" || shape.kind === "points") return { ...shape, points: lists[0] };
  return shape;
}

/**
 * The fewest vertices a list may keep: 3 for a polygon ring, 2 for a line, 1 for points.
 * @param {Shape["kind"]} kind
 * @returns {number}
 */
export function minVertices(kind) {
  return kind === "polygon" ? 3 : kind === "polyline" ? 2 : 1;
}
