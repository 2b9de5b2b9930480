// The view: draws the image on one canvas and the objects on another above it. Only objects
// whose bounds meet the visible part of the image are drawn (the spatial index finds them), paths
// are batched per colour, and tiny objects at low zoom are drawn as dots, so the cost follows
// what is on screen rather than how many objects the item holds.

import { ellipseAxisEnds, rotatedCorners, thinPoints } from "./geometry.js";
import { maskBounds, maskTile } from "./masks.js";

/** @typedef {import("./store.js").AnnotationObject} AnnotationObject */
/** @typedef {import("../viewport.js").Transform} Transform */

/**
 * What one frame of the overlay shows.
 * @typedef {object} Scene
 * @property {import("./store.js").EditorStore} store
 * @property {import("./spatial-index.js").GridIndex} index
 * @property {(classId: string) => string} colorOf
 * @property {(classId: string) => [number, number][]} edgesOf   skeleton edges of a class
 * @property {(id: string) => boolean} shown                       not hidden, on this frame
 * @property {{ring: number, index: number} | null} vertex         the selected vertex
 * @property {AnnotationObject[]} predictions                       drawn dashed, with scores
 * @property {string | null} hoverPrediction
 * @property {(ctx: CanvasRenderingContext2D, scale: number) => void} drawDraft
 */

const DOT_PX = 3;
/** Past this many objects on screen, outlines are drawn one pixel wide. */
const CROWDED = 1000;

/** Draws the image and the overlay for a transform. */
export class Renderer {
  /**
   * @param {HTMLCanvasElement} imageCanvas
   * @param {HTMLCanvasElement} overlayCanvas
   */
  constructor(imageCanvas, overlayCanvas) {
    this.imageCanvas = imageCanvas;
    this.overlay = overlayCanvas;
    this.imageCtx = /** @type {CanvasRenderingContext2D} */ (imageCanvas.getContext("2d"));
    this.ctx = /** @type {CanvasRenderingContext2D} */ (overlayCanvas.getContext("2d"));
    /** @type {CanvasImageSource | null} */
    this.image = null;
    this.width = 0;
    this.height = 0;
    this.dpr = 1;
    /** How many objects the last full frame drew. */
    this.lastDrawn = 0;
    /** @type {Transform | null} the transform of the last full overlay */
    this.drawnAt = null;
    /** @type {{canvas: HTMLCanvasElement, t: Transform} | null} */
    this.snapshot = null;
  }

  /** Keep a copy of the overlay as last drawn in full, to move while the view moves. */
  takeSnapshot() {
    if (!this.drawnAt) return;
    const copy = this.snapshot?.canvas ?? document.createElement("canvas");
    copy.width = this.overlay.width;
    copy.height = this.overlay.height;
    /** @type {CanvasRenderingContext2D} */ (copy.getContext("2d")).drawImage(this.overlay, 0, 0);
    this.snapshot = { canvas: copy, t: this.drawnAt };
  }

  /**
   * Show the snapshot as it would sit under transform t; false when there is none.
   * @param {Transform} t
   * @returns {boolean}
   */
  drawSnapshot(t) {
    if (!this.snapshot) return false;
    const { canvas, t: at } = this.snapshot;
    const k = t.scale / at.scale;
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    ctx.setTransform(k, 0, 0, k, (t.x - at.x * k) * this.dpr, (t.y - at.y * k) * this.dpr);
    ctx.drawImage(canvas, 0, 0);
    return true;
  }

  /**
   * @param {number} cssW
   * @param {number} cssH
   * @param {number} dpr
   */
  resize(cssW, cssH, dpr) {
    this.dpr = dpr;
    for (const c of [this.imageCanvas, this.overlay]) {
      c.width = Math.max(1, Math.round(cssW * dpr));
      c.height = Math.max(1, Math.round(cssH * dpr));
    }
  }

