// A horizontal SVG bar chart: one row per label, an axis, an optional inner part per bar.
// Every label is set as text content, so names can hold anything.

import { barLayout } from "../chart.js";
import { h } from "../dom.js";

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
 * @param {object} options
 * @param {string} options.title                 names the chart for screen readers
 * @param {import("../chart.js").BarRow[]} options.rows
 * @param {string} [options.empty]               shown instead of a chart without rows
 * @param {string} [options.partLabel]           what the inner part of a bar means, for the legend
 * @param {string} [options.valueLabel]          what a whole bar means, for the legend
 * @returns {HTMLElement}
 */
export function barChart({ title, rows, empty = "Nothing to show yet.", partLabel, valueLabel }) {
  if (!rows.length) return h("p", { class: "muted small" }, empty);
  const layout = barLayout(rows);
  const chart = svg("svg", {
    class: "bar-chart", viewBox: `0 0 ${layout.width} ${layout.height}`, role: "img", "aria-label": title,
    preserveAspectRatio: "xMinYMin meet",
  });
  chart.append(svg("title", {}, title));
  const axisY = layout.height - 16;
  for (const tick of layout.ticks) {
    chart.append(svg("line", { class: "chart-grid", x1: tick.x, x2: tick.x, y1: 0, y2: axisY }));
    chart.append(svg("text", { class: "chart-tick", x: tick.x, y: layout.height - 2, "text-anchor": "middle" },
      tick.value.toLocaleString("en")));
  }
  for (const bar of layout.bars) chart.append(barRow(bar, layout.plotX));
  const legend = partLabel && valueLabel
    ? h("p", { class: "chart-legend muted small" },
      h("span", { class: "legend-swatch" }), ` ${valueLabel} `,
      h("span", { class: "legend-swatch legend-part" }), ` ${partLabel}`)
    : null;
  return h("figure", { class: "chart" }, chart, legend);
}

/**
 * @param {import("../chart.js").Bar} bar
 * @param {number} plotX
 * @returns {SVGElement}
 */
function barRow(bar, plotX) {
  const g = svg("g", { class: "chart-row", transform: `translate(0 ${bar.y})` });
  g.append(svg("title", {}, `${bar.fullLabel}: ${bar.note || bar.value.toLocaleString("en")}`));
  g.append(svg("text", { class: "chart-label", x: plotX - 8, y: 17, "text-anchor": "end" }, bar.label));
  /** @type {Record<string, string>} */
  const fill = bar.color ? { fill: bar.color } : {};
  g.append(svg("rect", { class: "chart-bar", x: plotX, y: 5, width: Math.max(bar.value ? 2 : 0, bar.width), height: 16, rx: 3, ...fill }));
  if (bar.partWidth > 0) {
    g.append(svg("rect", { class: "chart-part", x: plotX, y: 5, width: bar.partWidth, height: 16, rx: 3 }));
  }
  g.append(svg("text", { class: "chart-note", x: plotX + bar.width + 6, y: 17 }, bar.note || bar.value.toLocaleString("en")));
  return g;
}
