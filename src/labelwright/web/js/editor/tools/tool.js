// What every tool is given and what it offers: the shared contract of the tool modules.

/**
 * A pointer event in image coordinates (clamped to the image) with the keys held.
 * @typedef {object} ToolPointer
 * @property {number} x
 * @property {number} y
 * @property {boolean} shift
 * @property {boolean} alt
 * @property {boolean} [ctrl]  Ctrl, or Cmd on a Mac
 * @property {number} detail  click count
 */

/**
 * What a tool may use: the store, the image size, the zoom and ways to create objects.
 * @typedef {object} ToolEnv
 * @property {import("../store.js").EditorStore} store
 * @property {{width: number, height: number}} image
 * @property {() => number} scale                      view pixels per image pixel
 * @property {() => number} frame                      the frame being shown
 * @property {(kind: string) => import("../schema.js").LabelClass | null} classFor  the class a new shape of a kind gets
 * @property {(kind: string, shape: any) => string | null} create  add an object of the current class; its id
 * @property {(x: number, y: number) => string | null} hit         the object under a point
 * @property {(r: import("../geometry.js").Bounds) => string[]} within  the visible, unlocked objects wholly inside a rectangle
 * @property {(id: string) => boolean} editable                   not locked, hidden or read-only
 * @property {{ring: number, index: number} | null} vertex         the selected vertex (select tool)
 * @property {{size: number, instance: boolean}} brush
 * @property {() => void} redraw
 * @property {(text: string) => void} say                           a hint in the status line
 */

/**
 * @typedef {object} Tool
 * @property {string} name
 * @property {string} cursor
 * @property {(p: ToolPointer) => void} [down]
 * @property {(p: ToolPointer) => void} [move]
 * @property {(p: ToolPointer) => void} [up]
 * @property {(p: ToolPointer) => void} [dblclick]
 * @property {(action: string) => boolean} [key]   handle an editor action; true when used
 * @property {(ctx: CanvasRenderingContext2D, scale: number) => void} [draw]  the shape in progress
 * @property {() => boolean} [busy]                 a shape is being drawn
 * @property {() => void} [cancel]
 */

/**
 * How far from a point still counts as on it, in image pixels: 6 screen pixels.
 * @param {ToolEnv} env
 * @returns {number}
 */
export function grabRadius(env) {
  return 6 / env.scale();
}

/**
 * Draw a dashed outline of points in progress.
 * @param {CanvasRenderingContext2D} ctx
 * @param {number} scale
 * @param {ArrayLike<number>[]} pts
 * @param {boolean} closed
 */
export function drawDraftPath(ctx, scale, pts, closed) {
  if (!pts.length) return;
  ctx.save();
  ctx.lineWidth = 1.5 / scale;
  ctx.strokeStyle = "#ffd400";
  ctx.setLineDash([5 / scale, 3 / scale]);
  ctx.beginPath();
  ctx.moveTo(pts[0][0], pts[0][1]);
  for (let i = 1; i < pts.length; i++) ctx.lineTo(pts[i][0], pts[i][1]);
  if (closed) ctx.closePath();
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = "#ffd400";
  const s = 5 / scale;
  for (const p of pts) ctx.fillRect(p[0] - s / 2, p[1] - s / 2, s, s);
  ctx.restore();
}
