// Turning API values into text for people. Pure: no DOM access.

/**
 * A byte count as "1.4 MB" (powers of 1000, as file managers show them).
 * @param {number} bytes
 * @returns {string}
 */
export function formatBytes(bytes) {
  if (!Number.isFinite(bytes) || bytes < 0) return "";
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = "B";
  for (const u of units) {
    if (value < 1000) break;
    value /= 1000;
    unit = u;
  }
  return `${value < 10 ? value.toFixed(1) : Math.round(value)} ${unit}`;
}

/**
 * An ISO timestamp as a short local date ("12 Mar 2025"); the input when it cannot be read.
 * @param {string} iso
 * @param {string} [locale]
 * @returns {string}
 */
export function formatDate(iso, locale) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return date.toLocaleDateString(locale, { year: "numeric", month: "short", day: "numeric" });
}

/**
 * A workflow state as a label: "in_review" → "In review".
 * @param {string} state
 * @returns {string}
 */
export function stateLabel(state) {
  const text = state.replace(/_/g, " ");
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A count with its noun: plural(1, "item") → "1 item", plural(3, "item") → "3 items".
 * @param {number} n
 * @param {string} one
 * @param {string} [many]
 * @returns {string}
 */
export function plural(n, one, many = `${one}s`) {
  return `${n.toLocaleString("en")} ${n === 1 ? one : many}`;
}

/**
 * @typedef {object} Segment
 * @property {string} state
 * @property {number} count
 * @property {number} percent  share of the total, 0..100
 */

/**
 * The segments of a stacked bar of counts per state, in `order` first, then any other states,
 * leaving out empty ones.
 * @param {Record<string, number>} counts
 * @param {readonly string[]} order
 * @returns {{total: number, segments: Segment[]}}
 */
export function countSegments(counts, order) {
  const states = [...order, ...Object.keys(counts).filter((s) => !order.includes(s)).sort()];
  const total = states.reduce((sum, s) => sum + Math.max(0, counts[s] ?? 0), 0);
  const segments = states
    .filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => ({ state: s, count: counts[s], percent: total ? (100 * counts[s]) / total : 0 }));
  return { total, segments };
}

/**
 * The dimensions of an image as "1920 × 1080".
 * @param {{width: number, height: number}} image
 * @returns {string}
 */
export function formatSize(image) {
  return `${image.width} × ${image.height}`;
}
