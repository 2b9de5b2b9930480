// Likely label errors as the quality tab lists them: their order, the words for each check and
// the editor link that opens the item with the object selected. Pure: no DOM access.

import { hashFor } from "./router.js";

/**
 * @typedef {object} Finding
 * @property {number} item_id
 * @property {string} file_name
 * @property {string | null} object_id
 * @property {string} check      a rule name (`min_box_size`) or `model:<kind>` (`model:missed`)
 * @property {"error" | "warning" | "info"} severity
 * @property {number} score      how far off, within a severity
 * @property {string} message
 */

/** Severities, most serious first. */
export const SEVERITIES = Object.freeze(["error", "warning", "info"]);

/** @type {Readonly<Record<string, string>>} */
const CHECK_NAMES = Object.freeze({
  min_box_size: "Small object",
  outside_image: "Outside the image",
  near_duplicate: "Near-duplicate",
  forbidden_overlap: "Forbidden overlap",
  unknown_class: "Unknown class",
  missing_attribute: "Missing attribute",
  too_few_objects: "Too few objects",
  too_many_objects: "Too many objects",
});

/**
 * A check's name for people: known rules by name, others from their identifier
 * (`model:wrong_class` → "Model: wrong class").
 * @param {string} check
 * @returns {string}
 */
export function checkLabel(check) {
  if (Object.hasOwn(CHECK_NAMES, check)) return CHECK_NAMES[check];
  const [head, rest] = check.startsWith("model:") ? ["Model: ", check.slice(6)] : ["", check];
  const words = rest.replace(/[_-]+/g, " ").trim();
  const text = words || check;
  return head ? head + text : text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * The editor route for a finding: its item, with `select` naming the object when there is one.
 * @param {number} projectId
 * @param {{item_id: number, object_id: string | null}} finding
 * @returns {string}
 */
export function findingHref(projectId, finding) {
  const query = finding.object_id ? { select: finding.object_id } : {};
  return hashFor(`/projects/${projectId}/items/${finding.item_id}/edit`, query);
}

/**
 * Findings counted per severity, every severity present (zeros included).
 * @param {Finding[]} findings
 * @returns {Record<string, number>}
 */
export function countBySeverity(findings) {
  /** @type {Record<string, number>} */
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0]));
  for (const f of findings) out[f.severity] = (out[f.severity] ?? 0) + 1;
  return out;
}

/**
 * The findings of the chosen severities and checks ("" for every check), in the server's order.
 * @param {Finding[]} findings
 * @param {{severities: string[], check: string}} filter
 * @returns {Finding[]}
 */
export function filterFindings(findings, filter) {
  return findings.filter((f) => filter.severities.includes(f.severity) && (!filter.check || f.check === filter.check));
}

/**
 * The checks that occur, by how often, for a filter menu.
 * @param {Finding[]} findings
 * @returns {{check: string, label: string, count: number}[]}
 */
export function checkChoices(findings) {
  /** @type {Map<string, number>} */
  const counts = new Map();
  for (const f of findings) counts.set(f.check, (counts.get(f.check) ?? 0) + 1);
  return [...counts].map(([check, count]) => ({ check, label: checkLabel(check), count }))
    .sort((a, b) => b.count - a.count || a.label.localeCompare(b.label));
}