  /**
   * @param {Transform} t
   */
  drawImage(t) {
    const ctx = this.imageCtx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.imageCanvas.width, this.imageCanvas.height);
    if (!this.image) return;
    // Past 100 % every image pixel is a crisp square, so people can label at pixel precision.
    ctx.imageSmoothingEnabled = t.scale < 1;
    ctx.setTransform(t.scale * this.dpr, 0, 0, t.scale * this.dpr, t.x * this.dpr, t.y * this.dpr);
    ctx.drawImage(this.image, 0, 0, this.width, this.height);
  }

  /**
   * The part of the image inside the view, in image pixels.
   * @param {Transform} t
   * @returns {import("./geometry.js").Bounds}
   */
  visibleRect(t) {
    const w = this.overlay.width / this.dpr, h = this.overlay.height / this.dpr;
    return { minX: -t.x / t.scale, minY: -t.y / t.scale, maxX: (w - t.x) / t.scale, maxY: (h - t.y) / t.scale };
  }

  /**
   * @param {Transform} t
   * @param {Scene} scene
   */
  drawOverlay(t, scene) {
    const ctx = this.ctx;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, this.overlay.width, this.overlay.height);
    ctx.setTransform(t.scale * this.dpr, 0, 0, t.scale * this.dpr, t.x * this.dpr, t.y * this.dpr);
    const ids = drawingOrder(scene, scene.index.search(this.visibleRect(t)));
    this.lastDrawn = ids.length;
    this.drawBatched(ids, t.scale, scene);
    for (const p of scene.predictions) this.drawPrediction(p, t.scale, scene, p.id === scene.hoverPrediction);
    this.drawSelected(ids, t.scale, scene);
    scene.drawDraft(ctx, t.scale);
    this.drawnAt = t;
    this.snapshot = null;
  }

  /**
   * Objects grouped by colour (one style change per colour), each filled and stroked as its own
   * path: one huge path of thousands of outlines is far slower to fill than many small ones.
   * @param {string[]} ids
   * @param {number} scale
   * @param {Scene} scene
   */
  drawBatched(ids, scale, scene) {
    const ctx = this.ctx;
    /** @type {Map<string, AnnotationObject[]>} */
    const byColor = new Map();
    /** @type {Map<string, Path2D>} */
    const dotsByColor = new Map();
    const minDist = scale < 1 ? 1.5 / scale : 0;
    for (const id of ids) {
      const obj = /** @type {AnnotationObject} */ (scene.store.objects.get(id));
      const color = scene.colorOf(obj.class_id);
      if (obj.shape.kind === "mask") {
        const tile = maskTile(obj.shape, color);
        if (tile) ctx.drawImage(tile.canvas, tile.bounds.minX, tile.bounds.minY);
        continue;
      }
      const b = /** @type {import("./geometry.js").Bounds} */ (scene.index.bounds.get(id));
      if ((b.maxX - b.minX) * scale < DOT_PX && (b.maxY - b.minY) * scale < DOT_PX) {
        let dots = dotsByColor.get(color);
        if (!dots) dotsByColor.set(color, (dots = new Path2D()));
        dots.rect(b.minX, b.minY, Math.max(b.maxX - b.minX, DOT_PX / scale), Math.max(b.maxY - b.minY, DOT_PX / scale));
        continue;
      }
      let list = byColor.get(color);
      if (!list) byColor.set(color, (list = []));
      list.push(obj);
    }
    // A crowded view draws its outlines one pixel wide: the rasteriser has a fast path for such
    // hairlines, and with thousands of outlines on screen it halves the time to show them.
    ctx.lineWidth = (ids.length > CROWDED ? 1 : 1.5) / scale;
    ctx.lineJoin = "round";
    for (const [color, list] of byColor) {
      const translucent = `${color}2e`;
      ctx.strokeStyle = color;
      ctx.fillStyle = translucent;
      for (const obj of list) {
        ctx.beginPath();
        const dots = traceShape(ctx, obj, scale, minDist, scene.edgesOf(obj.class_id));
        if (AREAS.has(obj.shape.kind)) ctx.fill("evenodd");
        ctx.stroke();
        if (dots) {
          ctx.fillStyle = color;
          ctx.fill(dots);
          ctx.fillStyle = translucent;
        }
      }
    }
    for (const [color, dots] of dotsByColor) {
      ctx.fillStyle = color;
      ctx.fill(dots);
    }
  }

  /**
   * @param {AnnotationObject} p
   * @param {number} scale
   * @param {Scene} scene
   * @param {boolean} hover
   */
  drawPrediction(p, scale, scene, hover) {
    const ctx = this.ctx;
    const line = new Path2D();
    traceShape(line, p, scale, 0, scene.edgesOf(p.class_id));
    ctx.save();
    ctx.setLineDash([6 / scale, 4 / scale]);
    ctx.lineWidth = (hover ? 3 : 1.5) / scale;
    ctx.strokeStyle = scene.colorOf(p.class_id);
    ctx.stroke(line);
    ctx.restore();
    const at = labelPoint(p);
    if (at && p.score !== null && p.score !== undefined) {
      this.label(`${Math.round(p.score * 100)}%`, at[0], at[1], scale, scene.colorOf(p.class_id));
    }
  }

  /**
   * The selected objects among those drawn: one alone shows its handles, several only their
   * outlines (the selection may hold thousands after Ctrl+A; only those on screen cost).
   * @param {string[]} ids  the objects drawn this frame
   * @param {number} scale
   * @param {Scene} scene
   */
  drawSelected(ids, scale, scene) {
    const { store } = scene;
    if (!store.selection.size) return;
    const handles = store.selection.size === 1;
    for (const id of ids) {
      if (store.isSelected(id)) this.drawSelection(/** @type {AnnotationObject} */ (store.objects.get(id)), scale, scene, handles);
    }
  }

  /**
   * A selected object drawn thicker, with its handles if asked.
   * @param {AnnotationObject} obj
   * @param {number} scale
   * @param {Scene} scene
   * @param {boolean} handles
   */
  drawSelection(obj, scale, scene, handles) {
    const ctx = this.ctx;
    const color = scene.colorOf(obj.class_id);
    const line = new Path2D();
    traceShape(line, obj, scale, 0, scene.edgesOf(obj.class_id));
    ctx.lineWidth = 3 / scale;
    ctx.strokeStyle = "#ffffff";
    ctx.stroke(line);
    ctx.lineWidth = 1.5 / scale;
    ctx.strokeStyle = color;
    ctx.stroke(line);
    if (obj.shape.kind === "mask") this.outlineMask(obj, scale, color);
    if (!handles) return;
    const size = 7 / scale;
    handlePoints(obj).forEach((p, i) => {
      const chosen = scene.vertex && vertexNumber(obj, scene.vertex) === i;
      ctx.fillStyle = chosen ? color : "#ffffff";
      ctx.strokeStyle = chosen ? "#ffffff" : color;
      ctx.fillRect(p[0] - size / 2, p[1] - size / 2, size, size);
      ctx.strokeRect(p[0] - size / 2, p[1] - size / 2, size, size);
    });
  }

  /**
   * A dashed box around a selected mask's pixels: a mask has no outline to draw thicker.
   * @param {AnnotationObject} obj
   * @param {number} scale
   * @param {string} color
   */
  outlineMask(obj, scale, color) {
    const b = obj.shape.kind === "mask" ? maskBounds(obj.shape) : null;
    if (!b) return;
    const ctx = this.ctx;
    ctx.save();
    ctx.setLineDash([5 / scale, 3 / scale]);
    // White under the class colour, as the outlines of other selected shapes are drawn.
    ctx.lineWidth = 3 / scale;
    ctx.strokeStyle = "#ffffff";
    ctx.strokeRect(b.minX, b.minY, b.maxX - b.minX, b.maxY - b.minY);
    ctx.lineWidth = 1.5 / scale;
    ctx.strokeStyle = color;
    ctx.strokeRect(b.minX, b.minY, b.maxX - b.minX, b.maxY - b.minY);
    ctx.restore();
  }

  /**
   * A small text label with a backing box, at a fixed screen size.
   * @param {string} text
   * @param {number} x
   * @param {number} y
   * @param {number} scale
   * @param {string} color
   */
  label(text, x, y, scale, color) {
    const ctx = this.ctx;
    ctx.save();
    ctx.font = `${12 / scale}px system-ui, sans-serif`;
    const w = ctx.measureText(text).width + 6 / scale;
    ctx.fillStyle = color;
    ctx.fillRect(x, y - 16 / scale, w, 16 / scale);
    ctx.fillStyle = "#ffffff";
    ctx.fillText(text, x + 3 / scale, y - 4 / scale);
    ctx.restore();
  }
}

