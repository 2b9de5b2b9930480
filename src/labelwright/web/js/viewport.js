// Zoom and pan maths for showing an image in a view. Pure: no DOM access.
//
// A transform maps image pixels to view pixels: view = image × scale + (x, y).

/**
 * @typedef {object} Transform
 * @property {number} scale  view pixels per image pixel
 * @property {number} x      view x of the image's left edge
 * @property {number} y      view y of the image's top edge
 */

/** @typedef {{min: number, max: number}} ScaleLimits */

/**
 * @param {number} v
 * @param {number} lo
 * @param {number} hi
 * @returns {number}
 */
export function clamp(v, lo, hi) {
  return Math.min(hi, Math.max(lo, v));
}

/**
 * The transform that shows a whole image centred in a view, `padding` view pixels from each edge.
 * @param {number} imageW
 * @param {number} imageH
 * @param {number} viewW
 * @param {number} viewH
 * @param {number} [padding]
 * @returns {Transform}
 */
export function fitTransform(imageW, imageH, viewW, viewH, padding = 0) {
  if (imageW <= 0 || imageH <= 0 || viewW <= 0 || viewH <= 0) return { scale: 1, x: 0, y: 0 };
  const availW = Math.max(1, viewW - 2 * padding);
  const availH = Math.max(1, viewH - 2 * padding);
  const scale = Math.min(availW / imageW, availH / imageH);
  return { scale, x: (viewW - imageW * scale) / 2, y: (viewH - imageH * scale) / 2 };
}

/**
 * How far a user may zoom, given the scale that fits the image: out to a quarter of the fit
 * (or of 1:1 for tiny images), in to 32 view pixels per image pixel or 8× the fit.
 * @param {number} fitScale
 * @returns {ScaleLimits}
 */
export function scaleLimits(fitScale) {
  return { min: Math.min(fitScale, 1) / 4, max: Math.max(32, fitScale * 8) };
}

/**
 * Zoom by `factor` keeping the view point (px, py) over the same image point.
 * @param {Transform} t
 * @param {number} factor  >1 zooms in
 * @param {number} px
 * @param {number} py
 * @param {ScaleLimits} [limits]
 * @returns {Transform}
 */
export function zoomAt(t, factor, px, py, limits = { min: 0, max: Infinity }) {
  const scale = clamp(t.scale * factor, limits.min, limits.max);
  const k = scale / t.scale;
  return { scale, x: px - (px - t.x) * k, y: py - (py - t.y) * k };
}

/**
 * Move the image by (dx, dy) view pixels.
 * @param {Transform} t
 * @param {number} dx
 * @param {number} dy
 * @returns {Transform}
 */
export function panBy(t, dx, dy) {
  return { scale: t.scale, x: t.x + dx, y: t.y + dy };
}

/**
 * Keep at least `margin` view pixels of the image inside the view (less when the image is smaller).
 * @param {Transform} t
 * @param {number} imageW
 * @param {number} imageH
 * @param {number} viewW
 * @param {number} viewH
 * @param {number} [margin]
 * @returns {Transform}
 */
export function keepInView(t, imageW, imageH, viewW, viewH, margin = 48) {
  const w = imageW * t.scale;
  const h = imageH * t.scale;
  const mx = Math.min(margin, w, viewW);
  const my = Math.min(margin, h, viewH);
  return { scale: t.scale, x: clamp(t.x, mx - w, viewW - mx), y: clamp(t.y, my - h, viewH - my) };
}

/**
 * The zoom factor of one wheel event: smooth for trackpads, one notch ≈ 15 % for mice.
 * @param {number} deltaY
 * @param {number} [deltaMode]  0 pixels, 1 lines, 2 pages (WheelEvent.deltaMode)
 * @returns {number}
 */
export function wheelZoomFactor(deltaY, deltaMode = 0) {
  const pixels = deltaY * (deltaMode === 1 ? 16 : deltaMode === 2 ? 400 : 1);
  return clamp(Math.exp(-pixels * 0.0015), 0.5, 2);
}

/**
 * The image point under a view point.
 * @param {Transform} t
 * @param {number} vx
 * @param {number} vy
 * @returns {{x: number, y: number}}
 */
export function viewToImage(t, vx, vy) {
  return { x: (vx - t.x) / t.scale, y: (vy - t.y) / t.scale };
}

/**
 * The CSS `transform` for an element whose `transform-origin` is its top-left corner.
 * @param {Transform} t
 * @returns {string}
 */
export function transformCss(t) {
  return `translate(${round(t.x)}px, ${round(t.y)}px) scale(${round(t.scale, 6)})`;
}

/**
 * @param {number} v
 * @param {number} [digits]
 * @returns {number}
 */
function round(v, digits = 2) {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
}
