// One item open for editing: the store, the spatial index, the canvas, the tools, the panels
// and autosave, wired together. The editor view makes one per item and disposes of it after.

import { displayUrl, frameUrl, needsDisplayCopy, takeEarlyImage } from "../api.js";
import { h } from "../dom.js";
import { addObjects, cloneObjects, newId, relabelObjects, removeObjects } from "./commands.js";
import { CanvasView } from "./canvas-view.js";
import { shapeBounds } from "./geometry.js";
import { objectAt, objectsInRect } from "./hit-test.js";
import { maskBounds, maskHit } from "./masks.js";
import { attributePanel } from "./panels/attributes.js";
import { classPicker } from "./panels/classes.js";
import { conflictDialog } from "./panels/conflict.js";
import { objectList } from "./panels/objects.js";
import { predictionPanel } from "./panels/predictions.js";
import { tagPanel } from "./panels/tags.js";
import { Saver } from "./saver.js";
import { classById, classForKind, defaultAttributes, kindOfTool, TOOL_FOR_KIND } from "./schema.js";
import { GridIndex } from "./spatial-index.js";
import { EditorStore } from "./store.js";
import { makeTools, TOOLS } from "./tools/index.js";

/** Objects copied with Ctrl+C, kept across items of this tab. */
/** @type {import("./store.js").AnnotationObject[]} */
let clipboard = [];

/**
 * @typedef {object} WorkspaceOptions
 * @property {number} projectId
 * @property {import("../api.js").Item} item
 * @property {import("./remote.js").AnnotationHead} head
 * @property {import("./schema.js").LabelSchema} schema
 * @property {import("./hotkeys.js").Keymap} keymap
 * @property {import("./remote.js").Prediction[]} predictions
 * @property {boolean} readOnly
 * @property {(body: import("./store.js").AnnotationDoc, revision: number) => Promise<{revision: number}>} save
 * @property {(state: import("./autosave.js").SaveState) => void} onSaveState
 * @property {(text: string) => void} say
 * @property {Promise<ImageBitmap>} [preview]  the item's display copy, already loading: a
 *   view that knows the item's id starts it beside the API calls (see `decodedImage`)
 */

/** The performance mark set when an opened item's first full frame has been shown. */
export const FIRST_FRAME_MARK = "labelwright:first-frame";

/** Resolves once the next frame has been drawn and shown (two animation frames on). */
const afterFirstFrame = () => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)));

/**
 * An image fetched and decoded off the main thread, ready to draw. An `<img>` decoded with
 * decode() is decoded again, on the main thread, the first time a canvas draws it (36 ms and
 * more for a 2048-pixel copy, in the frame that first shows the item); an ImageBitmap is not.
 * An image the page started early (see index.html) is taken if there is one.
 * @param {string} src  a same-origin path
 * @returns {Promise<ImageBitmap>}
 */
export async function decodedImage(src) {
  const early = takeEarlyImage(src);
  if (early) return early;
  const response = await fetch(src, { credentials: "same-origin" });
  if (!response.ok) throw new Error(`${src} answered ${response.status}`);
  return createImageBitmap(await response.blob(), { imageOrientation: "from-image" });
}

/** Everything needed to edit one item. */
export class Workspace {
  /** @param {WorkspaceOptions} o */
  constructor(o) {
    this.o = o;
    this.schema = o.schema;
    this.readOnly = o.readOnly;
    this.store = new EditorStore();
    this.index = new GridIndex(Math.max(64, Math.ceil(Math.max(o.item.image.width, o.item.image.height) / 48)));
    /** @type {Set<string>} */
    this.hidden = new Set();
    /** @type {Set<string>} */
    this.locked = new Set();
    this.frame = 0;
    this.classId = o.schema.classes[0]?.id ?? null;
    this.toolName = "select";
    this.brush = { size: 12, instance: true };
    this.adjust = { brightness: 1, contrast: 1 };
    /**
     * Whether the object list shows the objects: it fills in once the first frame with the
     * image is out, since laying out its rows would delay that frame.
     */
    this.listFilled = false;
    /** @type {() => void} */
    this.markOnScreen = () => {};
    /**
     * Resolves once the item is on screen, image and objects (or its image failed): work that
     * is not part of that first frame waits for it rather than delaying it.
     * @type {Promise<void>}
     */
    this.onScreen = new Promise((resolve) => { this.markOnScreen = resolve; });
    this.onScreen.then(() => this.fillList());
    this.store.subscribe((e) => this.onStoreEvent(e));
    this.canvas = new CanvasView(o.item.image, () => this.scene(), () => this.tools[this.toolName]);
    this.env = this.toolEnv();
    this.tools = makeTools(this.env);
    this.panels = this.makePanels();
    this.toolbar = this.makeToolbar();
    this.side = h("aside", { class: "editor-side", "aria-label": "Editor panels" },
      this.panels.classes.el, this.panels.attributes.el, this.panels.tags.el, this.panels.objects.el, this.panels.predictions.el);
    this.store.load(o.head.body);  // its "load" event builds the index and fills the panels
    this.saver = new Saver(this.store, o.head.revision, o.save, (s) => this.onSaveState(s));
    this.loadImage();
  }