/**
 * The objects to draw, bottom to top: those found in the view that are shown.
 * @param {Scene} scene
 * @param {Set<string>} found
 * @returns {string[]}
 */
export function drawingOrder(scene, found) {
  const { store } = scene;
  // With much of the item in view, walking the store's order beats sorting thousands by z.
  if (found.size * 16 > store.order.length) return store.order.filter((id) => found.has(id) && scene.shown(id));
  return [...found].filter(scene.shown).sort((a, b) => store.z(a) - store.z(b));
}

/** Shape kinds with an inside, which is filled. */
const AREAS = new Set(["bbox", "rotated_box", "polygon", "ellipse"]);

/**
 * Trace a shape's outline into a path (a Path2D or the context itself); return the filled dots
 * of points and visible keypoints as a separate path, or null.
 * @param {CanvasPath} path
 * @param {AnnotationObject} obj
 * @param {number} scale
 * @param {number} minDist  skip vertices closer than this (image pixels)
 * @param {[number, number][]} edges
 * @returns {Path2D | null}
 */
export function traceShape(path, obj, scale, minDist, edges) {
  const s = obj.shape;
  const r = 3.5 / scale;
  switch (s.kind) {
    case "bbox":
      path.rect(s.x, s.y, s.w, s.h);
      return null;
    case "rotated_box": {
      const corners = rotatedCorners(s);
      addRing(path, corners, true);
      const [a, b] = corners;
      // A tick from the top edge to the centre shows which way the box faces.
      path.moveTo((a[0] + b[0]) / 2, (a[1] + b[1]) / 2);
      path.lineTo(s.cx, s.cy);
      return null;
    }
    case "polygon":
      for (const ring of s.rings) addRing(path, thinPoints(ring, minDist), true);
      return null;
    case "polyline":
      addRing(path, thinPoints(s.points, minDist), false);
      return null;
    case "points": {
      const dots = new Path2D();
      for (const [x, y] of s.points) {
        dots.moveTo(x + r, y);
        dots.arc(x, y, r, 0, Math.PI * 2);
      }
      return dots;
    }
    case "keypoints": {
      const dots = new Path2D();
      for (const [a, b] of edges) {
        const p = s.points[a], q = s.points[b];
        if (p && q && p[2] > 0 && q[2] > 0) {
          path.moveTo(p[0], p[1]);
          path.lineTo(q[0], q[1]);
        }
      }
      // Visible nodes are filled; occluded ones are rings.
      for (const [x, y, v] of s.points) {
        if (v === 0) continue;
        const target = v === 2 ? dots : path;
        target.moveTo(x + r, y);
        target.arc(x, y, r, 0, Math.PI * 2);
      }
      return dots;
    }
    case "ellipse":
      path.ellipse(s.cx, s.cy, Math.max(0, s.rx), Math.max(0, s.ry), (s.angle * Math.PI) / 180, 0, Math.PI * 2);
      return null;
  }
  return null;
}

