// Similar images of an item as the item view shows them: the request path, scores in words,
// and what to say when there is nothing to show. Pure: no DOM access.

/** Matches the panel asks for. */
export const SIMILAR_COUNT = 12;

/**
 * @typedef {object} SimilarItem
 * @property {number} item_id
 * @property {string} file_name
 * @property {number} score  cosine of the two embeddings, 1 for the same picture
 * @property {string} thumbnail_url
 */

/** @typedef {{item_id: number, model: string, items: SimilarItem[]}} SimilarAnswer */

/**
 * The API path of an item's similar images.
 * @param {number} projectId
 * @param {number} itemId
 * @param {number} [k]
 * @returns {string}
 */
export function similarPath(projectId, itemId, k = SIMILAR_COUNT) {
  const count = Math.max(1, Math.min(100, Math.round(k)));
  return `/api/projects/${projectId}/items/${itemId}/similar?k=${count}`;
}

/**
 * A cosine as a percentage people read ("97% alike"); negative cosines read as 0%.
 * @param {number} score
 * @returns {string}
 */
export function scoreText(score) {
  const value = Number.isFinite(score) ? Math.max(0, Math.min(1, score)) : 0;
  return `${Math.floor(value * 100)}% alike`;
}

/**
 * What the panel says instead of matches, or null when there are matches to show.
 * @param {SimilarAnswer} answer
 * @returns {string | null}
 */
export function emptyText(answer) {
  return answer.items.length ? null : "No other item has an embedding yet.";
}

/**
 * What the panel says when the request failed: the server's sentence for "no embeddings
 * yet" (it names the job to run), a shorter one for the rest.
 * @param {{status?: number, message?: string}} error
 * @returns {string}
 */
export function failureText(error) {
  if (error.status === 409 && error.message) return error.message;
  if (error.status === 404) return "This item is gone.";
  return error.message || "Similar images could not be loaded.";
}
