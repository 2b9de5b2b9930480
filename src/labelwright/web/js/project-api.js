// The REST endpoints behind the project pages: progress, members, schema, guidelines,
// dataset imports and jobs (requests go through api.js for the CSRF header and errors).

import { CSRF_COOKIE, CSRF_HEADER, request, upload } from "./api.js";
import { readCookie } from "./cookies.js";
import { ApiError, errorFromResponse } from "./errors.js";

/**
 * @typedef {object} ClassCount
 * @property {string} class_id
 * @property {string} name
 * @property {string} color
 * @property {number} objects
 * @property {number} items
 * @property {boolean} in_schema
 */

/**
 * @typedef {object} AnnotatorCount
 * @property {number} user_id
 * @property {string} username
 * @property {string} display_name
 * @property {number} items
 * @property {number} submitted
 * @property {number} objects
 */

/**
 * @typedef {object} ProjectStats
 * @property {"everyone" | "own" | "classes"} scope  whose work the figures count
 * @property {number} items
 * @property {Record<string, number>} states
 * @property {ClassCount[]} classes
 * @property {AnnotatorCount[]} annotators
 */

/** @typedef {{version: number, schema: import("./schema-model.js").Schema, rewritten_annotations?: number}} VersionedSchema */
/** @typedef {{text: string, updated_at: string | null, updated_by: number | null}} Guidelines */
/** @typedef {import("./jobs.js").Job} Job */

const base = (/** @type {number} */ projectId) => `/api/projects/${projectId}`;

/**
 * @param {number} projectId
 * @returns {Promise<ProjectStats>}
 */
export const getStats = (projectId) => request("GET", `${base(projectId)}/stats`);

/**
 * Add a member by username (or user id), or change their role.
 * @param {number} projectId
 * @param {string} userRef
 * @param {string} role
 * @returns {Promise<import("./api.js").Member>}
 */
export const putMember = (projectId, userRef, role) =>
  request("PUT", `${base(projectId)}/members/${encodeURIComponent(userRef)}`, { body: { role } });

/**
 * @param {number} projectId
 * @param {string} userRef
 * @returns {Promise<void>}
 */
export const removeMember = (projectId, userRef) =>
  request("DELETE", `${base(projectId)}/members/${encodeURIComponent(userRef)}`);

/**
 * @param {number} projectId
 * @returns {Promise<VersionedSchema>}
 */
export const getSchema = (projectId) => request("GET", `${base(projectId)}/schema`);

/**
 * Replace the schema, stating the version it was edited from (a stale one answers 412).
 * @param {number} projectId
 * @param {number} version
 * @param {import("./schema-model.js").Schema} schema
 * @param {Record<string, string | null>} [remap]  removed class id → class id, or null to delete its objects
 * @returns {Promise<VersionedSchema>}
 */
export const putSchema = (projectId, version, schema, remap = {}) =>
  putIfMatch(`${base(projectId)}/schema`, version, { schema, remap });

/**
 * A PUT with If-Match (api.request sends no extra headers): CSRF token, JSON, ApiError on failure.
 * @param {string} path
 * @param {number} version
 * @param {unknown} body
 * @returns {Promise<any>}
 */
async function putIfMatch(path, version, body) {
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json", "Content-Type": "application/json", "If-Match": `"rev-${version}"` };
  const token = readCookie(document.cookie, CSRF_COOKIE);
  if (token) headers[CSRF_HEADER] = token;
  let response;
  try {
    response = await fetch(path, { method: "PUT", headers, body: JSON.stringify(body), credentials: "same-origin" });
  } catch {
    throw new ApiError(0, "network", "Could not reach the server. Check your connection and try again.");
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) throw errorFromResponse(response.status, data);
  return data;
}

/**
 * @param {number} projectId
 * @returns {Promise<Guidelines>}
 */
export const getGuidelines = (projectId) => request("GET", `${base(projectId)}/guidelines`);

/**
 * @param {number} projectId
 * @param {string} text
 * @returns {Promise<Guidelines>}
 */
export const putGuidelines = (projectId, text) => request("PUT", `${base(projectId)}/guidelines`, { body: { text } });

/**
 * Upload an image for the guidelines; the answer holds the Markdown that shows it.
 * @param {number} projectId
 * @param {File} file
 * @returns {Promise<{sha256: string, url: string, markdown: string}>}
 */
export function uploadGuidelineImage(projectId, file) {
  const form = new FormData();
  form.append("file", file, file.name);
  return upload(`${base(projectId)}/guidelines/images`, form);
}

/**
 * Send a dataset to import: an archive or a main file, a format ("" to detect it), and a
 * model name to store the labels as that model's predictions ("" for annotations).
 * @param {number} projectId
 * @param {File} file
 * @param {string} format
 * @param {string} asPredictions
 * @param {(sent: number, total: number) => void} [onProgress]
 * @returns {Promise<any>} a job to watch, or the finished report
 */
export function importDataset(projectId, file, format, asPredictions, onProgress) {
  const form = new FormData();
  form.append("file", file, file.name);
  if (format) form.append("format", format);
  if (asPredictions) form.append("as_predictions", asPredictions);
  return upload(`${base(projectId)}/imports`, form, onProgress);
}

/**
 * @param {number} projectId
 * @param {number} jobId
 * @param {AbortSignal} [signal]
 * @returns {Promise<Job>}
 */
export const getJob = (projectId, jobId, signal) => request("GET", `${base(projectId)}/jobs/${jobId}`, { signal });

/**
 * Ask a job to stop (managers, or whoever started it).
 * @param {number} projectId
 * @param {number} jobId
 * @returns {Promise<Job>}
 */
export const cancelJob = (projectId, jobId) => request("POST", `${base(projectId)}/jobs/${jobId}/cancel`);

/**
 * @typedef {object} ModelInfo
 * @property {string} name
 * @property {"batch" | "interactive"} kind
 * @property {string} description
 * @property {string[]} labels
 * @property {string[]} kinds
 * @property {boolean} available
 * @property {string | null} extra
 */

/**
 * Every registered model, with what it emits and whether it can run here.
 * @returns {Promise<ModelInfo[]>}
 */
export const listModels = () => request("GET", "/api/models");

/**
 * Queue a pre-labeling job (managers).
 * @param {number} projectId
 * @param {Record<string, unknown>} body  see POST /prelabel in the API docs
 * @returns {Promise<Job>}
 */
export const startPrelabel = (projectId, body) => request("POST", `${base(projectId)}/prelabel`, { body });
