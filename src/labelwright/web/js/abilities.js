// What the signed-in user may do on a project's pages, to show or hide controls (the API
// decides in the end). Pure: no DOM access.

import { canExport, canUpload } from "./access.js";

/**
 * @typedef {object} Abilities
 * @property {boolean} manage      members, label schema, guidelines, dataset imports
 * @property {boolean} upload      send images
 * @property {boolean} export      export datasets
 * @property {boolean} seeAllWork  other people's annotations (filters by annotator, per-person figures)
 */

/**
 * @param {{is_admin: boolean} | null} user
 * @param {{role: string | null}} project
 * @returns {Abilities}
 */
export function projectAbilities(user, project) {
  const admin = Boolean(user?.is_admin);
  return {
    manage: admin || project.role === "manager",
    upload: canUpload(user, project),
    export: canExport(user, project),
    seeAllWork: admin || project.role === "manager" || project.role === "reviewer",
  };
}

/** The roles a member can have, in the order the members list offers them. */
export const PROJECT_ROLES = Object.freeze(["manager", "annotator", "reviewer", "client"]);

/** @type {Readonly<Record<string, string>>} */
export const ROLE_HINTS = Object.freeze({
  manager: "runs the project: members, schema, guidelines, imports and exports",
  annotator: "labels items from the work queue and sees only their own work",
  reviewer: "checks submitted work: accepts or rejects it",
  client: "uploads images, follows progress and downloads deliveries",
});
