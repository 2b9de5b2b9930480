// Scales and layout of horizontal bar charts. Pure: no DOM access.

/**
 * @typedef {object} BarRow
 * @property {string} label
 * @property {number} value         the bar's length
 * @property {number} [part]        a share of the value drawn inside the bar (e.g. submitted of saved)
 * @property {string} [color]       "#rrggbb"; anything else is ignored
 * @property {string} [note]        text after the bar ("12 objects · 4 items")
 */

/**
 * @typedef {object} Bar
 * @property {string} label      clipped to fit the label column
 * @property {string} fullLabel
 * @property {number} value
 * @property {number} part
 * @property {number} y          top of the row
 * @property {number} width      the bar's length in pixels
 * @property {number} partWidth
 * @property {string | null} color
 * @property {string} note
 */

/**
 * @typedef {object} ChartLayout
 * @property {number} width
 * @property {number} height
 * @property {number} plotX      where bars start
 * @property {number} plotWidth
 * @property {number} max        the value at the right end of the axis
 * @property {Array<{x: number, value: number}>} ticks
 * @property {Bar[]} bars
 */

/**
 * A count as a finite, non-negative number (anything else counts as 0).
 * @param {unknown} value
 * @returns {number}
 */
export function cleanValue(value) {
  return typeof value === "number" && Number.isFinite(value) && value > 0 ? value : 0;
}

/**
 * The smallest "round" number (1, 2, 2.5 or 5 times a power of ten) at or above `max`; 1 for 0.
 * @param {number} max
 * @returns {number}
 */
export function niceMax(max) {
  const m = cleanValue(max);
  if (m === 0) return 1;
  const power = 10 ** Math.floor(Math.log10(m));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= m) return step * power;
  }
  return 10 * power;
}

/**
 * Evenly spaced axis values from 0 to niceMax(max), at whole-number steps where the top allows.
 * @param {number} max
 * @returns {number[]}
 */
export function ticks(max) {
  const top = niceMax(max);
  const intervals = [4, 5, 2, 3].find((n) => Number.isInteger(top / n) && top / n >= 1) ?? 1;
  const step = top / intervals;
  return Array.from({ length: intervals + 1 }, (_, i) => i * step);
}

/**
 * A label cut to `max` characters with an ellipsis (the full one goes in a tooltip).
 * @param {string} label
 * @param {number} max
 * @returns {string}
 */
export function clipLabel(label, max) {
  const text = String(label ?? "");
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}

/**
 * A colour usable as an SVG fill, or null.
 * @param {unknown} color
 * @returns {string | null}
 */
export function safeColor(color) {
  return typeof color === "string" && /^#[0-9a-fA-F]{6}$/.test(color) ? color : null;
}

/**
 * Where each bar, label and tick of a chart goes.
 * @param {BarRow[]} rows
 * @param {object} [size]
 * @param {number} [size.width]       the whole chart
 * @param {number} [size.labelWidth]  the label column
 * @param {number} [size.noteWidth]   room for the note after the longest bar
 * @param {number} [size.rowHeight]
 * @param {number} [size.axisHeight]
 * @returns {ChartLayout}
 */
export function barLayout(rows, size = {}) {
  const { width = 640, labelWidth = 160, noteWidth = 170, rowHeight = 26, axisHeight = 22 } = size;
  const plotX = labelWidth;
  const plotWidth = Math.max(40, width - labelWidth - noteWidth);
  const values = rows.map((r) => cleanValue(r.value));
  const max = niceMax(Math.max(0, ...values));
  const scale = (/** @type {number} */ v) => (plotWidth * v) / max;
  const maxChars = Math.max(4, Math.floor(labelWidth / 7.5));
  const bars = rows.map((row, i) => {
    const value = values[i];
    const part = Math.min(value, cleanValue(row.part));
    return {
      label: clipLabel(row.label, maxChars),
      fullLabel: String(row.label ?? ""),
      value,
      part,
      y: i * rowHeight,
      width: scale(value),
      partWidth: scale(part),
      color: safeColor(row.color),
      note: String(row.note ?? ""),
    };
  });
  return {
    width,
    height: rows.length * rowHeight + axisHeight,
    plotX,
    plotWidth,
    max,
    ticks: ticks(max).map((value) => ({ x: plotX + scale(value), value })),
    bars,
  };
}
