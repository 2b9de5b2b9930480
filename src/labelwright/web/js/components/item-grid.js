// The grid of item thumbnails: pages load as the end scrolls into view (keyset cursor `next`).

import * as api from "../api.js";
import { errorBox, h, replace } from "../dom.js";
import { messageOf } from "../errors.js";
import { plural, stateLabel } from "../format.js";
import { addPage, getListing, startListing } from "../listing-cache.js";
import { filtersToQuery, pageQuery } from "../listing.js";
import { hashFor } from "../router.js";

/**
 * @typedef {object} ItemGrid
 * @property {HTMLElement} el
 * @property {(filters: import("../listing.js").Filters) => void} setFilters
 * @property {() => void} reload   drop what is loaded and start again (after an upload)
 * @property {(id: number, state: string) => void} updateItem  show a state that changed elsewhere (live)
 * @property {() => void} destroy
 */

/**
 * @param {number} projectId
 * @param {import("../listing.js").Filters} initial
 * @returns {ItemGrid}
 */
export function itemGrid(projectId, initial) {
  let filters = { ...initial };
  let listing = getListing(projectId, filters) ?? startListing(projectId, filters);
  /** @type {AbortController | null} */
  let inflight = null;
  let failed = false;

  const grid = h("ul", { class: "item-grid", "aria-label": "Items", onkeydown: onGridKey });
  const status = h("p", { class: "grid-status muted", role: "status" });
  const more = h("button", { type: "button", class: "btn", hidden: true, onclick: () => loadMore() }, "Load more");
  const sentinel = h("div", { class: "grid-sentinel", "aria-hidden": "true" });
  const footer = h("div", { class: "grid-footer" }, status, more);
  const el = h("div", { class: "item-grid-wrap" }, grid, sentinel, footer);

  const observer = new IntersectionObserver((entries) => {
    if (entries.some((e) => e.isIntersecting)) loadMore();
  }, { rootMargin: "0px 0px 800px 0px" });
  observer.observe(sentinel);

  /** @param {api.Item} item */
  function card(item) {
    const href = hashFor(`/projects/${projectId}/items/${item.id}`, filtersToQuery(filters));
    const frames = item.image.frame_count > 1;
    return h("li", { class: "item-cell" },
      h("a", {
        class: "item-card", href, dataset: { id: String(item.id) },
        onclick: () => { listing.focusId = item.id; },
        "aria-label": `${item.file_name}, ${stateLabel(item.state)}${frames ? `, ${item.image.frame_count} frames` : ""}`,
      },
      h("span", { class: "thumb" },
        h("img", { src: item.thumbnail_url, alt: "", loading: "lazy", decoding: "async" }),
        frames && h("span", { class: "thumb-tag" }, `${item.image.frame_count} frames`)),
      h("span", { class: "item-meta" },
        h("span", { class: "item-name", title: item.file_name }, item.file_name),
        h("span", { class: `badge state-badge state-${item.state}` }, stateLabel(item.state)))));
  }

  function renderStatus() {
    const n = listing.items.length;
    more.hidden = listing.done || failed || inflight !== null;
    if (inflight && !n) status.textContent = "Loading items…";
    else if (!n && listing.done) status.textContent = "No items match these filters.";
    else if (listing.done) status.textContent = n > 0 ? `All ${plural(n, "item")} shown.` : "";
    else status.textContent = inflight ? `${plural(n, "item")} shown, loading more…` : `${plural(n, "item")} shown.`;
  }

  async function loadMore() {
    if (inflight || listing.done || failed) return;
    const target = listing;
    const controller = new AbortController();
    inflight = controller;
    renderStatus();
    try {
      const page = await api.listItems(projectId, pageQuery(target.filters, target.next), controller.signal);
      if (target !== listing) return;
      const before = target.items.length;
      addPage(target, page);
      grid.append(...target.items.slice(before).map(card));
    } catch (err) {
      if (err instanceof DOMException && err.name === "AbortError") return;
      failed = true;
      footer.after(errorBox(messageOf(err), () => {
        failed = false;
        el.querySelector(".error-box")?.remove();
        loadMore();
      }));
    } finally {
      if (inflight === controller) inflight = null;
      renderStatus();
    }
    // Observers only report changes: look again in case the end is still in view.
    if (target === listing && !listing.done) {
      observer.unobserve(sentinel);
      observer.observe(sentinel);
    }
  }

  function restart() {
    inflight?.abort();
    inflight = null;
    failed = false;
    el.querySelector(".error-box")?.remove();
    grid.replaceChildren();
    listing = startListing(projectId, filters);
    renderStatus();
    loadMore();
  }

  /** Arrow keys move between thumbnails; Home/End jump to the first/last loaded. */
  function onGridKey(/** @type {KeyboardEvent} */ e) {
    const cards = /** @type {HTMLElement[]} */ ([...grid.querySelectorAll(".item-card")]);
    const i = cards.indexOf(/** @type {HTMLElement} */ (document.activeElement));
    if (i < 0 || e.altKey || e.ctrlKey || e.metaKey) return;
    const columns = Math.max(1, getComputedStyle(grid).gridTemplateColumns.split(" ").length);
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -columns, ArrowDown: columns }[e.key];
    let j = step === undefined ? -1 : i + step;
    if (e.key === "Home") j = 0;
    if (e.key === "End") j = cards.length - 1;
    if (j < 0 || j >= cards.length) return;
    e.preventDefault();
    cards[j].focus();
  }

  // Coming back from an item: show what was loaded and return to the item last opened.
  if (listing.items.length) {
    grid.append(...listing.items.map(card));
    renderStatus();
    const focusId = listing.focusId;
    if (focusId !== null) {
      requestAnimationFrame(() => {
        const a = /** @type {HTMLElement | null} */ (grid.querySelector(`[data-id="${focusId}"]`));
        a?.scrollIntoView({ block: "center" });
        a?.focus({ preventScroll: true });
      });
    }
  } else {
    renderStatus();
    loadMore();
  }

  return {
    el,
    setFilters(next) {
      filters = { ...next };
      const cached = getListing(projectId, filters);
      if (cached && cached.items.length) {
        inflight?.abort();
        inflight = null;
        listing = cached;
        replace(grid, listing.items.map(card));
        renderStatus();
        return;
      }
      restart();
    },
    reload: restart,
    updateItem(id, state) {
      const item = listing.items.find((i) => i.id === id);
      if (!item || item.state === state) return;
      item.state = state;
      grid.querySelector(`[data-id="${id}"]`)?.closest("li")?.replaceWith(card(item));
    },
    destroy() {
      observer.disconnect();
      inflight?.abort();
    },
  };
}
