// The ellipse tool: drag a box and the ellipse fills it (Shift: a circle).

import { drawDraftPath } from "./tool.js";

/**
 * The ellipse inside the box of a drag.
 * @param {{x0: number, y0: number, x1: number, y1: number}} d
 * @param {boolean} circle
 * @returns {{kind: "ellipse", cx: number, cy: number, rx: number, ry: number, angle: number}}
 */
export function ellipseFromDrag(d, circle) {
  let rx = Math.abs(d.x1 - d.x0) / 2, ry = Math.abs(d.y1 - d.y0) / 2;
  if (circle) rx = ry = Math.max(rx, ry);
  const cx = d.x0 + Math.sign(d.x1 - d.x0 || 1) * rx, cy = d.y0 + Math.sign(d.y1 - d.y0 || 1) * ry;
  return { kind: "ellipse", cx, cy, rx, ry, angle: 0 };
}

/**
 * @param {import("./tool.js").ToolEnv} env
 * @returns {import("./tool.js").Tool}
 */
export function ellipseTool(env) {
  /** @type {{x0: number, y0: number, x1: number, y1: number, circle: boolean} | null} */
  let drag = null;
  return {
    name: "ellipse",
    cursor: "crosshair",
    down(p) {
      drag = { x0: p.x, y0: p.y, x1: p.x, y1: p.y, circle: p.shift };
    },
    move(p) {
      if (!drag) return;
      Object.assign(drag, { x1: p.x, y1: p.y, circle: p.shift });
      env.redraw();
    },
    up() {
      if (!drag) return;
      const e = ellipseFromDrag(drag, drag.circle);
      drag = null;
      if (e.rx * env.scale() < 2 || e.ry * env.scale() < 2) env.store.select(env.hit(e.cx, e.cy));
      else env.create("ellipse", e);
      env.redraw();
    },
    draw(ctx, scale) {
      if (!drag) return;
      const e = ellipseFromDrag(drag, drag.circle);
      const pts = Array.from({ length: 48 }, (_, i) => [e.cx + e.rx * Math.cos((i / 48) * 2 * Math.PI), e.cy + e.ry * Math.sin((i / 48) * 2 * Math.PI)]);
      drawDraftPath(ctx, scale, pts, true);
    },
    busy: () => drag !== null,
    cancel() {
      drag = null;
      env.redraw();
    },
  };
}
