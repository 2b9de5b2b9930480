// Hash routes: matching "#/projects/3?state=new" against a table of patterns. Pure: no DOM access.

import { buildQuery, parseQuery } from "./query.js";

/**
 * @typedef {object} Route
 * @property {string} name      the route's name from the table ("notfound" when nothing matched)
 * @property {Record<string, string | number>} params  path parameters; all-digit ones become numbers
 * @property {Record<string, string>} query  the query string after the path
 * @property {string} path      the path part, always starting with "/"
 */

/**
 * @typedef {object} CompiledRoute
 * @property {string} name
 * @property {RegExp} regex
 * @property {string[]} keys
 */

/**
 * Compile a table of `{name: "/projects/:projectId"}` patterns, matched in the given order.
 * @param {Record<string, string>} table
 * @returns {CompiledRoute[]}
 */
export function compileRoutes(table) {
  return Object.entries(table).map(([name, pattern]) => {
    /** @type {string[]} */
    const keys = [];
    const source = normalisePath(pattern)
      .split("/")
      .map((segment) => {
        if (segment.startsWith(":")) {
          keys.push(segment.slice(1));
          return "([^/]+)";
        }
        return segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    return { name, regex: new RegExp(`^${source}$`), keys };
  });
}

/**
 * A path without its trailing slash ("/" stays "/"), always with a leading one.
 * @param {string} path
 * @returns {string}
 */
export function normalisePath(path) {
  let p = path.startsWith("/") ? path : `/${path}`;
  while (p.length > 1 && p.endsWith("/")) p = p.slice(0, -1);
  return p;
}

/**
 * Split a location hash ("#/a/b?x=1") into its path and query.
 * @param {string} hash
 * @returns {{path: string, query: Record<string, string>}}
 */
export function splitHash(hash) {
  const text = hash.startsWith("#") ? hash.slice(1) : hash;
  const q = text.indexOf("?");
  const rawPath = q < 0 ? text : text.slice(0, q);
  return { path: normalisePath(rawPath || "/"), query: parseQuery(q < 0 ? "" : text.slice(q + 1)) };
}

/**
 * The route a location hash stands for.
 * @param {string} hash
 * @param {CompiledRoute[]} routes
 * @returns {Route}
 */
export function matchRoute(hash, routes) {
  const { path, query } = splitHash(hash);
  for (const route of routes) {
    const m = route.regex.exec(path);
    if (!m) continue;
    /** @type {Record<string, string | number>} */
    const params = {};
    route.keys.forEach((key, i) => {
      let value;
      try {
        value = decodeURIComponent(m[i + 1]);
      } catch {
        value = m[i + 1];
      }
      params[key] = /^\d+$/.test(value) ? Number(value) : value;
    });
    return { name: route.name, params, query, path };
  }
  return { name: "notfound", params: {}, query, path };
}

/**
 * A location hash for a path and query: hashFor("/projects/3", {state: "new"}) → "#/projects/3?state=new".
 * @param {string} path
 * @param {import("./query.js").QueryParams} [query]
 * @returns {string}
 */
export function hashFor(path, query = {}) {
  return `#${normalisePath(path)}${buildQuery(query)}`;
}

/**
 * Where to go after signing in: only a hash of this app (never another site, never sign-in again).
 * @param {string | undefined} next
 * @returns {string}
 */
export function safeNext(next) {
  return next && next.startsWith("#/") && !next.startsWith("#/signin") && !next.startsWith("#//") ? next : "#/";
}
