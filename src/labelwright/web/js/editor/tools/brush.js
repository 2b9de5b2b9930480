// The brush and the eraser for masks. A stroke paints discs along the pointer's path into the
// mask's pixels; on release the mask is encoded to COCO RLE and saved as one undoable change.
// Instance mode makes a new mask per stroke (unless a mask of the class is selected); semantic
// mode paints into the class's one mask on this frame.

import { maskPixels } from "../masks.js";
import { maskToRle } from "../rle.js";

/** @typedef {import("../store.js").AnnotationObject} AnnotationObject */

/**
 * Set (or clear) every pixel within `radius` of the segment a–b.
 * @param {Uint8Array} mask  row by row, width × height
 * @param {number} width
 * @param {number} height
 * @param {[number, number]} a
 * @param {[number, number]} b
 * @param {number} radius
 * @param {number} value
 */
export function paintSegment(mask, width, height, a, b, radius, value) {
  const x0 = Math.max(0, Math.floor(Math.min(a[0], b[0]) - radius));
  const x1 = Math.min(width - 1, Math.ceil(Math.max(a[0], b[0]) + radius));
  const y0 = Math.max(0, Math.floor(Math.min(a[1], b[1]) - radius));
  const y1 = Math.min(height - 1, Math.ceil(Math.max(a[1], b[1]) + radius));
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  const r2 = radius * radius;
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      // Pixel centres, so a brush of radius 0.5 paints exactly the pixel clicked.
      const px = x + 0.5, py = y + 0.5;
      const t = len2 ? Math.max(0, Math.min(1, ((px - a[0]) * dx + (py - a[1]) * dy) / len2)) : 0;
      const ex = px - (a[0] + t * dx), ey = py - (a[1] + t * dy);
      if (ex * ex + ey * ey <= r2) mask[y * width + x] = value;
    }
  }
}

/**
 * @param {import("./tool.js").ToolEnv} env
 * @param {boolean} erase
 * @returns {import("./tool.js").Tool}
 */
export function brushTool(env, erase) {
  /** @type {{target: AnnotationObject | null, pixels: Uint8Array, path: [number, number][]} | null} */
  let stroke = null;
  /** @type {[number, number] | null} */
  let hover = null;
  const { width, height } = env.image;

  /** The mask a stroke works on: the selected one of the class, or the class's semantic one. */
  function target() {
    const cls = env.classFor("mask");
    const sel = env.store.selectedObject();
    if (sel && sel.shape.kind === "mask" && sel.frame === env.frame() && (erase || sel.class_id === cls?.id)) return sel;
    if (erase || !cls || env.brush.instance) return null;
    return [...env.store.objects.values()].find((o) => o.shape.kind === "mask" && !o.shape.instance && o.class_id === cls.id && o.frame === env.frame()) ?? null;
  }

  function finish() {
    if (!stroke) return;
    const { target: obj, pixels } = stroke;
    stroke = null;
    const empty = !pixels.some((v) => v !== 0);
    const rle = maskToRle(pixels, width, height);
    if (!obj) {
      if (!empty) env.create("mask", { kind: "mask", rle, instance: env.brush.instance });
    } else if (empty) {
      env.store.apply({ label: "Erase mask", objects: [{ id: obj.id, before: obj, after: null }], order: { before: env.store.order, after: env.store.order.filter((id) => id !== obj.id) } });
    } else {
      const shape = { kind: "mask", rle, instance: obj.shape.kind === "mask" ? obj.shape.instance : true };
      env.store.apply({ label: erase ? "Erase" : "Paint", objects: [{ id: obj.id, before: obj, after: { ...obj, shape: /** @type {any} */ (shape) } }] });
    }
    env.redraw();
  }

  return {
    name: erase ? "eraser" : "brush",
    cursor: "none",
    down(p) {
      const obj = target();
      if (erase && !obj) {
        env.say("Select a mask to erase from");
        return;
      }
      if (!erase && !env.classFor("mask")) {
        env.say("No class of this project allows masks");
        return;
      }
      const pixels = obj && obj.shape.kind === "mask" ? maskPixels(obj.shape).slice() : new Uint8Array(width * height);
      stroke = { target: obj, pixels, path: [[p.x, p.y]] };
      paintSegment(pixels, width, height, [p.x, p.y], [p.x, p.y], env.brush.size / 2, erase ? 0 : 1);
      env.redraw();
    },
    move(p) {
      hover = [p.x, p.y];
      if (stroke) {
        const last = stroke.path[stroke.path.length - 1];
        stroke.path.push([p.x, p.y]);
        paintSegment(stroke.pixels, width, height, last, [p.x, p.y], env.brush.size / 2, erase ? 0 : 1);
      }
      env.redraw();
    },
    up: finish,
    draw(ctx, scale) {
      const r = env.brush.size / 2;
      ctx.save();
      if (stroke) {
        ctx.strokeStyle = erase ? "rgba(255,255,255,0.7)" : env.classFor("mask")?.color ?? "#ffd400";
        ctx.globalAlpha = 0.6;
        ctx.lineWidth = r * 2;
        ctx.lineCap = "round";
        ctx.lineJoin = "round";
        ctx.beginPath();
        stroke.path.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
        if (stroke.path.length === 1) ctx.lineTo(stroke.path[0][0] + 0.01, stroke.path[0][1]);
        ctx.stroke();
      }
      if (hover) {
        ctx.globalAlpha = 1;
        ctx.lineWidth = 1.5 / scale;
        ctx.strokeStyle = erase ? "#ffffff" : "#ffd400";
        ctx.beginPath();
        ctx.arc(hover[0], hover[1], r, 0, Math.PI * 2);
        ctx.stroke();
      }
      ctx.restore();
    },
    busy: () => stroke !== null,
    cancel() {
      stroke = null;
      env.redraw();
    },
  };
}
