// The last item listing the grid showed, kept so the item view can step through it (←/→)
// and the grid can come back to where it was. No DOM access.

import { listingKey } from "./listing.js";

/**
 * @typedef {object} CachedListing
 * @property {string} key           listingKey(projectId, filters)
 * @property {number} projectId
 * @property {import("./listing.js").Filters} filters
 * @property {import("./api.js").Item[]} items  loaded so far, in listing order
 * @property {string | null} next   cursor of the page after them
 * @property {boolean} done         no pages left
 * @property {number | null} focusId  the item last opened, to scroll back to
 */

/** @type {CachedListing | null} */
let cached = null;

/**
 * The cached listing for these filters, or null.
 * @param {number} projectId
 * @param {import("./listing.js").Filters} filters
 * @returns {CachedListing | null}
 */
export function getListing(projectId, filters) {
  const key = listingKey(projectId, filters);
  return cached && cached.key === key ? cached : null;
}

/**
 * Start a new cached listing (dropping the old one).
 * @param {number} projectId
 * @param {import("./listing.js").Filters} filters
 * @returns {CachedListing}
 */
export function startListing(projectId, filters) {
  cached = { key: listingKey(projectId, filters), projectId, filters: { ...filters }, items: [], next: null, done: false, focusId: null };
  return cached;
}

/**
 * Add a page to a listing.
 * @param {CachedListing} listing
 * @param {import("./api.js").ItemPage} page
 */
export function addPage(listing, page) {
  const seen = new Set(listing.items.map((i) => i.id));
  for (const item of page.items) if (!seen.has(item.id)) listing.items.push(item);
  listing.next = page.next;
  listing.done = !page.next;
}

/** Forget the cached listing (after an upload, say, when it is stale). */
export function dropListing() {
  cached = null;
}
