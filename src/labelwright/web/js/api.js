// The REST API: JSON in and out, the CSRF header, sign-in on 401, errors as ApiError.

import { readCookie } from "./cookies.js";
import { ApiError, errorFromResponse } from "./errors.js";
import { withQuery } from "./query.js";

/**
 * @typedef {object} User
 * @property {number} id
 * @property {string} username
 * @property {string} display_name
 * @property {boolean} is_admin
 * @property {boolean} is_active
 */

/**
 * @typedef {object} Project
 * @property {number} id
 * @property {string} name
 * @property {string} description
 * @property {number} overlap
 * @property {string} created_at
 * @property {string | null} role
 * @property {Record<string, number>} counts
 */

/**
 * @typedef {object} ImageInfo
 * @property {number} width
 * @property {number} height
 * @property {number} frame_count
 * @property {string} format
 * @property {number} size_bytes
 * @property {string} sha256
 */

/**
 * @typedef {object} Item
 * @property {number} id
 * @property {number} project_id
 * @property {string} file_name
 * @property {string} state
 * @property {number | null} batch_id
 * @property {string} created_at
 * @property {ImageInfo} image
 * @property {string} image_url
 * @property {string} thumbnail_url
 */

/** @typedef {{items: Item[], next: string | null}} ItemPage */
/** @typedef {{id: number, name: string, note: string, created_at: string}} Batch */
/** @typedef {{user: User, role: string}} Member */

/**
 * @typedef {object} Job
 * @property {number} id
 * @property {string} kind
 * @property {string} state
 * @property {number} done
 * @property {number | null} total
 * @property {{manifest?: import("./exports.js").Manifest} & Record<string, unknown>} result
 * @property {string} error
 * @property {string} created_at
 * @property {string | null} finished_at
 */

export const CSRF_COOKIE = "lw_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

/**
 * A GET request's answer as index.html read it: its status and its body already parsed (JSON,
 * or null), so a large annotation is parsed while the page still waits for its modules.
 * @typedef {{ok: boolean, status: number, parsed: unknown}} EarlyAnswer
 */

/**
 * Answers to GET requests the page started before the app ran, by path: index.html starts
 * the first requests of the view its address shows (its "requests" in the route table).
 * @type {Map<string, Promise<EarlyAnswer>>}
 */
const early = /** @type {any} */ (globalThis).labelwrightEarly ?? new Map();

/**
 * The answer to a GET of `path` that the page started early, once; undefined when none.
 * @param {string} path
 * @returns {Promise<EarlyAnswer> | undefined}
 */
export function takeEarly(path) {
  const found = early.get(path);
  early.delete(path);
  return found;
}

/**
 * The image at `path` as the page fetched and decoded it early, once; undefined when none.
 * @param {string} path
 * @returns {Promise<ImageBitmap> | undefined}
 */
export function takeEarlyImage(path) {
  const found = /** @type {Promise<ImageBitmap> | undefined} */ (/** @type {unknown} */ (early.get(`image:${path}`)));
  early.delete(`image:${path}`);
  return found;
}

/** Forget the early responses nobody took (the address changed: they may be stale by now). */
export function dropEarly() {
  early.clear();
}

/** @type {string | null} the token from the last sign-in, should the cookie be unreadable */
let csrfFallback = null;
/** @type {(() => void) | null} */
let unauthorizedHandler = null;

/**
 * What to do when a request answers 401 (the session ended): the app sends people to sign in.
 * @param {() => void} handler
 */
export function onUnauthorized(handler) {
  unauthorizedHandler = handler;
}

/** @returns {string | null} */
function csrfToken() {
  return readCookie(document.cookie, CSRF_COOKIE) ?? csrfFallback;
}

/**
 * @typedef {object} RequestOptions
 * @property {unknown} [body]            sent as JSON (or as is when FormData)
 * @property {import("./query.js").QueryParams} [query]
 * @property {AbortSignal} [signal]
 * @property {boolean} [signInOn401]     call the unauthorized handler on 401 (default true)
 */

/**
 * Make one API request and return its parsed JSON (null for an empty body).
 * @param {string} method
 * @param {string} path
 * @param {RequestOptions} [options]
 * @returns {Promise<any>}
 */
export async function request(method, path, options = {}) {
  const { body, query, signal, signInOn401 = true } = options;
  /** @type {Record<string, string>} */
  const headers = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") {
    const token = csrfToken();
    if (token) headers[CSRF_HEADER] = token;
  }
  /** @type {BodyInit | undefined} */
  let payload;
  if (body instanceof FormData) payload = body;
  else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = JSON.stringify(body);
  }
  const url = query ? withQuery(path, query) : path;
  let response;
  try {
    response = await ((method === "GET" && !signal && takeEarly(url)) || fetch(url, {
      method, headers, body: payload, signal, credentials: "same-origin",
    }));
  } catch (err) {
    if (err instanceof DOMException && err.name === "AbortError") throw err;
    throw new ApiError(0, "network", "Could not reach the server. Check your connection and try again.");
  }
  const data = await parseBody(response);
  if (!response.ok) {
    if (response.status === 401 && signInOn401 && unauthorizedHandler) unauthorizedHandler();
    throw errorFromResponse(response.status, data);
  }
  return data;
}

