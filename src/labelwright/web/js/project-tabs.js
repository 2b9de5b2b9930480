// The sections of a project page, chosen by the route's `tab` query. Pure: no DOM access.

/** @typedef {"items" | "progress" | "quality" | "members" | "schema" | "guidelines"} Tab */

/** @type {ReadonlyArray<{id: Tab, label: string, needs?: "seeAllWork"}>} */
export const TABS = Object.freeze([
  { id: "items", label: "Items" },
  { id: "progress", label: "Progress" },
  { id: "quality", label: "Quality", needs: "seeAllWork" },
  { id: "members", label: "Members" },
  { id: "schema", label: "Label schema" },
  { id: "guidelines", label: "Guidelines" },
]);

/**
 * The tab a route's query names; the item grid when it names none or an unknown one.
 * @param {Record<string, string>} query
 * @returns {Tab}
 */
export function tabFromQuery(query) {
  const found = TABS.find((t) => t.id === query.tab);
  return found ? found.id : "items";
}

/**
 * A route query with the tab set (the default tab is left out so URLs stay short).
 * @param {Record<string, string>} query  the rest of the query (item filters)
 * @param {Tab} tab
 * @returns {Record<string, string>}
 */
export function withTab(query, tab) {
  const { tab: _old, ...rest } = query;
  return tab === "items" ? rest : { ...rest, tab };
}

/**
 * The tabs a member sees: the quality tab only for those who see everyone's work.
 * @param {{seeAllWork: boolean}} can
 * @returns {ReadonlyArray<{id: Tab, label: string}>}
 */
export function visibleTabs(can) {
  return TABS.filter((t) => !t.needs || can[t.needs]);
}
