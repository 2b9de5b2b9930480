// The drawing surface: two stacked canvases (image, overlay), zoom to the cursor with the
// wheel, pan with Space+drag or the middle button, fit and 1:1, brightness and contrast, and
// pointer events handed to the active tool in image coordinates. Redraws at most once a frame.

import { h } from "../dom.js";
import { clamp, fitTransform, scaleLimits, viewToImage, wheelZoomFactor, zoomAt } from "../viewport.js";
import { Renderer } from "./renderer.js";

/** How long after the last zoom or pan step the overlay is drawn in full again. */
const SETTLE_MS = 120;

/** One canvas stage for one image. */
export class CanvasView {
  /**
   * @param {{width: number, height: number}} size  the image's size in pixels
   * @param {() => import("./renderer.js").Scene} scene
   * @param {() => import("./tools/tool.js").Tool} tool  the active tool
   */
  constructor(size, scene, tool) {
    this.size = size;
    this.scene = scene;
    this.tool = tool;
    this.imageCanvas = h("canvas", { class: "editor-image" });
    this.overlayCanvas = h("canvas", { class: "editor-overlay" });
    this.el = h("div", { class: "editor-stage", tabindex: 0, "aria-label": "Image to annotate. Scroll to zoom, Space+drag to pan." },
      this.imageCanvas, this.overlayCanvas);
    this.renderer = new Renderer(this.imageCanvas, this.overlayCanvas);
    /** @type {import("../viewport.js").Transform} */
    this.t = { scale: 1, x: 0, y: 0 };
    /** @type {{image: CanvasImageSource, shownScale: number} | null} */
    this.sharper = null;
    this.fitted = true;
    this.spaceHeld = false;
    /** @type {{id: number, x: number, y: number} | null} */
    this.pan = null;
    this.imageDirty = true;
    this.overlayDirty = true;
    this.frameRequested = false;
    /** Whether the canvases have their size: drawing before would be thrown away. */
    this.sized = false;
    this.moving = false;
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    this.settleTimer = undefined;
    /** @type {(() => void) | null} called after each zoom or pan */
    this.onView = null;
    this.resizer = new ResizeObserver(() => this.resize());
    this.resizer.observe(this.el);
    this.listen();
  }

  /**
   * @param {CanvasImageSource} image
   */
  setImage(image) {
    this.sharper = null;
    this.renderer.image = image;
    this.renderer.width = this.size.width;
    this.renderer.height = this.size.height;
    this.redrawImage();
  }

  resize() {
    const r = this.el.getBoundingClientRect();
    if (!r.width || !r.height) return;
    this.renderer.resize(r.width, r.height, window.devicePixelRatio || 1);
    this.sized = true;
    if (this.fitted) this.t = this.fitTransform();
    this.imageDirty = true;
    this.overlayDirty = true;  // resizing a canvas clears it
    this.drawNow();
  }

  /** @returns {import("../viewport.js").Transform} */
  fitTransform() {
    const r = this.el.getBoundingClientRect();
    return fitTransform(this.size.width, this.size.height, r.width, r.height, 12);
  }

  fit() {
    this.t = this.fitTransform();
    this.fitted = true;
    this.viewChanged();
  }

  actualSize() {
    const r = this.el.getBoundingClientRect();
    this.zoom(1 / this.t.scale, r.width / 2, r.height / 2);
  }

  /**
   * @param {number} factor
   * @param {number} [px]
   * @param {number} [py]
   */
  zoom(factor, px, py) {
    const r = this.el.getBoundingClientRect();
    this.t = zoomAt(this.t, factor, px ?? r.width / 2, py ?? r.height / 2, scaleLimits(this.fitTransform().scale));
    this.fitted = false;
    this.viewChanged();
  }

  /**
   * @param {number} dx
   * @param {number} dy
   */
  panBy(dx, dy) {
    this.t = { scale: this.t.scale, x: this.t.x + dx, y: this.t.y + dy };
    this.fitted = false;
    this.viewChanged();
  }

