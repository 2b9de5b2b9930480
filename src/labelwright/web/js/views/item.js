// One item: the image fitted to the window with zoom (wheel) and pan (drag), its metadata,
// a frame slider for animated images, and ←/→ through the listing it was opened from.

import * as api from "../api.js";
import { errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatBytes, formatDate, formatSize, stateLabel } from "../format.js";
import { actionFor, isTypingTarget } from "../keys.js";
import { addPage, getListing, startListing } from "../listing-cache.js";
import { filtersFromQuery, filtersToQuery, neighbourId, pageQuery } from "../listing.js";
import { hashFor } from "../router.js";
import { similarPanel } from "../components/similar-panel.js";
import {
  fitTransform, keepInView, scaleLimits, transformCss, wheelZoomFactor, zoomAt,
} from "../viewport.js";

/** @typedef {"prev" | "next" | "back" | "zoomIn" | "zoomOut" | "fit" | "actual" | "prevFrame" | "nextFrame"} Action */

/** Hotkeys of the item view, as data. */
export const ITEM_KEYS = /** @type {const} */ ({
  ArrowLeft: "prev",
  ArrowRight: "next",
  Escape: "back",
  "+": "zoomIn",
  "=": "zoomIn",
  "-": "zoomOut",
  "0": "fit",
  "1": "actual",
  ",": "prevFrame",
  ".": "nextFrame",
  "Shift+ArrowLeft": "prevFrame",
  "Shift+ArrowRight": "nextFrame",
});

/** When opened without a listing (a reload, a shared link), search this many pages for the item. */
const MAX_SEARCH_PAGES = 10;
const SEARCH_PAGE_SIZE = 200;

/**
 * @param {HTMLElement} root
 * @param {import("../router.js").Route} route
 * @returns {import("../main.js").ViewHandle}
 */
