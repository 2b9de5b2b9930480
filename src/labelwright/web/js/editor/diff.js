// What differs between two versions of an annotation, in words, for the conflict dialog.
// Pure: no DOM access.

/**
 * @typedef {object} DocDiff
 * @property {number} onlyMine   objects only in the local version
 * @property {number} onlyTheirs objects only in the server's version
 * @property {number} changed    objects in both that differ
 * @property {number} same       objects in both, equal
 * @property {boolean} tags      whether image tags differ
 * @property {boolean} relations whether relations differ
 */

/**
 * Compare two documents object by object (by id).
 * @param {import("./store.js").AnnotationDoc} mine
 * @param {import("./store.js").AnnotationDoc} theirs
 * @returns {DocDiff}
 */
export function diffDocuments(mine, theirs) {
  const theirsById = new Map(theirs.objects.map((o) => [o.id, o]));
  const mineIds = new Set(mine.objects.map((o) => o.id));
  let changed = 0, same = 0, onlyMine = 0;
  for (const o of mine.objects) {
    const other = theirsById.get(o.id);
    if (!other) onlyMine++;
    else if (stableJson(o) === stableJson(other)) same++;
    else changed++;
  }
  const onlyTheirs = theirs.objects.filter((o) => !mineIds.has(o.id)).length;
  return {
    onlyMine, onlyTheirs, changed, same,
    tags: stableJson(mine.tags ?? {}) !== stableJson(theirs.tags ?? {}),
    relations: stableJson(mine.relations ?? []) !== stableJson(theirs.relations ?? []),
  };
}

/**
 * The difference as sentences.
 * @param {DocDiff} d
 * @returns {string[]}
 */
export function describeDiff(d) {
  /** @param {number} n */
  const objects = (n) => `${n} object${n === 1 ? "" : "s"}`;
  const lines = [];
  if (d.onlyMine) lines.push(`${objects(d.onlyMine)} only in your version`);
  if (d.onlyTheirs) lines.push(`${objects(d.onlyTheirs)} only in the saved version`);
  if (d.changed) lines.push(`${objects(d.changed)} changed in both`);
  if (d.tags) lines.push("image tags differ");
  if (d.relations) lines.push("links between objects differ");
  if (!lines.length) lines.push("the two versions hold the same objects");
  return lines;
}

/**
 * JSON with object keys sorted, so equal values compare equal whatever their key order.
 * @param {unknown} value
 * @returns {string}
 */
export function stableJson(value) {
  return JSON.stringify(value, (_key, v) => (v && typeof v === "object" && !Array.isArray(v)
    ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, v[k]]))
    : v));
}
