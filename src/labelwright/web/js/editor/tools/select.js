// The select tool: click to select, Shift/Ctrl+click to add to the selection or take out, drag on
// empty image for a rubber band, drag to move what is selected (masks too, by whole pixels), drag
// a corner handle to resize (Shift+drag a rotated box's corner turns it), drag an ellipse's axis
// end to change that radius (Shift+drag turns it), drag a vertex to move it, Shift+click an edge
// to add a vertex, Alt+click a vertex to delete it.

import { moveObjects, updateObject } from "../commands.js";
import { boxFromCorners, edgeAt, ellipseAxisEnds, minVertices, rotatedCorners, vertexAt, vertexLists, withVertexLists } from "../geometry.js";
import { grabRadius } from "./tool.js";

/** @typedef {import("../store.js").AnnotationObject} AnnotationObject */
/** @typedef {{kind: "corner" | "vertex" | "keypoint" | "rotate" | "axis", id: string, start: AnnotationObject, x0: number, y0: number, n: number, ring: number}} Drag */
/**
 * Objects being moved together: as they were when the press began.
 * @typedef {{starts: AnnotationObject[], x0: number, y0: number, moved: boolean, collapseTo: string | null}} Move
 */
/**
 * A rubber band from where the press began; `keep` holds the selection it adds to (Shift/Ctrl).
 * @typedef {{x0: number, y0: number, x1: number, y1: number, keep: string[]}} Band
 */

/** An ellipse keeps at least this radius (image pixels): the schema refuses a radius of 0. */
const MIN_RADIUS = 0.5;
/** A press that moves less than this (screen pixels) is a click, not a rubber band. */
const BAND_MIN_PX = 3;

let dragSerial = 0;

/**
 * @param {import("./tool.js").ToolEnv} env
 * @returns {import("./tool.js").Tool}
 */
