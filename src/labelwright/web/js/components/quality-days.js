// The per-day chart of the quality tab: submitted, accepted and rejected items a day, as grouped
// SVG bars on one axis with a legend; each day's figures in its tooltip.

import { h } from "../dom.js";
import { DAY_SERIES, dayLayout } from "../quality-report.js";

const SVG = "http://www.w3.org/2000/svg";

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {string} [text]
 * @returns {SVGElement}
 */
function svg(tag, attrs, text) {
  const el = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value));
  if (text !== undefined) el.textContent = text;
  return /** @type {SVGElement} */ (el);
}

/**
 * @param {import("../quality-report.js").DayFigures[]} days  oldest first
 * @returns {HTMLElement}
 */
export function dayChart(days) {
  if (!days.length) return h("p", { class: "muted small" }, "Nothing submitted or reviewed yet.");
  const layout = dayLayout(days);
  const chart = svg("svg", { class: "day-chart", viewBox: `0 0 ${layout.width} ${layout.height}`, role: "img",
    "aria-label": "Items submitted, accepted and rejected per day" });
  for (const tick of layout.ticks) {
    chart.append(svg("line", { class: "chart-grid", x1: layout.plotX, x2: layout.width, y1: tick.y, y2: tick.y }));
    chart.append(svg("text", { class: "chart-tick", x: layout.plotX - 6, y: tick.y + 4, "text-anchor": "end" }, tick.value.toLocaleString("en")));
  }
  for (const g of layout.groups) {
    const group = svg("g", { class: "day-group", "data-day": g.day });
    const figures = g.bars.map((b) => `${b.value} ${b.series}`).join(", ");
    group.append(svg("title", {}, `${g.day}: ${figures}`));
    for (const b of g.bars) group.append(svg("rect", { class: `day-bar series-${b.series}`, x: b.x, y: b.y, width: b.width, height: Math.max(0, b.height) }));
    if (g.label) group.append(svg("text", { class: "chart-tick", x: g.x, y: layout.height - 6, "text-anchor": "middle" }, g.label));
    chart.append(group);
  }
  const legend = h("p", { class: "chart-legend muted small" },
    DAY_SERIES.flatMap((s) => [h("span", { class: `legend-swatch series-${s}` }), ` ${s} `]));
  return h("figure", { class: "chart" }, chart, legend);
}
