// What the signed-in user may do in a project, for showing or hiding controls (the API decides).
// Pure: no DOM access.

/**
 * @param {{is_admin: boolean} | null} user
 * @param {{role: string | null}} project
 * @returns {boolean}
 */
export function canUpload(user, project) {
  return Boolean(user?.is_admin) || project.role === "manager" || project.role === "client";
}

/**
 * @param {{is_admin: boolean} | null} user
 * @returns {boolean}
 */
export function canCreateProject(user) {
  return Boolean(user?.is_admin);
}

/**
 * Export the project as a dataset: admins and the project's managers.
 * @param {{is_admin: boolean} | null} user
 * @param {{role: string | null}} project
 * @returns {boolean}
 */
export function canExport(user, project) {
  return Boolean(user?.is_admin) || project.role === "manager";
}
