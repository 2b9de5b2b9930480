// The item listing of a project: its filters, the API query for a page, and stepping through it.
// Pure: no DOM access.

/** The workflow states of an item, in the order of the labeling flow. */
export const ITEM_STATES = Object.freeze([
  "new", "prelabeled", "annotating", "submitted", "in_review", "accepted", "rejected", "delivered",
]);

/** The orders the item listing supports. */
export const ORDERS = Object.freeze(["id", "name"]);

/** How many items one page of the grid asks for. */
export const PAGE_SIZE = 60;

/**
 * @typedef {object} Filters
 * @property {string} state  "" for every state
 * @property {string} batch  a batch id as text, "" for every batch
 * @property {string} name   a file-name prefix, "" for any name
 * @property {"id" | "name"} order
 * @property {string} [cls]         a class id: items with objects of it, "" for any
 * @property {string} [annotator]   a user id as text: items they annotated, "" for anyone
 * @property {string} [minObjects]  an annotation holds at least this many objects ("" for no limit)
 * @property {string} [maxObjects]  at most this many objects ("" for no limit)
 */

/**
 * Filters from a route's query, with anything unknown dropped.
 * @param {Record<string, string>} query
 * @returns {Filters}
 */
export function filtersFromQuery(query) {
  const state = ITEM_STATES.includes(query.state) ? query.state : "";
  const batch = /^\d+$/.test(query.batch ?? "") ? query.batch : "";
  const name = typeof query.name === "string" ? query.name : "";
  const order = query.order === "name" ? "name" : "id";
  const digits = (/** @type {string | undefined} */ v) => (/^\d{1,9}$/.test(v ?? "") ? String(v) : "");
  const cls = /^[A-Za-z0-9_.:-]{1,64}$/.test(query.class ?? "") ? query.class : "";
  return { state, batch, name, order, cls, annotator: digits(query.annotator), minObjects: digits(query.min_objects), maxObjects: digits(query.max_objects) };
}

/**
 * Filters as the query of a route: defaults are left out so URLs stay short.
 * @param {Filters} filters
 * @returns {Record<string, string>}
 */
export function filtersToQuery(filters) {
  /** @type {Record<string, string>} */
  const out = {};
  if (filters.state) out.state = filters.state;
  if (filters.batch) out.batch = filters.batch;
  if (filters.name) out.name = filters.name;
  if (filters.order && filters.order !== "id") out.order = filters.order;
  if (filters.cls) out.class = filters.cls;
  if (filters.annotator) out.annotator = filters.annotator;
  if (filters.minObjects) out.min_objects = filters.minObjects;
  if (filters.maxObjects) out.max_objects = filters.maxObjects;
  return out;
}

/**
 * One text that is equal for equal listings (same project, same filters).
 * @param {number} projectId
 * @param {Filters} filters
 * @returns {string}
 */
export function listingKey(projectId, filters) {
  return JSON.stringify([projectId, filters.state, filters.batch, filters.name, filters.order,
    filters.cls ?? "", filters.annotator ?? "", filters.minObjects ?? "", filters.maxObjects ?? ""]);
}

/**
 * The query of `GET /api/projects/{id}/items` for one page.
 * @param {Filters} filters
 * @param {string | null} after  the `next` of the previous page, null for the first
 * @param {number} [limit]
 * @returns {import("./query.js").QueryParams}
 */
export function pageQuery(filters, after, limit = PAGE_SIZE) {
  return {
    state: filters.state || null,
    batch: filters.batch || null,
    name: filters.name || null,
    order: filters.order === "name" ? "name" : null,
    class: filters.cls || null,
    annotator: filters.annotator || null,
    min_objects: filters.minObjects || null,
    max_objects: filters.maxObjects || null,
    after,
    limit,
  };
}

/**
 * The id `delta` places away from `id` in a list of ids, or null past either end or when `id` is absent.
 * @param {number[]} ids
 * @param {number} id
 * @param {number} delta
 * @returns {number | null}
 */
export function neighbourId(ids, id, delta) {
  const i = ids.indexOf(id);
  if (i < 0) return null;
  const j = i + delta;
  return j >= 0 && j < ids.length ? ids[j] : null;
}
