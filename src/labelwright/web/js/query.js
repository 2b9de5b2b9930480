// Query strings: building them from plain objects and reading them back. Pure: no DOM access.

/** @typedef {Record<string, string | number | boolean | null | undefined>} QueryParams */

/**
 * A query string ("?a=1&b=x") from an object; null, undefined and "" values are left out.
 * Keys keep their insertion order so that equal filters give equal strings.
 * @param {QueryParams} params
 * @returns {string} "" when nothing is left
 */
export function buildQuery(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    search.append(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

/**
 * The parameters of a query string, with or without its leading "?"; the last of repeated keys wins.
 * @param {string} query
 * @returns {Record<string, string>}
 */
export function parseQuery(query) {
  /** @type {Record<string, string>} */
  const out = {};
  const text = query.startsWith("?") ? query.slice(1) : query;
  for (const [key, value] of new URLSearchParams(text)) out[key] = value;
  return out;
}

/**
 * A path with a query appended.
 * @param {string} path
 * @param {QueryParams} params
 * @returns {string}
 */
export function withQuery(path, params) {
  return path + buildQuery(params);
}