  /** @returns {import("./tools/tool.js").ToolEnv} */
  toolEnv() {
    return {
      store: this.store,
      image: this.o.item.image,
      scale: () => this.canvas.t.scale,
      frame: () => this.frame,
      classFor: (kind) => classForKind(this.schema, this.classId, kind),
      create: (kind, shape) => this.create(kind, shape),
      hit: (x, y) => this.hit(x, y),
      within: (r) => objectsInRect({ index: this.index, z: (id) => this.store.z(id), skip: (id) => !this.shown(id) || this.locked.has(id) }, r),
      // A hidden object may stay selected (h shows it again) but is not dragged unseen.
      editable: (id) => !this.readOnly && !this.locked.has(id) && !this.hidden.has(id),
      vertex: null,
      brush: this.brush,
      redraw: () => this.canvas.redraw(),
      say: (text) => this.o.say(text),
    };
  }

  /**
   * Add a new object of the current class (or the first class allowing the kind).
   * @param {string} kind
   * @param {any} shape
   * @returns {string | null}
   */
  create(kind, shape) {
    if (this.readOnly) return null;
    const cls = classForKind(this.schema, this.classId, kind);
    if (!cls) {
      this.o.say(`No class of this project allows ${kind.replace("_", " ")} shapes`);
      return null;
    }
    const obj = { id: newId("o"), class_id: cls.id, shape, attributes: defaultAttributes(cls), frame: this.frame, source: "manual" };
    this.store.apply(addObjects(this.store, [obj], `Add ${kind.replace("_", " ")}`));
    this.store.select(obj.id);
    return obj.id;
  }

  /**
   * @param {number} x
   * @param {number} y
   * @returns {string | null}
   */
  hit(x, y) {
    return objectAt({
      index: this.index,
      get: (id) => this.store.objects.get(id),
      z: (id) => this.store.z(id),
      skip: (id) => !this.shown(id),
      maskHit: (obj, px, py) => obj.shape.kind === "mask" && maskHit(obj.shape, px, py),
    }, x, y, 5 / this.canvas.t.scale);
  }

  /** @param {string} id */
  shown(id) {
    return !this.hidden.has(id) && this.store.objects.get(id)?.frame === this.frame;
  }

  /** @returns {import("./renderer.js").Scene} */
  scene() {
    const tool = this.tools?.[this.toolName];
    return {
      store: this.store,
      index: this.index,
      colorOf: (cid) => classById(this.schema, cid)?.color ?? "#888888",
      edgesOf: (cid) => classById(this.schema, cid)?.skeleton?.edges ?? [],
      shown: (id) => this.shown(id),
      vertex: this.env?.vertex ?? null,
      predictions: this.panels?.predictions.visible() ?? [],
      hoverPrediction: this.panels?.predictions.hover ?? null,
      drawDraft: (ctx, scale) => tool?.draw?.(ctx, scale),
    };
  }

  /** @param {import("./store.js").StoreEvent} e */
  onStoreEvent(e) {
    if (e.type === "load") {
      this.index.clear();
      for (const o of this.store.objects.values()) this.index.set(o.id, this.boundsOf(o));
    } else if (e.type === "doc") {
      for (const id of e.ids ?? []) {
        const o = this.store.objects.get(id);
        if (o) this.index.set(id, this.boundsOf(o));
        else this.index.delete(id);
      }
    }
    this.canvas?.redraw();
    if (!this.panels) return;
    if (e.type === "selection") {
      this.panels.attributes.render();
      if (this.listFilled) this.panels.objects.markSelected();
    } else this.renderPanels();
  }