  viewChanged() {
    // While the view moves, the last full overlay is shown moved and scaled (one bitmap copy a
    // frame, whatever the object count); the full overlay is redrawn once the motion pauses.
    if (!this.moving) this.renderer.takeSnapshot();
    this.moving = true;
    clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.moving = false;
      this.redraw();
    }, SETTLE_MS);
    this.imageDirty = true;
    this.redraw();
    this.onView?.();
  }

  /**
   * @param {number} brightness  1 is unchanged
   * @param {number} contrast    1 is unchanged
   */
  setAdjustments(brightness, contrast) {
    // A CSS filter on the image layer: the compositor applies it, no pixel is read back.
    this.imageCanvas.style.filter = brightness === 1 && contrast === 1 ? "" : `brightness(${brightness}) contrast(${contrast})`;
  }

  /**
   * A sharper copy of the shown image (the original, behind a display copy): drawn from the
   * first frame that magnifies the shown copy, so no one pays its raster cost before then.
   * @param {CanvasImageSource} image
   * @param {number} shownScale  the view scale up to which the shown copy is sharp enough
   */
  offerSharper(image, shownScale) {
    this.sharper = { image, shownScale };
    this.requestFrame();  // swaps now if the view already magnifies the shown copy
  }

  /** Ask for the objects to be drawn again at the next animation frame. */
  redraw() {
    this.overlayDirty = true;
    this.requestFrame();
  }

  /**
   * Ask for the image alone to be drawn again: the objects over it are unchanged, and drawing
   * thousands of them again (and rasterising them) would double the cost of opening an item.
   */
  redrawImage() {
    this.imageDirty = true;
    this.requestFrame();
  }

  requestFrame() {
    if (this.frameRequested) return;
    this.frameRequested = true;
    requestAnimationFrame(() => this.drawNow());
  }

  drawNow() {
    this.frameRequested = false;
    if (!this.sized) return;  // resize() draws once the stage has its size
    const dpr = window.devicePixelRatio || 1;
    if (this.sharper && this.t.scale * dpr > this.sharper.shownScale) {
      this.renderer.image = this.sharper.image;
      this.sharper = null;
      this.imageDirty = true;
    }
    if (this.imageDirty) this.renderer.drawImage(this.t);
    this.imageDirty = false;
    if (!this.overlayDirty) return;
    if (this.moving && this.renderer.drawSnapshot(this.t)) return;  // drawn in full once settled
    this.renderer.drawOverlay(this.t, this.scene());
    this.overlayDirty = false;
  }

  /**
   * A pointer event as a tool sees it: image coordinates kept inside the image.
   * @param {PointerEvent | MouseEvent} e
   * @returns {import("./tools/tool.js").ToolPointer}
   */
  toolPointer(e) {
    const r = this.el.getBoundingClientRect();
    const p = viewToImage(this.t, e.clientX - r.left, e.clientY - r.top);
    return {
      x: clamp(p.x, 0, this.size.width), y: clamp(p.y, 0, this.size.height),
      shift: e.shiftKey, alt: e.altKey, ctrl: e.ctrlKey || e.metaKey, detail: e.detail,
    };
  }

  listen() {
    const el = this.el;
    el.addEventListener("wheel", (e) => {
      e.preventDefault();
      const r = el.getBoundingClientRect();
      this.zoom(wheelZoomFactor(e.deltaY, e.deltaMode), e.clientX - r.left, e.clientY - r.top);
    }, { passive: false });
    el.addEventListener("pointerdown", (e) => {
      el.focus({ preventScroll: true });
      if (e.button === 1 || (e.button === 0 && this.spaceHeld)) {
        e.preventDefault();
        this.pan = { id: e.pointerId, x: e.clientX, y: e.clientY };
        el.setPointerCapture(e.pointerId);
        el.classList.add("panning");
        return;
      }
      if (e.button !== 0) return;
      el.setPointerCapture(e.pointerId);
      this.tool().down?.(this.toolPointer(e));
      this.redraw();
    });
    el.addEventListener("pointermove", (e) => {
      if (this.pan && e.pointerId === this.pan.id) {
        this.panBy(e.clientX - this.pan.x, e.clientY - this.pan.y);
        this.pan.x = e.clientX;
        this.pan.y = e.clientY;
        return;
      }
      this.tool().move?.(this.toolPointer(e));
    });
    const end = (/** @type {PointerEvent} */ e) => {
      if (this.pan && e.pointerId === this.pan.id) {
        this.pan = null;
        el.classList.remove("panning");
        return;
      }
      this.tool().up?.(this.toolPointer(e));
      this.redraw();
    };
    el.addEventListener("pointerup", end);
    el.addEventListener("pointercancel", end);
    el.addEventListener("dblclick", (e) => this.tool().dblclick?.(this.toolPointer(e)));
    el.addEventListener("contextmenu", (e) => e.preventDefault());
  }

  /** @param {boolean} held */
  setSpace(held) {
    this.spaceHeld = held;
    this.el.classList.toggle("pan-ready", held);
  }

  dispose() {
    clearTimeout(this.settleTimer);
    this.resizer.disconnect();
  }
}
