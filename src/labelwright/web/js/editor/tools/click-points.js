// Tools that place vertices one click at a time: polygon (close on the first vertex, Enter or a
// double-click; `h` with a polygon selected draws a hole in it), polyline and points.

import { drawDraftPath, grabRadius } from "./tool.js";

/** @typedef {[number, number]} Pt */

/** What each kind needs. */
const KINDS = {
  polygon: { min: 3, closed: true },
  polyline: { min: 2, closed: false },
  points: { min: 1, closed: false },
};

/**
 * @param {import("./tool.js").ToolEnv} env
 * @param {"polygon" | "polyline" | "points"} kind
 * @returns {import("./tool.js").Tool}
 */
export function clickPointsTool(env, kind) {
  const spec = KINDS[kind];
  /** @type {Pt[]} */
  let pts = [];
  /** @type {Pt | null} */
  let hover = null;
  /** @type {string | null} the polygon a hole is being drawn in */
  let holeOf = null;

  function finish() {
    if (pts.length < spec.min) {
      env.say(`A ${kind} needs at least ${spec.min} points`);
      return;
    }
    const done = pts;
    pts = [];
    hover = null;
    if (holeOf) addHole(done);
    else if (kind === "polygon") env.create(kind, { kind, rings: [done] });
    else env.create(kind, { kind, points: done });
    env.redraw();
  }

  /** @param {Pt[]} ring */
  function addHole(ring) {
    const target = holeOf ? env.store.objects.get(holeOf) : undefined;
    holeOf = null;
    if (!target || target.shape.kind !== "polygon") return;
    const next = { ...target, shape: { ...target.shape, rings: [...target.shape.rings, ring] } };
    env.store.apply({ label: "Add hole", objects: [{ id: target.id, before: target, after: next }] });
    env.store.select(target.id);
  }

  return {
    name: kind,
    cursor: "crosshair",
    down(p) {
      const first = pts[0];
      if (spec.closed && first && pts.length >= spec.min && Math.hypot(p.x - first[0], p.y - first[1]) <= grabRadius(env)) {
        finish();
        return;
      }
      pts.push([p.x, p.y]);
      env.redraw();
    },
    move(p) {
      hover = [p.x, p.y];
      if (pts.length) env.redraw();
    },
    dblclick() {
      // The double-click's two clicks each added the same point: keep one.
      const [a, b] = pts.slice(-2);
      if (a && b && a[0] === b[0] && a[1] === b[1]) pts.pop();
      finish();
    },
    key(action) {
      if (action === "finish" && pts.length) {
        finish();
        return true;
      }
      if (action === "backspace" && pts.length) {
        pts.pop();
        env.redraw();
        return true;
      }
      if (action === "toggleHidden" && kind === "polygon" && !pts.length) {
        const sel = env.store.selectedObject();
        if (sel?.shape.kind !== "polygon") return false;
        holeOf = sel.id;
        env.say("Drawing a hole: click its corners, then Enter");
        return true;
      }
      return false;
    },
    draw(ctx, scale) {
      if (!pts.length) return;
      drawDraftPath(ctx, scale, hover ? [...pts, hover] : pts, spec.closed && kind === "polygon" && pts.length > 2 && !hover);
    },
    busy: () => pts.length > 0 || holeOf !== null,
    cancel() {
      pts = [];
      holeOf = null;
      env.redraw();
    },
  };
}
