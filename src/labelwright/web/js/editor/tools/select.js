// The select tool: click to select, drag to move, drag a corner handle to resize (Shift+drag a
// rotated box's corner turns it), drag a vertex to move it, Shift+click an edge to add a vertex,
// Alt+click a vertex to delete it.

import { updateObject } from "../commands.js";
import { edgeAt, minVertices, rotatedCorners, translateShape, vertexAt, vertexLists, withVertexLists } from "../geometry.js";
import { grabRadius } from "./tool.js";

/** @typedef {import("../store.js").AnnotationObject} AnnotationObject */
/** @typedef {{kind: "move" | "corner" | "vertex" | "keypoint" | "rotate", id: string, start: AnnotationObject, x0: number, y0: number, n: number, ring: number}} Drag */

let dragSerial = 0;

/**
 * @param {import("./tool.js").ToolEnv} env
 * @returns {import("./tool.js").Tool}
 */
export function selectTool(env) {
  /** @type {Drag | null} */
  let drag = null;

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
    if (s.kind === "bbox" || s.kind === "rotated_box") {
      const corners = s.kind === "bbox" ? [[s.x, s.y], [s.x + s.w, s.y], [s.x + s.w, s.y + s.h], [s.x, s.y + s.h]] : rotatedCorners(s);
      const n = corners.findIndex((c) => Math.hypot(c[0] - p.x, c[1] - p.y) <= r);
      if (n < 0) return false;
      drag = { ...base, kind: p.shift && s.kind === "rotated_box" ? "rotate" : "corner", n };
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
    if (drag.kind === "move") shape = translateShape(s, p.x - drag.x0, p.y - drag.y0);
    else if (drag.kind === "corner" && s.kind === "bbox") shape = resizeBox(s, drag.n, p.x, p.y);
    else if (drag.kind === "corner" && s.kind === "rotated_box") shape = resizeRotated(s, drag.n, p.x, p.y);
    else if (drag.kind === "rotate" && s.kind === "rotated_box") shape = rotate(s, drag.x0, drag.y0, p.x, p.y);
    else if (drag.kind === "keypoint" && s.kind === "keypoints") {
      shape = { ...s, points: s.points.map((q, i) => (i === drag?.n ? [p.x, p.y, q[2]] : q)) };
    } else if (drag.kind === "vertex") {
      const lists = /** @type {import("../geometry.js").Pt[][]} */ (vertexLists(s));
      const d = drag;
      shape = withVertexLists(s, lists.map((r, i) => (i === d.ring ? r.map((q, j) => (j === d.n ? [p.x, p.y] : q)) : r)));
    }
    commit({ ...start, shape }, drag.kind === "move" ? "Move" : "Edit shape");
  }

  return {
    name: "select",
    cursor: "default",
    down(p) {
      const sel = env.store.selectedObject();
      if (sel && env.editable(sel.id) && grabHandle(sel, p)) return;
      const id = env.hit(p.x, p.y);
      env.vertex = null;
      env.store.select(id);
      const obj = id ? env.store.objects.get(id) : undefined;
      if (obj && env.editable(obj.id) && obj.shape.kind !== "mask") {
        dragSerial++;
        drag = { kind: "move", id: obj.id, start: obj, x0: p.x, y0: p.y, n: 0, ring: 0 };
      }
      env.redraw();
    },
    move(p) {
      if (!drag || (p.x === drag.x0 && p.y === drag.y0)) return;
      dragTo(p);
    },
    up() {
      if (drag) env.store.seal();
      drag = null;
    },
    key(action) {
      const sel = env.store.selectedObject();
      if ((action === "delete" || action === "backspace") && sel && env.vertex && vertexLists(sel.shape)) {
        if (env.editable(sel.id)) deleteVertex(sel, env.vertex.ring, env.vertex.index);
        return true;
      }
      return false;
    },
    busy: () => drag !== null,
    cancel() {
      drag = null;
      env.vertex = null;
    },
  };
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
 * A rotated box turned by the angle the pointer swept around its centre.
 * @param {{kind: "rotated_box", cx: number, cy: number, w: number, h: number, angle: number}} s
 * @param {number} x0
 * @param {number} y0
 * @param {number} x
 * @param {number} y
 */
export function rotate(s, x0, y0, x, y) {
  const swept = Math.atan2(y - s.cy, x - s.cx) - Math.atan2(y0 - s.cy, x0 - s.cx);
  let angle = s.angle + (swept * 180) / Math.PI;
  angle = ((((angle + 180) % 360) + 360) % 360) - 180;
  return { ...s, angle };
}