/**
 * @param {CanvasPath} path
 * @param {ArrayLike<number>[]} pts
 * @param {boolean} closed
 */
function addRing(path, pts, closed) {
  if (!pts.length) return;
  path.moveTo(pts[0][0], pts[0][1]);
  for (let i = 1; i < pts.length; i++) path.lineTo(pts[i][0], pts[i][1]);
  if (closed) path.closePath();
}

/**
 * The points a selected object shows handles at, in the order handles are numbered.
 * @param {AnnotationObject} obj
 * @returns {ArrayLike<number>[]}
 */
export function handlePoints(obj) {
  const s = obj.shape;
  switch (s.kind) {
    case "bbox": return [[s.x, s.y], [s.x + s.w, s.y], [s.x + s.w, s.y + s.h], [s.x, s.y + s.h]];
    case "rotated_box": return rotatedCorners(s);
    case "polygon": return s.rings.flat();
    case "polyline":
    case "points": return s.points;
    case "keypoints": return s.points.filter((p) => p[2] > 0);
    case "ellipse": return ellipseAxisEnds(s);
    default: return [];
  }
}

/**
 * The handle number of a (ring, index) vertex.
 * @param {AnnotationObject} obj
 * @param {{ring: number, index: number}} v
 * @returns {number}
 */
function vertexNumber(obj, v) {
  if (obj.shape.kind !== "polygon") return v.index;
  let n = 0;
  for (let r = 0; r < v.ring; r++) n += obj.shape.rings[r].length;
  return n + v.index;
}

/**
 * Where to put an object's label: its top-left-most point.
 * @param {AnnotationObject} obj
 * @returns {[number, number] | null}
 */
function labelPoint(obj) {
  const pts = handlePoints(obj);
  if (pts.length) return [Math.min(...Array.from(pts, (p) => p[0])), Math.min(...Array.from(pts, (p) => p[1]))];
  return null;
}
