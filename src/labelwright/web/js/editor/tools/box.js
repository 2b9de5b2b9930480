// The bounding box tool: drag from one corner to the other.

import { boxFromCorners } from "../geometry.js";
import { drawDraftPath } from "./tool.js";

/**
 * @param {import("./tool.js").ToolEnv} env
 * @returns {import("./tool.js").Tool}
 */
export function boxTool(env) {
  /** @type {{x0: number, y0: number, x1: number, y1: number} | null} */
  let drag = null;
  return {
    name: "bbox",
    cursor: "crosshair",
    down(p) {
      drag = { x0: p.x, y0: p.y, x1: p.x, y1: p.y };
    },
    move(p) {
      if (!drag) return;
      drag.x1 = p.x;
      drag.y1 = p.y;
      env.redraw();
    },
    up() {
      if (!drag) return;
      const box = boxFromCorners(drag.x0, drag.y0, drag.x1, drag.y1);
      drag = null;
      // A click (no drag) selects what is under it, so one need not switch tools to pick.
      if (box.w * env.scale() < 3 || box.h * env.scale() < 3) env.store.select(env.hit(box.x, box.y));
      else env.create("bbox", box);
      env.redraw();
    },
    draw(ctx, scale) {
      if (!drag) return;
      const b = boxFromCorners(drag.x0, drag.y0, drag.x1, drag.y1);
      drawDraftPath(ctx, scale, [[b.x, b.y], [b.x + b.w, b.y], [b.x + b.w, b.y + b.h], [b.x, b.y + b.h]], true);
    },
    busy: () => drag !== null,
    cancel() {
      drag = null;
      env.redraw();
    },
  };
}
