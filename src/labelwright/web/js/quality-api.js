// The REST endpoints behind the quality tab: the team report, the ranked findings, gold items
// and the project's quality settings (requests go through api.js for the CSRF header and errors).

import { request } from "./api.js";

const base = (/** @type {number} */ projectId) => `/api/projects/${projectId}`;

/**
 * @param {number} projectId
 * @returns {Promise<import("./quality-report.js").QualityReport>}
 */
export const getReport = (projectId) => request("GET", `${base(projectId)}/quality/report`);

/**
 * Likely label errors, most serious first.
 * @param {number} projectId
 * @param {number} [limit]
 * @returns {Promise<import("./findings.js").Finding[]>}
 */
export const getFindings = (projectId, limit = 500) => request("GET", `${base(projectId)}/quality/findings`, { query: { limit } });

/** @typedef {{item_id: number, file_name: string, body: {objects: unknown[]}, created_by: number | null, created_at: string}} GoldItem */

/**
 * @param {number} projectId
 * @returns {Promise<GoldItem[]>}
 */
export const listGold = (projectId) => request("GET", `${base(projectId)}/gold`);

/**
 * Make a gold item ordinary again.
 * @param {number} projectId
 * @param {number} itemId
 * @returns {Promise<void>}
 */
export const removeGold = (projectId, itemId) => request("DELETE", `${base(projectId)}/items/${itemId}/gold`);

/**
 * The project with its settings (the app's Project type leaves settings out).
 * @param {number} projectId
 * @returns {Promise<import("./api.js").Project & {settings: Record<string, unknown>}>}
 */
export const getProjectSettings = (projectId) => request("GET", base(projectId));

/**
 * Replace the project's settings (send them all: the API fills what is missing with defaults).
 * @param {number} projectId
 * @param {Record<string, unknown>} settings
 * @returns {Promise<import("./api.js").Project & {settings: Record<string, unknown>}>}
 */
export const saveSettings = (projectId, settings) => request("PATCH", base(projectId), { body: { settings } });