/**
 * An answer's JSON body (null when empty or not JSON); an early answer's is parsed already.
 * @param {Response | EarlyAnswer} response
 * @returns {Promise<any>}
 */
export async function parseBody(response) {
  if ("parsed" in response) return response.parsed;  // see takeEarly
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/**
 * Upload files as multipart form data, reporting progress (XMLHttpRequest: fetch cannot yet).
 * @param {string} path
 * @param {FormData} form
 * @param {(sent: number, total: number) => void} [onProgress]
 * @returns {Promise<any>}
 */
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", path);
    xhr.setRequestHeader("Accept", "application/json");
    const token = csrfToken();
    if (token) xhr.setRequestHeader(CSRF_HEADER, token);
    if (onProgress) xhr.upload.addEventListener("progress", (e) => onProgress(e.loaded, e.total));
    xhr.addEventListener("error", () =>
      reject(new ApiError(0, "network", "The upload was interrupted. Check your connection and try again.")));
    xhr.addEventListener("load", () => {
      let data = null;
      try {
        data = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        data = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else {
        if (xhr.status === 401 && unauthorizedHandler) unauthorizedHandler();
        reject(errorFromResponse(xhr.status, data));
      }
    });
    xhr.send(form);
  });
}

// ---- Endpoints -------------------------------------------------------------------------------

/**
 * Sign in; the server sets the session and CSRF cookies.
 * @param {string} username
 * @param {string} password
 * @returns {Promise<User>}
 */
export async function login(username, password) {
  const out = await request("POST", "/api/auth/login", { body: { username, password }, signInOn401: false });
  csrfFallback = out.csrf_token;
  return out.user;
}

/** @returns {Promise<void>} */
export async function logout() {
  await request("POST", "/api/auth/logout", { signInOn401: false });
  csrfFallback = null;
}

/**
 * The signed-in user, or null when nobody is.
 * @returns {Promise<User | null>}
 */
export async function me() {
  try {
    return await request("GET", "/api/auth/me", { signInOn401: false });
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

/** @returns {Promise<Project[]>} */
export const listProjects = () => request("GET", "/api/projects");

/**
 * @param {number} id
 * @returns {Promise<Project>}
 */
export const getProject = (id) => request("GET", `/api/projects/${id}`);

/**
 * @param {{name: string, description: string}} body
 * @returns {Promise<Project>}
 */
export const createProject = (body) => request("POST", "/api/projects", { body });

/**
 * @param {number} projectId
 * @param {import("./query.js").QueryParams} query
 * @param {AbortSignal} [signal]
 * @returns {Promise<ItemPage>}
 */
export const listItems = (projectId, query, signal) =>
  request("GET", `/api/projects/${projectId}/items`, { query, signal });

/**
 * @param {number} projectId
 * @param {number} itemId
 * @returns {Promise<Item>}
 */
export const getItem = (projectId, itemId) => request("GET", `/api/projects/${projectId}/items/${itemId}`);

/**
 * @param {number} projectId
 * @param {number} itemId
 * @param {number} frame
 * @returns {string}
 */
export const frameUrl = (projectId, itemId, frame) => `/api/projects/${projectId}/items/${itemId}/frames/${frame}`;

/** Images larger than this on their longest side have a display copy (see GET …/display). */
export const DISPLAY_SIDE = 2048;

/**
 * The URL of an item's display copy: the original, shrunk to at most DISPLAY_SIDE a side.
 * @param {number} projectId
 * @param {number} itemId
 */
export const displayUrl = (projectId, itemId) => `/api/projects/${projectId}/items/${itemId}/display`;

/**
 * Whether painting the display copy first pays: a still image larger than DISPLAY_SIDE.
 * @param {{width: number, height: number, frame_count: number}} image
 */
export const needsDisplayCopy = (image) => image.frame_count <= 1 && Math.max(image.width, image.height) > DISPLAY_SIDE;

/**
 * @param {number} projectId
 * @returns {Promise<Batch[]>}
 */
export const listBatches = (projectId) => request("GET", `/api/projects/${projectId}/batches`);

/**
 * @param {number} projectId
 * @returns {Promise<Member[]>}
 */
export const listMembers = (projectId) => request("GET", `/api/projects/${projectId}/members`);

/**
 * @param {number} projectId
 * @param {File[]} files
 * @param {string} batch
 * @param {(sent: number, total: number) => void} [onProgress]
 * @returns {Promise<import("./uploads.js").ImportResult>}
 */
export function uploadFiles(projectId, files, batch, onProgress) {
  const form = new FormData();
  for (const f of files) form.append("files", f, f.name);
  if (batch) form.append("batch", batch);
  return upload(`/api/projects/${projectId}/uploads`, form, onProgress);
}

/**
 * The dataset formats the server can export.
 * @param {number} projectId
 * @returns {Promise<string[]>}
 */
export const listFormats = (projectId) => request("GET", `/api/projects/${projectId}/formats`);

/**
 * Export the project as a dataset; the server answers once the zip is made.
 * @param {number} projectId
 * @param {import("./exports.js").ExportBody} body
 * @returns {Promise<Job>}
 */
export const createExport = (projectId, body) => request("POST", `/api/projects/${projectId}/exports`, { body });
