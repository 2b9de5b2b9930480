// The API calls of the editor. Saves carry If-Match, which the app's shared request helper
// does not send, so this module makes its requests itself (same CSRF header, same errors).

import { CSRF_COOKIE, CSRF_HEADER } from "../api.js";
import { readCookie } from "../cookies.js";
import { ApiError, errorFromResponse } from "../errors.js";

/**
 * @typedef {object} AnnotationHead
 * @property {number | null} annotation_id
 * @property {number} item_id
 * @property {number} user_id
 * @property {number} revision
 * @property {boolean} submitted
 * @property {import("./store.js").AnnotationDoc} body
 */

/**
 * @typedef {object} Lease
 * @property {number} assignment_id
 * @property {number} item_id
 * @property {"annotate" | "review"} kind
 * @property {string} expires_at
 * @property {import("../api.js").Item} [item]
 */

/** @typedef {{id: number, item_id: number, model: string, run: string, object_count: number, body: import("./store.js").AnnotationDoc}} Prediction */

/**
 * One JSON request; throws ApiError (status 0 when the server could not be reached).
 * @param {string} method
 * @param {string} path
 * @param {{body?: unknown, ifMatch?: number}} [options]
 * @returns {Promise<any>}
 */
export async function call(method, path, options = {}) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (method !== "GET") {
    const token = readCookie(document.cookie, CSRF_COOKIE);
    if (token) headers[CSRF_HEADER] = token;
  }
  if (options.ifMatch !== undefined) headers["If-Match"] = `"rev-${options.ifMatch}"`;
  if (options.body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method, headers, credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    });
  } catch {
    throw new ApiError(0, "network", "Could not reach the server; your changes are kept and will be saved when it answers.");
  }
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw errorFromResponse(response.status, data);
  return data;
}

/** @param {number} p */
const base = (p) => `/api/projects/${p}`;

/**
 * @param {number} projectId
 * @returns {Promise<{version: number, schema: import("./schema.js").LabelSchema}>}
 */
export const getSchema = (projectId) => call("GET", `${base(projectId)}/schema`);

/**
 * The caller's own annotation of an item (revision 0 before the first save).
 * @param {number} projectId
 * @param {number} itemId
 * @returns {Promise<AnnotationHead>}
 */
export const getOwnAnnotation = (projectId, itemId) => call("GET", `${base(projectId)}/items/${itemId}/annotation`);

/**
 * Every annotation of an item the caller may see (reviewers: everyone's).
 * @param {number} projectId
 * @param {number} itemId
 * @returns {Promise<AnnotationHead[]>}
 */
export const listAnnotations = (projectId, itemId) => call("GET", `${base(projectId)}/items/${itemId}/annotations`);

/**
 * Save the caller's annotation of an item over `revision`.
 * @param {number} projectId
 * @param {number} itemId
 * @param {import("./store.js").AnnotationDoc} body
 * @param {number} revision
 * @returns {Promise<AnnotationHead>}
 */
export const saveOwnAnnotation = (projectId, itemId, body, revision) =>
  call("PUT", `${base(projectId)}/items/${itemId}/annotation`, { body, ifMatch: revision });

/**
 * Save an annotation by id over `revision` (a reviewer fixing someone's work).
 * @param {number} projectId
 * @param {number} annotationId
 * @param {import("./store.js").AnnotationDoc} body
 * @param {number} revision
 * @returns {Promise<AnnotationHead>}
 */
export const saveAnnotation = (projectId, annotationId, body, revision) =>
  call("PUT", `${base(projectId)}/annotations/${annotationId}`, { body, ifMatch: revision });

/**
 * @param {number} projectId
 * @param {number} itemId
 * @returns {Promise<Prediction[]>}
 */
export const listPredictions = (projectId, itemId) => call("GET", `${base(projectId)}/items/${itemId}/predictions`);

/**
 * Lease the next item of a queue; null when nothing is left. With `ahead`, lease the item
 * after the one being worked on (handed out by the next plain call after a submit).
 * @param {number} projectId
 * @param {"annotate" | "review"} kind
 * @param {boolean} [ahead]
 * @returns {Promise<Lease | null>}
 */
export const nextInQueue = (projectId, kind, ahead = false) => call("POST", `${base(projectId)}/queue/next?kind=${kind}${ahead ? "&ahead=true" : ""}`);

/**
 * @param {number} projectId
 * @param {number} assignmentId
 * @returns {Promise<Lease>}
 */
export const heartbeat = (projectId, assignmentId) => call("POST", `${base(projectId)}/assignments/${assignmentId}/heartbeat`);

/**
 * @param {number} projectId
 * @param {number} assignmentId
 * @returns {Promise<{status: string, item_state: string}>}
 */
export const submit = (projectId, assignmentId) => call("POST", `${base(projectId)}/assignments/${assignmentId}/submit`);

/**
 * @param {number} projectId
 * @param {number} assignmentId
 * @param {"accept" | "reject"} decision
 * @param {string} comment
 * @returns {Promise<{status: string, item_state: string}>}
 */
export const review = (projectId, assignmentId, decision, comment) =>
  call("POST", `${base(projectId)}/assignments/${assignmentId}/review`, { body: { decision, comment } });

/**
 * @param {number} projectId
 * @param {number} assignmentId
 * @returns {Promise<unknown>}
 */
export const release = (projectId, assignmentId) => call("POST", `${base(projectId)}/assignments/${assignmentId}/release`);
