// The team quality report as figures to draw: one cell per person and measure (text and the
// length of its bar), and the per-day chart's layout. Pure: no DOM access.

import { cleanValue, niceMax, ticks } from "./chart.js";

/**
 * @typedef {object} PersonFigures
 * @property {number} user_id
 * @property {string} username
 * @property {number} items
 * @property {number} objects
 * @property {number} active_hours
 * @property {number} reviewed
 * @property {number} rejected
 * @property {number} gold_items
 * @property {number | null} gold_f1
 * @property {number | null} gold_mean_iou
 * @property {number | null} agreement
 * @property {number | null} items_per_hour
 * @property {number | null} objects_per_hour
 * @property {number | null} rejection_rate
 */

/** @typedef {{day: string, submitted: number, accepted: number, rejected: number, acceptance: number | null}} DayFigures */

/**
 * @typedef {object} QualityReport
 * @property {number} project_id
 * @property {Record<string, number>} states
 * @property {PersonFigures[]} people
 * @property {DayFigures[]} days
 * @property {number | null} agreement
 * @property {number} agreement_items
 */

/**
 * @typedef {object} Measure
 * @property {keyof PersonFigures} id
 * @property {string} label
 * @property {boolean} share      a fraction 0..1, shown as a percentage; else a rate per hour
 * @property {boolean} [worse]    higher is worse (drawn in the warning colour)
 * @property {(p: PersonFigures) => string} note  what the figure rests on, for the tooltip
 */

/** The measures of the per-annotator table, in column order. */
/** @type {readonly Measure[]} */
export const MEASURES = Object.freeze([
  { id: "items_per_hour", label: "Items / hour", share: false, note: (p) => `${p.items} items in ${hours(p.active_hours)} of active time` },
  { id: "objects_per_hour", label: "Objects / hour", share: false, note: (p) => `${p.objects} objects in ${hours(p.active_hours)} of active time` },
  { id: "rejection_rate", label: "Rejected", share: true, worse: true, note: (p) => `${p.rejected} of ${p.reviewed} reviewed items rejected` },
  { id: "gold_f1", label: "Gold F1", share: true, note: (p) => `on ${p.gold_items} gold items${p.gold_mean_iou === null ? "" : `, mean IoU ${percent(p.gold_mean_iou)}`}` },
  { id: "agreement", label: "Agreement", share: true, note: () => "with the others on shared items" },
]);

/**
 * @param {number} h
 * @returns {string}
 */
function hours(h) {
  const minutes = Math.round(cleanValue(h) * 60);
  return minutes < 60 ? `${minutes} min` : `${(minutes / 60).toFixed(1)} h`;
}

/**
 * A fraction as a whole percentage ("—" when there is none).
 * @param {number | null | undefined} v
 * @returns {string}
 */
export function percent(v) {
  return typeof v === "number" && Number.isFinite(v) ? `${Math.round(v * 100)} %` : "—";
}

/**
 * @typedef {object} Cell
 * @property {string} text       the figure ("12.5", "8 %", or "—" without data)
 * @property {number} fraction   the bar's length, 0..1 of the column's scale
 * @property {string} title      what the figure rests on
 */

/**
 * One column of the table: shares on a 0–100 % scale, rates on a scale up to a round number
 * above the highest person's figure.
 * @param {PersonFigures[]} people
 * @param {Measure} measure
 * @returns {Cell[]}
 */
export function measureCells(people, measure) {
  const values = people.map((p) => {
    const v = p[measure.id];
    return typeof v === "number" && Number.isFinite(v) ? v : null;
  });
  const top = measure.share ? 1 : niceMax(Math.max(0, ...values.map((v) => v ?? 0)));
  return people.map((p, i) => {
    const v = values[i];
    if (v === null) return { text: "—", fraction: 0, title: "Not enough data yet" };
    const text = measure.share ? percent(v) : v.toLocaleString("en", { maximumFractionDigits: 1 });
    return { text, fraction: Math.min(1, cleanValue(v) / top), title: measure.note(p) };
  });
}

/** The series of the per-day chart, in drawing order. */
export const DAY_SERIES = Object.freeze(/** @type {const} */ (["submitted", "accepted", "rejected"]));

/**
 * @typedef {object} DayLayout
 * @property {number} width
 * @property {number} height
 * @property {number} plotTop
 * @property {number} plotBottom
 * @property {number} plotX
 * @property {{y: number, value: number}[]} ticks
 * @property {{day: string, x: number, label: string, bars: {series: string, x: number, y: number, width: number, height: number, value: number}[]}[]} groups
 */

/**
 * Where the bars of the per-day chart go: the last `maxDays` days, three bars a day on a
 * shared axis with round ticks; day labels are thinned out so they never overlap.
 * @param {DayFigures[]} days  oldest first
 * @param {{width?: number, height?: number, maxDays?: number}} [size]
 * @returns {DayLayout}
 */
export function dayLayout(days, size = {}) {
  const { width = 720, height = 220, maxDays = 30 } = size;
  const shown = days.slice(-maxDays);
  const plotX = 40, plotTop = 8, plotBottom = height - 24;
  const max = niceMax(Math.max(0, ...shown.flatMap((d) => DAY_SERIES.map((s) => cleanValue(d[s])))));
  const slot = (width - plotX - 4) / Math.max(1, shown.length);
  const barW = Math.max(1, Math.min(14, (slot - 4) / DAY_SERIES.length));
  const every = Math.max(1, Math.ceil(shown.length / Math.floor((width - plotX) / 56)));
  const y = (/** @type {number} */ v) => plotBottom - ((plotBottom - plotTop) * v) / max;
  const groups = shown.map((d, i) => {
    const x0 = plotX + i * slot + (slot - barW * DAY_SERIES.length) / 2;
    const bars = DAY_SERIES.map((series, k) => {
      const value = cleanValue(d[series]);
      return { series, x: x0 + k * barW, y: y(value), width: barW, height: plotBottom - y(value), value };
    });
    return { day: d.day, x: plotX + i * slot + slot / 2, label: i % every === 0 ? d.day.slice(5) : "", bars };
  });
  return { width, height, plotTop, plotBottom, plotX, ticks: ticks(max).map((value) => ({ y: y(value), value })), groups };
}