export function selectTool(env) {
  /** @type {Drag | null} */
  let drag = null;
  /** @type {Move | null} */
  let move = null;
  /** @type {Band | null} */
  let band = null;

  /** @param {AnnotationObject} next @param {string} label */
  function commit(next, label) {
    env.store.apply(updateObject(env.store, next, label, `drag:${next.id}:${dragSerial}`));
  }

  /**
   * Start editing a handle of the selected object, if the pointer is on one.
   * @param {AnnotationObject} obj
   * @param {import("./tool.js").ToolPointer} p
   * @returns {boolean}
   */
  function grabHandle(obj, p) {
    const r = grabRadius(env);
    const base = { id: obj.id, start: obj, x0: p.x, y0: p.y, ring: 0 };
    const s = obj.shape;
    /** @param {ArrayLike<number>[]} pts */
    const near = (pts) => Array.from(pts).findIndex((c) => Math.hypot(c[0] - p.x, c[1] - p.y) <= r);
    if (s.kind === "bbox" || s.kind === "rotated_box") {
      const corners = s.kind === "bbox" ? [[s.x, s.y], [s.x + s.w, s.y], [s.x + s.w, s.y + s.h], [s.x, s.y + s.h]] : rotatedCorners(s);
      const n = near(corners);
      if (n < 0) return false;
      drag = { ...base, kind: p.shift && s.kind === "rotated_box" ? "rotate" : "corner", n };
      return true;
    }
    if (s.kind === "ellipse") {
      // Turned as a rotated box is: Shift+drag a handle.
      const n = near(ellipseAxisEnds(s));
      if (n < 0) return false;
      drag = { ...base, kind: p.shift ? "rotate" : "axis", n };
      return true;
    }
    if (s.kind === "keypoints") {
      const n = s.points.findIndex((q) => q[2] > 0 && Math.hypot(q[0] - p.x, q[1] - p.y) <= r);
      if (n < 0) return false;
      drag = { ...base, kind: "keypoint", n };
      return true;
    }
    const lists = vertexLists(s);
    if (!lists) return false;
    const v = vertexAt(lists, p.x, p.y, r);
    if (v && p.alt) {
      deleteVertex(obj, v[0], v[1]);
      return true;
    }
    if (v) {
      env.vertex = { ring: v[0], index: v[1] };
      drag = { ...base, kind: "vertex", ring: v[0], n: v[1] };
      return true;
    }
    const e = p.shift ? edgeAt(lists, p.x, p.y, r, s.kind === "polygon") : null;
    if (!e) return false;
    const next = lists.map((ring) => [...ring]);
    next[e[0]].splice(e[1] + 1, 0, [p.x, p.y]);
    dragSerial++;
    commit({ ...obj, shape: withVertexLists(s, next) }, "Add vertex");
    env.vertex = { ring: e[0], index: e[1] + 1 };
    drag = { ...base, start: /** @type {AnnotationObject} */ (env.store.objects.get(obj.id)), kind: "vertex", ring: e[0], n: e[1] + 1 };
    return true;
  }

  /**
   * @param {AnnotationObject} obj
   * @param {number} ring
   * @param {number} index
   */
  function deleteVertex(obj, ring, index) {
    const lists = /** @type {import("../geometry.js").Pt[][]} */ (vertexLists(obj.shape));
    if (lists[ring].length <= minVertices(obj.shape.kind)) {
      // A hole with too few corners goes as a whole; an outline or a line cannot.
      if (obj.shape.kind === "polygon" && ring > 0) {
        dragSerial++;
        commit({ ...obj, shape: withVertexLists(obj.shape, lists.filter((_, i) => i !== ring)) }, "Delete hole");
        env.vertex = null;
        return;
      }
      env.say(`A ${obj.shape.kind.replace("_", " ")} keeps at least ${minVertices(obj.shape.kind)} points: delete the object instead`);
      return;
    }
    const next = lists.map((r, i) => (i === ring ? r.filter((_, j) => j !== index) : r));
    dragSerial++;
    commit({ ...obj, shape: withVertexLists(obj.shape, next) }, "Delete vertex");
    env.vertex = null;
  }

  /** @param {import("./tool.js").ToolPointer} p */
  function dragTo(p) {
    if (!drag) return;
    const { start } = drag;
    const s = start.shape;
    /** @type {any} */
    let shape = s;
    if (drag.kind === "corner" && s.kind === "bbox") shape = resizeBox(s, drag.n, p.x, p.y);
    else if (drag.kind === "corner" && s.kind === "rotated_box") shape = resizeRotated(s, drag.n, p.x, p.y);
    else if (drag.kind === "rotate" && (s.kind === "rotated_box" || s.kind === "ellipse")) shape = rotate(s, drag.x0, drag.y0, p.x, p.y);
    else if (drag.kind === "axis" && s.kind === "ellipse") shape = resizeEllipse(s, drag.n, p.x, p.y);
    else if (drag.kind === "keypoint" && s.kind === "keypoints") {
      shape = { ...s, points: s.points.map((q, i) => (i === drag?.n ? [p.x, p.y, q[2]] : q)) };
    } else if (drag.kind === "vertex") {
      const lists = /** @type {import("../geometry.js").Pt[][]} */ (vertexLists(s));
      const d = drag;
      shape = withVertexLists(s, lists.map((r, i) => (i === d.ring ? r.map((q, j) => (j === d.n ? [p.x, p.y] : q)) : r)));
    }
    commit({ ...start, shape }, "Edit shape");
  }

  /**
   * Get ready to move the selection from a press; a press that does not move and names
   * `collapseTo` selects that object alone (a click inside a selection of several).
   * @param {import("./tool.js").ToolPointer} p
   * @param {string | null} collapseTo
   */
  function startMove(p, collapseTo) {
    dragSerial++;
    const starts = env.store.selectedObjects().filter((o) => env.editable(o.id));
    move = { starts, x0: p.x, y0: p.y, moved: false, collapseTo };
  }

  /** @param {import("./tool.js").ToolPointer} p */
  function moveTo(p) {
    if (!move || !move.starts.length) return;
    const cmd = moveObjects(env.store, move.starts, p.x - move.x0, p.y - move.y0, `move:${dragSerial}`);
    // Null: a mask would leave the image; the objects stay where they last were.
    if (cmd) env.store.apply(cmd);
  }

  /**
   * Shift/Ctrl+press: the object under the pointer joins the selection or leaves it; on empty
   * image a rubber band starts that adds to the selection.
   * @param {string | null} id
   * @param {import("./tool.js").ToolPointer} p
   */
  function extend(id, p) {
    if (!id) {
      band = { x0: p.x, y0: p.y, x1: p.x, y1: p.y, keep: [...env.store.selection] };
      return;
    }
    env.store.toggleSelected(id);
    if (env.store.isSelected(id)) startMove(p, null);
  }

  function finishBand() {
    if (!band) return;
    const { keep, x0, y0, x1, y1 } = band;
    band = null;
    if (Math.max(Math.abs(x1 - x0), Math.abs(y1 - y0)) * env.scale() < BAND_MIN_PX) return;
    const r = boxFromCorners(x0, y0, x1, y1);
    const inside = env.within({ minX: r.x, minY: r.y, maxX: r.x + r.w, maxY: r.y + r.h });
    env.store.setSelection([...keep, ...inside]);
    if (inside.length) env.say(`${env.store.selection.size} objects selected`);
  }

  return {
    name: "select",
    cursor: "default",
    down(p) {
      const sel = env.store.selectedObject();
      if (sel && env.editable(sel.id) && grabHandle(sel, p)) return;
      const id = env.hit(p.x, p.y);
      env.vertex = null;
      if (p.shift || p.ctrl) extend(id, p);
      else if (id && env.store.selection.size > 1 && env.store.isSelected(id)) startMove(p, id);
      else {
        env.store.select(id);
        if (id) startMove(p, null);
        else band = { x0: p.x, y0: p.y, x1: p.x, y1: p.y, keep: [] };
      }
      env.redraw();
    },
    move(p) {
      if (band) {
        band.x1 = p.x;
        band.y1 = p.y;
        env.redraw();
        return;
      }
      const from = drag ?? move;
      if (!from || (p.x === from.x0 && p.y === from.y0)) return;
      if (drag) dragTo(p);
      else if (move) {
        move.moved = true;
        moveTo(p);
      }
    },
    up() {
      if (drag || move?.moved) env.store.seal();
      if (move && !move.moved && move.collapseTo) env.store.select(move.collapseTo);
      finishBand();
      drag = null;
      move = null;
      env.redraw();
    },
    key(action) {
      const sel = env.store.selectedObject();
      if ((action === "delete" || action === "backspace") && sel && env.vertex && vertexLists(sel.shape)) {
        if (env.editable(sel.id)) deleteVertex(sel, env.vertex.ring, env.vertex.index);
        return true;
      }
      return false;
    },
    draw(ctx, scale) {
      if (band) drawBand(ctx, scale, band);
    },
    busy: () => drag !== null || move !== null || band !== null,
    cancel() {
      drag = null;
      move = null;
      band = null;
      env.vertex = null;
      env.redraw();
    },
  };
}

