// The rotated box tool: drag along one edge (its direction sets the angle), then move out to
// set the height and click.

import { rotatedCorners } from "../geometry.js";
import { drawDraftPath } from "./tool.js";

/**
 * The box whose top edge runs from a to b and whose far side passes through c.
 * @param {[number, number]} a
 * @param {[number, number]} b
 * @param {[number, number]} c
 * @returns {{kind: "rotated_box", cx: number, cy: number, w: number, h: number, angle: number}}
 */
export function rotatedFromEdge(a, b, c) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const w = Math.hypot(dx, dy) || 1e-9;
  const nx = -dy / w, ny = dx / w; // the edge's normal, pointing to its right on screen
  const h = (c[0] - a[0]) * nx + (c[1] - a[1]) * ny;
  const angle = (Math.atan2(dy, dx) * 180) / Math.PI;
  const mx = (a[0] + b[0]) / 2 + (nx * h) / 2, my = (a[1] + b[1]) / 2 + (ny * h) / 2;
  // A negative height means the far side is on the edge's left: turn the box round instead.
  return h >= 0
    ? { kind: "rotated_box", cx: mx, cy: my, w, h, angle }
    : { kind: "rotated_box", cx: mx, cy: my, w, h: -h, angle: angle > 0 ? angle - 180 : angle + 180 };
}

/**
 * @param {import("./tool.js").ToolEnv} env
 * @returns {import("./tool.js").Tool}
 */
export function rotatedBoxTool(env) {
  /** @type {{a: [number, number], b: [number, number], c: [number, number], phase: "edge" | "height"} | null} */
  let draft = null;
  return {
    name: "rotated_box",
    cursor: "crosshair",
    down(p) {
      if (draft?.phase === "height") {
        const box = rotatedFromEdge(draft.a, draft.b, [p.x, p.y]);
        draft = null;
        if (box.h * env.scale() >= 2) env.create("rotated_box", box);
        env.redraw();
        return;
      }
      draft = { a: [p.x, p.y], b: [p.x, p.y], c: [p.x, p.y], phase: "edge" };
    },
    move(p) {
      if (!draft) return;
      if (draft.phase === "edge") draft.b = [p.x, p.y];
      else draft.c = [p.x, p.y];
      env.redraw();
    },
    up() {
      if (!draft || draft.phase !== "edge") return;
      const len = Math.hypot(draft.b[0] - draft.a[0], draft.b[1] - draft.a[1]) * env.scale();
      if (len < 3) {
        env.store.select(env.hit(draft.a[0], draft.a[1]));
        draft = null;
      } else {
        draft.phase = "height";
        draft.c = draft.b;
        env.say("Move to set the height, then click");
      }
      env.redraw();
    },
    draw(ctx, scale) {
      if (!draft) return;
      if (draft.phase === "edge") drawDraftPath(ctx, scale, [draft.a, draft.b], false);
      else drawDraftPath(ctx, scale, rotatedCorners(rotatedFromEdge(draft.a, draft.b, draft.c)), true);
    },
    busy: () => draft !== null,
    cancel() {
      draft = null;
      env.redraw();
    },
  };
}