export function mount(root, route) {
  const projectId = Number(route.params.projectId);
  let itemId = Number(route.params.itemId);
  let query = route.query;
  const filters = filtersFromQuery(query);
  const listing = getListing(projectId, filters) ?? startListing(projectId, filters);
  /** @type {api.Item | null} */
  let item = null;
  let frame = 0;
  /** @type {import("../viewport.js").Transform} */
  let t = { scale: 1, x: 0, y: 0 };
  let fitted = true;
  let loadToken = 0;
  /** @type {Map<number, string>} */
  const batchNames = new Map();

  const gridHref = () => hashFor(`/projects/${projectId}`, filtersToQuery(filters));

  // ---- Layout ----
  const title = h("h1", { class: "item-title" });
  const position = h("span", { class: "muted small item-position", "aria-live": "polite" });
  const prevBtn = h("button", { type: "button", class: "btn btn-icon", "aria-label": "Previous item (←)", title: "Previous item (←)", onclick: () => step(-1) }, "‹");
  const nextBtn = h("button", { type: "button", class: "btn btn-icon", "aria-label": "Next item (→)", title: "Next item (→)", onclick: () => step(1) }, "›");
  const zoomLabel = h("output", { class: "zoom-label", "aria-label": "Zoom level" }, "100%");
  const bar = h("div", { class: "item-bar" },
    h("a", { class: "btn btn-quiet", href: gridHref(), title: "Back to the grid (Esc)" }, "← Grid"),
    h("div", { class: "item-title-wrap" }, title, position),
    h("a", { class: "btn", href: `#/projects/${projectId}/items/${itemId}/edit`, onclick: (/** @type {MouseEvent} */ e) => { /** @type {HTMLAnchorElement} */ (e.currentTarget).href = `#/projects/${projectId}/items/${itemId}/edit`; } }, "Open in editor"),
    h("div", { class: "btn-group" },
      h("button", { type: "button", class: "btn btn-icon", "aria-label": "Zoom out (−)", title: "Zoom out (−)", onclick: () => zoomBy(1 / 1.25) }, "−"),
      zoomLabel,
      h("button", { type: "button", class: "btn btn-icon", "aria-label": "Zoom in (+)", title: "Zoom in (+)", onclick: () => zoomBy(1.25) }, "+"),
      h("button", { type: "button", class: "btn", title: "Fit to window (0)", onclick: fit }, "Fit"),
      h("button", { type: "button", class: "btn", title: "Actual size (1)", onclick: actualSize }, "1:1")),
    h("div", { class: "btn-group" }, prevBtn, nextBtn));

  const img = h("img", { class: "stage-image", alt: "", draggable: "false" });
  const stageStatus = h("div", { class: "stage-status" });
  const stage = h("div", {
    class: "stage", tabindex: 0, role: "img", "aria-roledescription": "zoomable image",
    "aria-label": "Image. Scroll to zoom, drag to pan.",
  }, img, stageStatus);

  const frameSlider = h("input", {
    type: "range", id: "frame-slider", min: 0, max: 0, step: 1, value: 0,
    oninput: () => showFrame(Number(frameSlider.value)),
  });
  const frameLabel = h("output", { for: "frame-slider", class: "small" });
  const frameBar = h("div", { class: "frame-bar", hidden: true },
    h("label", { for: "frame-slider" }, "Frame"), frameSlider, frameLabel);

  const meta = h("dl", { class: "meta" });
  const similar = similarPanel(projectId, () => query);
  const side = h("aside", { class: "item-side", "aria-label": "Item details" },
    h("h2", null, "Details"), meta, similar.element,
    h("h2", null, "Keys"),
    h("ul", { class: "keys small" },
      keyHint("← →", "previous / next item"), keyHint("Esc", "back to the grid"),
      keyHint("wheel, + −", "zoom"), keyHint("drag", "pan"), keyHint("0 / 1", "fit / actual size"),
      keyHint(", .  ⇧← ⇧→", "previous / next frame")));

  root.append(h("div", { class: "item-view" }, bar,
    h("div", { class: "item-body" }, h("div", { class: "stage-col" }, stage, frameBar), side)));

  // ---- Viewport ----
  function apply() {
    if (!item) return;
    const r = stage.getBoundingClientRect();
    t = keepInView(t, item.image.width, item.image.height, r.width, r.height);
    img.style.transform = transformCss(t);
    img.classList.toggle("pixelated", t.scale >= 3);
    zoomLabel.textContent = `${Math.round(t.scale * 100)}%`;
  }

  function fitScale() {
    if (!item) return 1;
    const r = stage.getBoundingClientRect();
    return fitTransform(item.image.width, item.image.height, r.width, r.height, 16).scale;
  }

  function fit() {
    if (!item) return;
    const r = stage.getBoundingClientRect();
    t = fitTransform(item.image.width, item.image.height, r.width, r.height, 16);
    fitted = true;
    apply();
  }

  function actualSize() {
    const r = stage.getBoundingClientRect();
    zoomBy(1 / t.scale, r.width / 2, r.height / 2);
  }

  /**
   * @param {number} factor
   * @param {number} [px] view point that stays put (default: the centre)
   * @param {number} [py]
   */
  function zoomBy(factor, px, py) {
    const r = stage.getBoundingClientRect();
    t = zoomAt(t, factor, px ?? r.width / 2, py ?? r.height / 2, scaleLimits(fitScale()));
    fitted = false;
    apply();
  }

  stage.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = stage.getBoundingClientRect();
    zoomBy(wheelZoomFactor(e.deltaY, e.deltaMode), e.clientX - r.left, e.clientY - r.top);
  }, { passive: false });

  /** @type {{id: number, x: number, y: number} | null} */
  let drag = null;
  stage.addEventListener("pointerdown", (e) => {
    if (e.button !== 0) return;
    drag = { id: e.pointerId, x: e.clientX, y: e.clientY };
    stage.setPointerCapture(e.pointerId);
    stage.classList.add("dragging");
  });
  stage.addEventListener("pointermove", (e) => {
    if (!drag || e.pointerId !== drag.id) return;
    t = { scale: t.scale, x: t.x + e.clientX - drag.x, y: t.y + e.clientY - drag.y };
    drag.x = e.clientX;
    drag.y = e.clientY;
    fitted = false;
    apply();
  });
  const endDrag = (/** @type {PointerEvent} */ e) => {
    if (!drag || e.pointerId !== drag.id) return;
    drag = null;
    stage.classList.remove("dragging");
  };
  stage.addEventListener("pointerup", endDrag);
  stage.addEventListener("pointercancel", endDrag);
  stage.addEventListener("dblclick", (e) => {
    const r = stage.getBoundingClientRect();
    if (fitted) zoomBy(2, e.clientX - r.left, e.clientY - r.top);
    else fit();
  });

  const resizer = new ResizeObserver(() => (fitted ? fit() : apply()));
  resizer.observe(stage);

  // ---- Keyboard ----
  /** @param {KeyboardEvent} e */
  function onKey(e) {
    const target = /** @type {HTMLElement | null} */ (e.target instanceof HTMLElement ? e.target : null);
    if (isTypingTarget(target)) return;
    const action = actionFor(ITEM_KEYS, e);
    if (!action) return;
    // The frame slider moves itself with the plain arrow keys.
    if (target === frameSlider && (e.key === "ArrowLeft" || e.key === "ArrowRight") && !e.shiftKey) return;
    if (action === "back" && document.querySelector("dialog[open]")) return;
    e.preventDefault();
    run(action);
  }

  /** @param {Action} action */
  function run(action) {
    switch (action) {
      case "prev": step(-1); break;
      case "next": step(1); break;
      case "back": location.hash = gridHref(); break;
      case "zoomIn": zoomBy(1.25); break;
      case "zoomOut": zoomBy(1 / 1.25); break;
      case "fit": fit(); break;
      case "actual": actualSize(); break;
      case "prevFrame": showFrame(frame - 1); break;
      case "nextFrame": showFrame(frame + 1); break;
    }
  }
  document.addEventListener("keydown", onKey);

  // ---- Listing ----
  /** @param {number} delta */
  async function step(delta) {
    let target = neighbourId(listing.items.map((i) => i.id), itemId, delta);
    if (target === null && delta > 0 && !listing.done && listing.items.some((i) => i.id === itemId)) {
      await loadPage(SEARCH_PAGE_SIZE);
      target = neighbourId(listing.items.map((i) => i.id), itemId, delta);
    }
    if (target === null) return;
    listing.focusId = target;
    location.replace(hashFor(`/projects/${projectId}/items/${target}`, query));
  }

  /** @param {number} limit */
  async function loadPage(limit) {
    const page = await api.listItems(projectId, pageQuery(filters, listing.next, limit));
    addPage(listing, page);
  }

  /** Opened without the listing loaded this far: load pages until the item turns up. */
  async function findInListing() {
    for (let n = 0; n < MAX_SEARCH_PAGES && !listing.done; n++) {
      if (listing.items.some((i) => i.id === itemId)) return;
      try {
        await loadPage(SEARCH_PAGE_SIZE);
      } catch {
        return;
      }
    }
  }

  function renderPosition() {
    const ids = listing.items.map((i) => i.id);
    const i = ids.indexOf(itemId);
    prevBtn.disabled = i <= 0;
    nextBtn.disabled = i < 0 || (i === ids.length - 1 && listing.done);
    position.textContent = i < 0 ? "" : `${(i + 1).toLocaleString("en")} of ${ids.length.toLocaleString("en")}${listing.done ? "" : "+"}`;
  }

  // ---- Item ----
  /** @param {number} n */
  function showFrame(n) {
    if (!item) return;
    const count = item.image.frame_count;
    if (count <= 1) return;
    frame = Math.max(0, Math.min(count - 1, n));
    frameSlider.value = String(frame);
    frameLabel.textContent = `${frame + 1} / ${count}`;
    setSource(api.frameUrl(projectId, item.id, frame));
    if (frame + 1 < count) new Image().src = api.frameUrl(projectId, item.id, frame + 1);
  }

  /** @param {string} src */
  function setSource(src) {
    if (img.getAttribute("src") === src) return;
    stage.setAttribute("aria-busy", "true");
    const token = ++loadToken;
    const loader = new Image();
    loader.decoding = "async";
    loader.onload = () => {
      if (token !== loadToken) return;
      img.src = src;
      stage.removeAttribute("aria-busy");
      stageStatus.replaceChildren();
      img.hidden = false;
    };
    loader.onerror = () => {
      if (token !== loadToken) return;
      stage.removeAttribute("aria-busy");
      replace(stageStatus, errorBox("The image could not be loaded."));
    };
    loader.src = src;
  }

  function renderMeta() {
    if (!item) return;
    const im = item.image;
    const rows = [
      ["State", h("span", { class: `badge state-badge state-${item.state}` }, stateLabel(item.state))],
      ["Size", `${formatSize(im)} px`],
      ["Format", im.format.toUpperCase()],
      im.frame_count > 1 ? ["Frames", String(im.frame_count)] : null,
      ["File size", formatBytes(im.size_bytes)],
      ["Batch", item.batch_id === null ? "—" : batchNames.get(item.batch_id) ?? `#${item.batch_id}`],
      ["Added", formatDate(item.created_at)],
      ["SHA-256", h("code", { title: im.sha256 }, `${im.sha256.slice(0, 12)}…`)],
      ["Item id", String(item.id)],
    ];
    replace(meta, rows.filter((r) => r !== null).map(([k, v]) => [h("dt", null, k), h("dd", null, v)]).flat(),
      h("dt", null, "Original"), h("dd", null, h("a", { href: item.image_url, target: "_blank", rel: "noopener" }, "Open in a new tab")));
  }

  async function load() {
    const wanted = itemId;
    similar.show(wanted);
    img.hidden = true;
    img.removeAttribute("src");
    replace(stageStatus, spinner("Loading image…"));
    item = listing.items.find((i) => i.id === wanted) ?? null;
    if (item) showItem();
    try {
      const fresh = await api.getItem(projectId, wanted);
      if (wanted !== itemId) return;
      const first = !item;
      item = fresh;
      if (first) showItem();
      else renderMeta();
    } catch (err) {
      if (wanted !== itemId) return;
      if (!item) {
        title.textContent = "Item not found";
        document.title = "Item · Labelwright";
        replace(stageStatus, errorBox(messageOf(err), load));
      }
      return;
    }
    if (!listing.items.some((i) => i.id === wanted)) {
      await findInListing();
      if (wanted === itemId) renderPosition();
    }
    prefetchNeighbours();
  }

  function showItem() {
    if (!item) return;
    title.textContent = item.file_name;
    title.title = item.file_name;
    document.title = `${item.file_name} · Labelwright`;
    stage.setAttribute("aria-label", `${item.file_name}, ${formatSize(item.image)} pixels. Scroll to zoom, drag to pan.`);
    frame = 0;
    const frames = item.image.frame_count;
    frameBar.hidden = frames <= 1;
    frameSlider.max = String(Math.max(0, frames - 1));
    frameSlider.value = "0";
    frameLabel.textContent = frames > 1 ? `1 / ${frames}` : "";
    img.style.aspectRatio = `${item.image.width} / ${item.image.height}`;
    img.style.width = `${item.image.width}px`;
    img.style.height = `${item.image.height}px`;
    fit();
    setSource(frames > 1 ? api.frameUrl(projectId, item.id, 0) : item.image_url);
    renderMeta();
    renderPosition();
  }

  function prefetchNeighbours() {
    const ids = listing.items.map((i) => i.id);
    for (const d of [1, -1]) {
      const id = neighbourId(ids, itemId, d);
      const next = id === null ? null : listing.items.find((i) => i.id === id);
      if (next && next.image.frame_count <= 1) new Image().src = next.image_url;
    }
  }

  api.listBatches(projectId).then((batches) => {
    for (const b of batches) batchNames.set(b.id, b.name || `Batch ${b.id}`);
    renderMeta();
  }, () => {});

  load();
  stage.focus({ preventScroll: true });

  return {
    update(next) {
      if (Number(next.params.projectId) !== projectId) return false;
      if (JSON.stringify(filtersFromQuery(next.query)) !== JSON.stringify(filters)) return false;
      query = next.query;
      itemId = Number(next.params.itemId);
      load();
      return true;
    },
    unmount() {
      document.removeEventListener("keydown", onKey);
      resizer.disconnect();
      loadToken++;
    },
  };
}

/**
 * @param {string} keys
 * @param {string} what
 * @returns {HTMLElement}
 */
function keyHint(keys, what) {
  return h("li", null, h("kbd", null, keys), " ", what);
}