/**
 * The rubber band: a dashed rectangle over a faint fill.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} scale
 * @param {Band} b
 */
function drawBand(ctx, scale, b) {
  const r = boxFromCorners(b.x0, b.y0, b.x1, b.y1);
  ctx.save();
  ctx.fillStyle = "rgba(255, 212, 0, 0.08)";
  ctx.fillRect(r.x, r.y, r.w, r.h);
  ctx.lineWidth = 1 / scale;
  ctx.strokeStyle = "#ffd400";
  ctx.setLineDash([4 / scale, 3 / scale]);
  ctx.strokeRect(r.x, r.y, r.w, r.h);
  ctx.restore();
}

/**
 * A box with corner n (0 top-left, clockwise) dragged to (x, y), the opposite corner fixed.
 * @param {{kind: "bbox", x: number, y: number, w: number, h: number}} s
 * @param {number} n
 * @param {number} x
 * @param {number} y
 */
export function resizeBox(s, n, x, y) {
  const fx = n === 0 || n === 3 ? s.x + s.w : s.x;
  const fy = n === 0 || n === 1 ? s.y + s.h : s.y;
  return { kind: "bbox", x: Math.min(fx, x), y: Math.min(fy, y), w: Math.abs(x - fx), h: Math.abs(y - fy) };
}

/**
 * A rotated box with corner n dragged to (x, y) in its own frame, the opposite corner fixed.
 * @param {{kind: "rotated_box", cx: number, cy: number, w: number, h: number, angle: number}} s
 * @param {number} n
 * @param {number} x
 * @param {number} y
 */
export function resizeRotated(s, n, x, y) {
  const a = (s.angle * Math.PI) / 180, cos = Math.cos(a), sin = Math.sin(a);
  const opposite = rotatedCorners(s)[(n + 2) % 4];
  // The dragged point in the box's own axes, relative to the fixed corner.
  const dx = x - opposite[0], dy = y - opposite[1];
  const lx = dx * cos + dy * sin, ly = -dx * sin + dy * cos;
  return { ...s, cx: (opposite[0] + x) / 2, cy: (opposite[1] + y) / 2, w: Math.abs(lx), h: Math.abs(ly) };
}

/**
 * An ellipse with the end of axis handle n (see ellipseAxisEnds) dragged towards (x, y): that
 * radius becomes the pointer's distance from the centre along the axis; centre and angle stay.
 * @param {{kind: "ellipse", cx: number, cy: number, rx: number, ry: number, angle: number}} s
 * @param {number} n
 * @param {number} x
 * @param {number} y
 */
export function resizeEllipse(s, n, x, y) {
  const a = (s.angle * Math.PI) / 180;
  // The axis of handle n: the x axis turned by the angle for even handles, the y axis for odd.
  const [ux, uy] = n % 2 === 0 ? [Math.cos(a), Math.sin(a)] : [-Math.sin(a), Math.cos(a)];
  const radius = Math.max(MIN_RADIUS, Math.abs((x - s.cx) * ux + (y - s.cy) * uy));
  return n % 2 === 0 ? { ...s, rx: radius } : { ...s, ry: radius };
}

/**
 * A rotated box or an ellipse turned by the angle the pointer swept around its centre.
 * @template {{cx: number, cy: number, angle: number}} S
 * @param {S} s
 * @param {number} x0
 * @param {number} y0
 * @param {number} x
 * @param {number} y
 * @returns {S}
 */
export function rotate(s, x0, y0, x, y) {
  const swept = Math.atan2(y - s.cy, x - s.cx) - Math.atan2(y0 - s.cy, x0 - s.cx);
  let angle = s.angle + (swept * 180) / Math.PI;
  angle = ((((angle + 180) % 360) + 360) % 360) - 180;
  return { ...s, angle };
}