  /** @param {import("./store.js").AnnotationObject} o */
  boundsOf(o) {
    if (o.shape.kind === "tag") return null;
    return shapeBounds(o.shape, o.shape.kind === "mask" ? maskBounds(o.shape) : null);
  }

  makePanels() {
    const readOnly = () => this.readOnly;
    const redraw = () => this.canvas.redraw();
    return {
      classes: classPicker(this.schema, this.o.keymap, (id) => this.pickClass(id)),
      attributes: attributePanel(this.store, this.schema, readOnly, this.o.say),
      tags: tagPanel(this.schema, this.store, readOnly),
      objects: objectList({ store: this.store, schema: this.schema, hidden: this.hidden, locked: this.locked, frame: () => this.frame, readOnly, redraw }),
      predictions: predictionPanel(this.o.predictions, this.store, this.schema, () => this.frame, readOnly, redraw),
    };
  }

  renderPanels() {
    this.panels.classes.render(this.classId);
    this.panels.attributes.render();
    this.panels.tags.render();
    if (this.listFilled) this.panels.objects.render();
    this.panels.predictions.render();
  }

  /** Show the objects in the object list (from then on it follows every change). */
  fillList() {
    if (this.listFilled) return;
    this.listFilled = true;
    this.panels.objects.render();
  }

  /** @param {string} id */
  pickClass(id) {
    this.classId = id;
    const chosen = this.store.selectedObjects();
    const cls = classById(this.schema, id);
    // With objects selected, a class key relabels those whose shape the class allows.
    const relabel = cls && !this.readOnly ? relabelObjects(chosen, cls) : null;
    if (relabel) this.store.apply(relabel);
    else if (!chosen.length && cls && this.toolName === "select" && cls.shape_kinds[0] !== "tag") {
      this.setTool(TOOL_FOR_KIND[/** @type {keyof typeof TOOL_FOR_KIND} */ (cls.shape_kinds[0])] ?? "select");
    }
    this.renderPanels();
  }

  /** @param {string} name */
  setTool(name) {
    if (!this.tools[name] || (this.readOnly && name !== "select")) return;
    this.tools[this.toolName].cancel?.();
    this.toolName = name;
    const kind = kindOfTool(name);
    if (kind && !classForKind(this.schema, this.classId, kind)) this.o.say(`No class of this project allows ${kind.replace("_", " ")} shapes`);
    this.canvas.el.style.cursor = this.tools[name].cursor;
    this.canvas.el.dataset.tool = name;
    for (const b of this.toolbar.querySelectorAll("[data-tool]")) b.setAttribute("aria-pressed", String(/** @type {HTMLElement} */ (b).dataset.tool === name));
    this.canvas.redraw();
  }

  makeToolbar() {
    const brushSize = h("input", { type: "range", min: 1, max: 200, value: this.brush.size, id: "brush-size", "aria-label": "Brush size",
      oninput: () => { this.brush.size = Number(brushSize.value); this.canvas.redraw(); } });
    const instance = h("input", { type: "checkbox", checked: true, id: "brush-instance",
      onchange: () => { this.brush.instance = instance.checked; } });
    const brightness = h("input", { type: "range", min: 20, max: 300, value: 100, id: "adj-brightness", "aria-label": "Brightness",
      oninput: () => this.canvas.setAdjustments(Number(brightness.value) / 100, Number(contrast.value) / 100) });
    const contrast = h("input", { type: "range", min: 20, max: 300, value: 100, id: "adj-contrast", "aria-label": "Contrast",
      oninput: () => this.canvas.setAdjustments(Number(brightness.value) / 100, Number(contrast.value) / 100) });
    this.brushSizeInput = brushSize;
    return h("div", { class: "editor-tools", role: "toolbar", "aria-label": "Tools" },
      TOOLS.map(([name, label]) => h("button", {
        type: "button", class: "tool-btn", dataset: { tool: name }, "aria-pressed": String(name === this.toolName),
        disabled: this.readOnly && name !== "select", title: label, onclick: () => this.setTool(name),
      }, label)),
      h("label", { class: "tool-opt small", for: "brush-size" }, "Brush ", brushSize),
      h("label", { class: "tool-opt small", for: "brush-instance" }, instance, " instance"),
      h("label", { class: "tool-opt small", for: "adj-brightness" }, "Bright ", brightness),
      h("label", { class: "tool-opt small", for: "adj-contrast" }, "Contrast ", contrast));
  }

