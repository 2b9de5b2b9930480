// Mask pixels for drawing and hit-testing, decoded once per shape and kept while the shape lives.

import { decodeCounts, rleBounds, rleToMask } from "./rle.js";

/** @typedef {{kind: "mask", rle: import("./rle.js").Rle, instance: boolean}} MaskShape */

/** @type {WeakMap<object, Uint8Array>} */
const pixelCache = new WeakMap();
/** @type {WeakMap<object, {canvas: HTMLCanvasElement | OffscreenCanvas, color: string, bounds: import("./geometry.js").Bounds}>} */
const tileCache = new WeakMap();
/** @type {WeakMap<object, import("./geometry.js").Bounds | null>} */
const boundsCache = new WeakMap();

/**
 * A mask's pixels, row by row (decoded once per shape object).
 * @param {MaskShape} shape
 * @returns {Uint8Array}
 */
export function maskPixels(shape) {
  let pixels = pixelCache.get(shape);
  if (!pixels) {
    pixels = rleToMask(shape.rle);
    pixelCache.set(shape, pixels);
  }
  return pixels;
}

/**
 * The box around a mask's pixels, or null when it is empty or malformed.
 * @param {MaskShape} shape
 * @returns {import("./geometry.js").Bounds | null}
 */
export function maskBounds(shape) {
  if (!boundsCache.has(shape)) {
    let b = null;
    try {
      b = rleBounds(shape.rle);
    } catch {
      b = null;
    }
    boundsCache.set(shape, b);
  }
  return boundsCache.get(shape) ?? null;
}

/**
 * Whether a mask covers the pixel at (x, y).
 * @param {MaskShape} shape
 * @param {number} x
 * @param {number} y
 * @returns {boolean}
 */
export function maskHit(shape, x, y) {
  const [h, w] = shape.rle.size;
  const px = Math.floor(x), py = Math.floor(y);
  if (px < 0 || py < 0 || px >= w || py >= h) return false;
  try {
    return maskPixels(shape)[py * w + px] !== 0;
  } catch {
    return false;
  }
}

/**
 * A canvas holding the mask's box in a translucent colour, for drawing at its bounds.
 * @param {MaskShape} shape
 * @param {string} color  #rrggbb
 * @returns {{canvas: HTMLCanvasElement | OffscreenCanvas, bounds: import("./geometry.js").Bounds} | null}
 */
export function maskTile(shape, color) {
  const cached = tileCache.get(shape);
  if (cached && cached.color === color) return cached;
  const b = maskBounds(shape);
  if (!b) return null;
  const height = shape.rle.size[0];
  const tw = b.maxX - b.minX, th = b.maxY - b.minY;
  const canvas = typeof OffscreenCanvas === "function" ? new OffscreenCanvas(tw, th) : document.createElement("canvas");
  canvas.width = tw;
  canvas.height = th;
  const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d"));
  const image = ctx.createImageData(tw, th);
  const [r, g, bl] = [1, 3, 5].map((i) => parseInt(color.slice(i, i + 2), 16));
  // Straight from the runs of ones: a mask being dragged gets a new shape at every step, and
  // decoding the whole image's pixels each time would stall the drag on a large image.
  let pos = 0;
  decodeCounts(shape.rle.counts).forEach((run, i) => {
    if (i % 2 === 1) {
      for (let k = pos; k < pos + run; k++) {
        const o = (((k % height) - b.minY) * tw + Math.floor(k / height) - b.minX) * 4;
        image.data[o] = r;
        image.data[o + 1] = g;
        image.data[o + 2] = bl;
        image.data[o + 3] = 120;
      }
    }
    pos += run;
  });
  ctx.putImageData(image, 0, 0);
  const tile = { canvas, color, bounds: b };
  tileCache.set(shape, tile);
  return tile;
}
