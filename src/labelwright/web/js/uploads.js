// The outcome of an upload, file by file. Pure: no DOM access.

/**
 * @typedef {object} ImportResult  the body of `POST /api/projects/{id}/uploads`
 * @property {number} added
 * @property {number} duplicates
 * @property {number} rejected
 * @property {number | null} [batch_id]
 * @property {Array<{name: string, item_id?: number}>} [added_files]
 * @property {Array<{name: string, duplicate_of?: string}>} [duplicate_files]
 * @property {Array<{name: string, reason: string, detail: string}>} [rejected_files]
 */

/**
 * @typedef {object} FileOutcome
 * @property {string} name
 * @property {"added" | "duplicate" | "rejected"} outcome
 * @property {string} note  why, for people: a duplicate's original or a rejection's reason
 * @property {number} [itemId]
 */

/**
 * One row per file of an upload's result: rejected first (they need attention), then duplicates,
 * then added files, each group in the order the server reported.
 * @param {ImportResult} result
 * @returns {FileOutcome[]}
 */
export function fileOutcomes(result) {
  /** @type {FileOutcome[]} */
  const rows = [];
  for (const f of result.rejected_files ?? []) {
    const note = f.detail ? `${humanReason(f.reason)}: ${f.detail}` : humanReason(f.reason);
    rows.push({ name: f.name, outcome: "rejected", note });
  }
  for (const f of result.duplicate_files ?? []) {
    const of = f.duplicate_of && f.duplicate_of !== "concurrent" ? `same image as ${f.duplicate_of}` : "already in the project";
    rows.push({ name: f.name, outcome: "duplicate", note: of });
  }
  for (const f of result.added_files ?? []) {
    rows.push({ name: f.name, outcome: "added", note: "", itemId: f.item_id });
  }
  return rows;
}

/**
 * A one-line summary: "3 added, 1 duplicate, 2 rejected".
 * @param {ImportResult} result
 * @returns {string}
 */
export function uploadSummary(result) {
  const parts = [`${result.added} added`];
  if (result.duplicates) parts.push(`${result.duplicates} duplicate${result.duplicates === 1 ? "" : "s"}`);
  if (result.rejected) parts.push(`${result.rejected} rejected`);
  return parts.join(", ");
}

/**
 * A machine reason ("unsupported_format") as words ("Unsupported format").
 * @param {string} reason
 * @returns {string}
 */
export function humanReason(reason) {
  if (!reason) return "Rejected";
  const text = reason.replace(/[_-]+/g, " ").trim();
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** The most files the server takes in one upload request. */
export const MAX_FILES_PER_REQUEST = 1000;

/**
 * Split a list into runs of at most `size` (the last may be shorter).
 * @template T
 * @param {T[]} list
 * @param {number} size
 * @returns {T[][]}
 */
export function chunks(list, size) {
  /** @type {T[][]} */
  const out = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

/**
 * The sum of several upload results, as if they had been one.
 * @param {ImportResult[]} results
 * @returns {ImportResult}
 */
export function mergeResults(results) {
  return {
    added: results.reduce((n, r) => n + r.added, 0),
    duplicates: results.reduce((n, r) => n + r.duplicates, 0),
    rejected: results.reduce((n, r) => n + r.rejected, 0),
    added_files: results.flatMap((r) => r.added_files ?? []),
    duplicate_files: results.flatMap((r) => r.duplicate_files ?? []),
    rejected_files: results.flatMap((r) => r.rejected_files ?? []),
  };
}