  loadImage() {
    const { image } = this.o.item;
    const count = image.frame_count;
    const src = count > 1 ? frameUrl(this.o.projectId, this.o.item.id, this.frame) : this.o.item.image_url;
    // Decoded off the main thread (decodedImage), so the annotation is processed meanwhile and
    // the first draw does not stall on a 12-megapixel JPEG.
    /** @param {ImageBitmap} img */
    const show = (img) => {
      this.canvas.setImage(img);
      this.canvas.el.dataset.loaded = "true";
      afterFirstFrame().then(() => {
        // The item is on screen, image and objects: what bench/editor.py times.
        performance.clearMarks(FIRST_FRAME_MARK);
        performance.mark(FIRST_FRAME_MARK);
        this.markOnScreen();
      });
    };
    /** @param {string} text */
    const failed = (text) => {
      this.o.say(text);
      this.markOnScreen();
    };
    if (!needsDisplayCopy(image)) {
      // A small still image's display copy is the original itself: the one already loading.
      const original = (count <= 1 && this.o.preview) || decodedImage(src);
      original.then(show, () => failed("The image could not be loaded"));
    } else {
      // A large image paints first from its display copy (at most 2048 px a side); the
      // original then loads in the background and is drawn once a zoom needs its pixels.
      const preview = this.o.preview ?? decodedImage(displayUrl(this.o.projectId, this.o.item.id));
      preview.then(
        (shown) => {
          show(shown);
          // Once the first frame is out: fetching and decoding twelve megapixels meanwhile
          // would slow it down.
          afterFirstFrame().then(() => decodedImage(src)).then(
            (img) => this.canvas.offerSharper(img, shown.width / image.width),
            () => this.o.say("The full-resolution image could not be loaded"),
          );
        },
        () => decodedImage(src).then(show, () => failed("The image could not be loaded")),
      );
    }
    if (count > 1 && this.frame + 1 < count) new Image().src = frameUrl(this.o.projectId, this.o.item.id, this.frame + 1);
  }

  /** @param {number} n */
  showFrame(n) {
    const count = this.o.item.image.frame_count;
    const next = Math.max(0, Math.min(count - 1, n));
    if (next === this.frame) return;
    this.tools[this.toolName].cancel?.();
    this.frame = next;
    this.store.select(null);
    this.loadImage();
    this.canvas.redraw();  // another frame shows other objects
    this.renderPanels();
    this.o.say(`Frame ${next + 1} of ${count}`);
  }

  /**
   * Run an editor action; false when it does not apply here.
   * @param {string} action
   * @returns {boolean}
   */
  run(action) {
    const tool = this.tools[this.toolName];
    if (tool.key?.(action)) return true;
    if (action.startsWith("tool:")) {
      this.setTool(action.slice(5));
      return true;
    }
    if (action.startsWith("class:")) {
      this.pickClass(action.slice(6));
      return true;
    }
    const handler = this.actions()[action];
    if (!handler) return false;
    handler();
    return true;
  }

  /** @returns {Record<string, () => void>} */
  actions() {
    const store = this.store;
    const edit = (/** @type {() => void} */ fn) => () => { if (!this.readOnly) fn(); };
    return {
      undo: edit(() => store.undo()),
      redo: edit(() => store.redo()),
      delete: edit(() => this.deleteSelected()),
      backspace: edit(() => this.deleteSelected()),
      cancel: () => (this.tools[this.toolName].busy?.() ? this.tools[this.toolName].cancel?.() : store.select(null)),
      selectNext: () => this.cycle(1),
      selectPrev: () => this.cycle(-1),
      selectAll: () => this.selectAll(),
      toggleHidden: () => this.toggleHidden(),
      copy: () => this.copy(),
      paste: edit(() => this.paste()),
      fit: () => this.canvas.fit(),
      actual: () => this.canvas.actualSize(),
      zoomIn: () => this.canvas.zoom(1.25),
      zoomOut: () => this.canvas.zoom(1 / 1.25),
      prevFrame: () => this.showFrame(this.frame - 1),
      nextFrame: () => this.showFrame(this.frame + 1),
      copyToNextFrame: edit(() => this.copyToNextFrame()),
      brushSmaller: () => this.setBrush(Math.max(1, Math.round(this.brush.size / 1.25))),
      brushLarger: () => this.setBrush(Math.min(200, Math.round(this.brush.size * 1.25) + 1)),
      finish: () => {},
      occluded: () => {},
      skipNode: () => {},
    };
  }

