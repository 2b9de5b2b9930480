// The API calls of the editor. Saves carry If-Match, which the app's shared request helper
// does not send, so this module makes its requests itself (same CSRF header, same errors).

import { CSRF_COOKIE, CSRF_HEADER, parseBody, takeEarly } from "../api.js";
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
    // A GET the page started early (see takeEarly) is answered by that response.
    response = await ((method === "GET" && takeEarly(path)) || fetch(path, {
      method, headers, credentials: "same-origin",
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
    }));
  } catch {
    throw new ApiError(0, "network", "Could not reach the server; your changes are kept and will be saved when it answers.");
  }
  const data = await parseBody(response);
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
 * Renew a lease, reporting the seconds of real editing since the previous beat.
 * @param {number} projectId
 * @param {number} assignmentId
 * @param {number} [activeSeconds]
 * @returns {Promise<Lease>}
 */
export const heartbeat = (projectId, assignmentId, activeSeconds = 0) =>
  call("POST", `${base(projectId)}/assignments/${assignmentId}/heartbeat`, { body: { active_seconds: Math.min(3600, Math.max(0, activeSeconds)) } });

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

// --- review comments, gold, AI assist -----------------------------------------------

/**
 * An item's review comments, oldest first.
 * @param {number} projectId
 * @param {number} itemId
 * @returns {Promise<import("./anchors.js").Comment[]>}
 */
export const listComments = (projectId, itemId) => call("GET", `${base(projectId)}/items/${itemId}/comments`);

/**
 * Pin a comment to the item, a point, a region or an object.
 * @param {number} projectId
 * @param {number} itemId
 * @param {string} body
 * @param {import("./anchors.js").Anchor} anchor
 * @returns {Promise<import("./anchors.js").Comment>}
 */
export const addComment = (projectId, itemId, body, anchor) =>
  call("POST", `${base(projectId)}/items/${itemId}/comments`, { body: { body, anchor } });

/**
 * Resolve a comment, or open it again.
 * @param {number} projectId
 * @param {number} commentId
 * @param {"open" | "resolved"} status
 * @returns {Promise<import("./anchors.js").Comment>}
 */
export const setCommentStatus = (projectId, commentId, status) =>
  call("PATCH", `${base(projectId)}/comments/${commentId}`, { body: { status } });

/** @typedef {{id: number, item_id: number, reviewer_id: number | null, decision: "accept" | "reject", reason: string, comment: string, created_at: string}} ReviewDecision */

/**
 * An item's review decisions, oldest first.
 * @param {number} projectId
 * @param {number} itemId
 * @returns {Promise<ReviewDecision[]>}
 */
export const listReviews = (projectId, itemId) => call("GET", `${base(projectId)}/items/${itemId}/reviews`);

/**
 * The project's gold items (managers).
 * @param {number} projectId
 * @returns {Promise<{item_id: number, body: import("./store.js").AnnotationDoc, created_by: number | null, created_at: string}[]>}
 */
export const listGold = (projectId) => call("GET", `${base(projectId)}/gold`);

/**
 * Make an item gold with this annotation as its known answer (managers).
 * @param {number} projectId
 * @param {number} itemId
 * @param {import("./store.js").AnnotationDoc} body
 * @returns {Promise<{item_id: number}>}
 */
export const setGold = (projectId, itemId, body) => call("PUT", `${base(projectId)}/items/${itemId}/gold`, { body: { body } });

/** @typedef {{name: string, kind: string, description: string, labels: string[], kinds: string[], available: boolean, missing: string[]}} ModelInfo */

/** @returns {Promise<ModelInfo[]>} */
export const listModels = () => call("GET", "/api/models");

/**
 * Segment the object a box and clicks point at.
 * @param {number} projectId
 * @param {number} itemId
 * @param {ReturnType<typeof import("./assist-prompt.js").segmentRequest>} request
 * @returns {Promise<import("./assist-prompt.js").Segment>}
 */
export const segment = (projectId, itemId, request) => call("POST", `${base(projectId)}/items/${itemId}/segment`, { body: request });

/**
 * Run a model on the item now (with `example`, find copies of that box); the answer is stored
 * as a prediction of the item.
 * @param {number} projectId
 * @param {number} itemId
 * @param {{model: string, min_score?: number, example?: {x: number, y: number, w: number, h: number}}} request
 * @returns {Promise<{prediction_id: number}>}
 */
export const predict = (projectId, itemId, request) => call("POST", `${base(projectId)}/items/${itemId}/predict`, { body: request });
