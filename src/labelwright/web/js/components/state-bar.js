// A stacked bar of item counts per workflow state, with a legend.

import { h } from "../dom.js";
import { countSegments, plural, stateLabel } from "../format.js";
import { ITEM_STATES } from "../listing.js";

/**
 * @param {Record<string, number>} counts
 * @param {object} [options]
 * @param {boolean} [options.compact]  the bar and a total only, no legend
 * @param {string} [options.selected]  the state the listing is filtered by, if any
 * @param {(state: string) => void} [options.onSelect]  legend entries become buttons
 * @returns {HTMLElement}
 */
export function stateBar(counts, options = {}) {
  const { total, segments } = countSegments(counts ?? {}, ITEM_STATES);
  const summary = segments.map((s) => `${stateLabel(s.state)} ${s.count}`).join(", ");
  const bar = h("div", { class: "state-bar", role: "img", "aria-label": total ? `${plural(total, "item")}: ${summary}` : "No items yet" },
    segments.map((s) => h("span", {
      class: `state-seg state-${s.state}`,
      style: { width: `${s.percent}%` },
      title: `${stateLabel(s.state)}: ${s.count}`,
    })));
  if (options.compact) {
    return h("div", { class: "state-summary" }, bar, h("span", { class: "muted small" }, total ? plural(total, "item") : "No items yet"));
  }
  const legend = h("ul", { class: "state-legend" },
    segments.map((s) => {
      const content = [h("span", { class: `dot state-${s.state}`, "aria-hidden": "true" }), stateLabel(s.state), " ",
        h("span", { class: "count" }, s.count.toLocaleString("en"))];
      return h("li", null, options.onSelect
        ? h("button", {
          type: "button", class: "legend-btn", "aria-pressed": String(options.selected === s.state),
          title: options.selected === s.state ? "Show every state" : `Show only ${stateLabel(s.state).toLowerCase()} items`,
          onclick: () => options.onSelect?.(options.selected === s.state ? "" : s.state),
        }, content)
        : content);
    }));
  return h("div", { class: "state-overview" }, bar, total ? legend : h("p", { class: "muted small" }, "No items yet."));
}