  /** @param {number} size */
  setBrush(size) {
    this.brush.size = size;
    if (this.brushSizeInput) this.brushSizeInput.value = String(size);
    this.o.say(`Brush ${size} px`);
    this.canvas.redraw();
  }

  /** Delete the selected objects, but not the locked ones. */
  deleteSelected() {
    const ids = [...this.store.selection].filter((id) => !this.locked.has(id));
    if (ids.length) this.store.apply(removeObjects(this.store, ids));
  }

  /** @param {number} step */
  cycle(step) {
    const ids = this.store.order.filter((id) => this.shown(id));
    if (!ids.length) return;
    // From the object picked last, when several are selected.
    const last = [...this.store.selection].pop();
    const i = last ? ids.indexOf(last) : -1;
    this.store.select(ids[(i + step + ids.length) % ids.length]);
  }

  /** Select every object shown on this frame (hidden ones stay out). */
  selectAll() {
    this.store.setSelection(this.store.order.filter((id) => this.shown(id)));
    this.o.say(`${this.store.selection.size} object${this.store.selection.size === 1 ? "" : "s"} selected`);
  }

  /** Hide the selected objects, or show them again when all are hidden. */
  toggleHidden() {
    const ids = [...this.store.selection];
    if (!ids.length) return;
    const hide = ids.some((id) => !this.hidden.has(id));
    for (const id of ids) {
      if (hide) this.hidden.add(id);
      else this.hidden.delete(id);
    }
    this.renderPanels();
    this.canvas.redraw();
  }

  /** Copy the selected objects, or every object on this frame when none is selected. */
  copy() {
    const chosen = this.store.selectedObjects();
    clipboard = structuredClone(chosen.length ? chosen : this.store.order.map((id) => /** @type {any} */ (this.store.objects.get(id))).filter((o) => o.frame === this.frame));
    this.o.say(`Copied ${clipboard.length} object${clipboard.length === 1 ? "" : "s"}`);
  }

  paste() {
    const { width, height } = this.o.item.image;
    // Objects from a larger image may not fit this one; those are left out, not clipped.
    const fits = clipboard.filter((o) => {
      const b = this.boundsOf(o);
      return o.shape.kind !== "mask" ? !b || (b.maxX <= width && b.maxY <= height) : o.shape.rle.size[0] === height && o.shape.rle.size[1] === width;
    });
    if (!fits.length) {
      this.o.say(clipboard.length ? "The copied objects do not fit this image" : "Nothing copied yet (Ctrl+C)");
      return;
    }
    const copies = cloneObjects(fits, { frame: this.frame });
    this.store.apply(addObjects(this.store, copies, `Paste ${copies.length}`));
    this.store.setSelection(copies.map((o) => o.id));
    if (fits.length < clipboard.length) this.o.say(`${clipboard.length - fits.length} copied objects do not fit this image`);
  }

  copyToNextFrame() {
    const sel = this.store.selectedObject();
    const count = this.o.item.image.frame_count;
    if (!sel || this.frame + 1 >= count) return;
    const track = sel.track ?? newId("t");
    const [copy] = cloneObjects([sel], { frame: this.frame + 1, track });
    const before = sel;
    this.store.apply({
      label: "Copy to next frame",
      objects: [{ id: sel.id, before, after: { ...sel, track } }, { id: copy.id, before: null, after: copy }],
      order: { before: this.store.order, after: [...this.store.order, copy.id] },
    });
    this.showFrame(this.frame + 1);
    this.store.select(copy.id);
  }

  /** @param {import("./autosave.js").SaveState} s */
  onSaveState(s) {
    this.o.onSaveState(s);
    if (s.status === "conflict" && s.conflict && !document.querySelector("dialog.editor-conflict")) {
      const dialog = conflictDialog(this.store.toDocument(), s.conflict.body, {
        keepTheirs: () => this.saver.keepTheirs(),
        keepMine: () => this.saver.keepMine(),
      });
      document.body.append(dialog);
      dialog.showModal();
    }
  }

  /** @param {boolean} readOnly */
  setReadOnly(readOnly) {
    this.readOnly = readOnly;
    if (readOnly) this.setTool("select");
    for (const b of this.toolbar.querySelectorAll("[data-tool]")) /** @type {HTMLButtonElement} */ (b).disabled = readOnly && /** @type {HTMLElement} */ (b).dataset.tool !== "select";
    this.renderPanels();
  }

  dispose() {
    this.saver.dispose();
    this.canvas.dispose();
    document.querySelector("dialog.editor-conflict")?.remove();
  }
}
