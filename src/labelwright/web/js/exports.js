// Dataset exports: reading the split a person types, the request body, and the manifest in words.
// Pure: no DOM access.

import { plural } from "./format.js";

/** The splits that 1 to 3 ratios stand for, in order (as the API names them). */
export const SPLIT_NAMES = Object.freeze(["train", "val", "test"]);

/** Names for the formats the API lists; any other name is shown as it is. */
const FORMAT_LABELS = /** @type {Record<string, string>} */ ({
  coco: "COCO",
  cvat: "CVAT",
  labelstudio: "Label Studio",
  native: "Labelwright (native)",
  voc: "Pascal VOC",
  yolo: "YOLO",
});

/**
 * A format's name for people: "labelstudio" → "Label Studio".
 * @param {string} name
 * @returns {string}
 */
export function formatLabel(name) {
  return FORMAT_LABELS[name] ?? name;
}

/**
 * @typedef {{ok: true, ratios: number[] | null} | {ok: false, error: string}} SplitParse
 * `ratios` is null when no split was given (the export is not split).
 */

/**
 * Read a split like "80/10/10", "0.7 0.3" or "70%, 30%" as ratios that sum to 1 ([0.8, 0.1, 0.1]).
 * Empty text means no split. Gives an error sentence when the text is not 1 to 3 positive numbers.
 * @param {string} text
 * @returns {SplitParse}
 */
export function parseSplit(text) {
  const trimmed = String(text ?? "").trim();
  if (!trimmed) return { ok: true, ratios: null };
  const parts = trimmed.split(/\s*[/,:;\s]\s*/).filter((p) => p !== "");
  if (parts.length < 1 || parts.length > SPLIT_NAMES.length) {
    return { ok: false, error: "Give 1 to 3 shares for train, val and test, like 80/10/10." };
  }
  const values = [];
  for (const part of parts) {
    const number = part.replace(/%$/, "");
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(number)) {
      return { ok: false, error: `“${part}” is not a number: write the split like 80/10/10.` };
    }
    const value = Number(number);
    if (!(value > 0) || !Number.isFinite(value)) {
      return { ok: false, error: "Each share must be more than zero: leave a split out instead (80/20)." };
    }
    values.push(value);
  }
  const total = values.reduce((sum, v) => sum + v, 0);
  return { ok: true, ratios: values.map((v) => round(v / total)) };
}

/**
 * @param {number} value
 * @returns {number}
 */
function round(value) {
  return Math.round(value * 1e6) / 1e6;
}

/**
 * Ratios in words: [0.8, 0.1, 0.1] → "train 80% · val 10% · test 10%".
 * @param {number[]} ratios
 * @returns {string}
 */
export function describeSplit(ratios) {
  return ratios.map((r, i) => `${SPLIT_NAMES[i]} ${percent(r)}`).join(" · ");
}

/**
 * @param {number} ratio
 * @returns {string}
 */
function percent(ratio) {
  const p = Math.round(ratio * 1000) / 10;
  return `${Number.isInteger(p) ? p : p.toFixed(1)}%`;
}

/**
 * @typedef {object} ExportChoices
 * @property {string} format
 * @property {string} [split]               as typed, "" or absent for none
 * @property {boolean} [acceptedOnly]       only items in the accepted state
 * @property {boolean} [includePredictions] add model predictions to the labels
 * @property {number} [seed]                seed of the split
 */

/**
 * @typedef {object} ExportBody
 * @property {string} format
 * @property {number[]} [split]
 * @property {number} [seed]
 * @property {string[]} [states]
 * @property {boolean} [include_predictions]
 */

/**
 * The body of POST /api/projects/{id}/exports from what was chosen in the form, or the sentence
 * that says what to fix (`field` names the control at fault).
 * @param {ExportChoices} choices
 * @returns {{ok: true, body: ExportBody} | {ok: false, field: "format" | "split" | "seed", error: string}}
 */
export function exportBody(choices) {
  const format = String(choices.format ?? "").trim();
  if (!format) return { ok: false, field: "format", error: "Choose a format." };
  /** @type {ExportBody} */
  const body = { format };
  const split = parseSplit(choices.split ?? "");
  if (!split.ok) return { ok: false, field: "split", error: split.error };
  if (split.ratios) body.split = split.ratios;
  if (choices.seed !== undefined && choices.seed !== null) {
    if (!Number.isSafeInteger(choices.seed)) return { ok: false, field: "seed", error: "The seed must be a whole number." };
    body.seed = choices.seed;
  }
  if (choices.acceptedOnly) body.states = ["accepted"];
  if (choices.includePredictions) body.include_predictions = true;
  return { ok: true, body };
}

/**
 * @typedef {object} Manifest
 * @property {string} format
 * @property {number} images
 * @property {number} objects
 * @property {Record<string, number>} [per_class]
 * @property {Record<string, number>} [per_split]
 */

/**
 * Counts per split, train/val/test first, then any other split by name. Images without a split
 * ("none", as an unsplit export counts them) come last.
 * @param {Record<string, number> | undefined} perSplit
 * @returns {{split: string, count: number}[]}
 */
export function splitCounts(perSplit) {
  const counts = perSplit ?? {};
  const names = Object.keys(counts);
  const known = SPLIT_NAMES.filter((s) => s in counts);
  const others = names.filter((s) => !SPLIT_NAMES.includes(s) && s !== "none").sort();
  const order = [...known, ...others, ...(names.includes("none") ? ["none"] : [])];
  return order.map((split) => ({ split, count: counts[split] }));
}

/**
 * A manifest in words: a headline ("120 images, 340 objects") and the counts per split
 * ("train 96 · val 12 · test 12"; "" when the export was not split).
 * @param {Manifest | null | undefined} manifest
 * @returns {{headline: string, splits: string}}
 */
export function summariseManifest(manifest) {
  const images = manifest?.images ?? 0;
  const objects = manifest?.objects ?? 0;
  const headline = `${plural(images, "image")}, ${plural(objects, "object")}`;
  const rows = splitCounts(manifest?.per_split);
  const split = rows.length === 1 && rows[0].split === "none" ? [] : rows;
  const splits = split.map((r) => `${r.split === "none" ? "no split" : r.split} ${r.count.toLocaleString("en")}`).join(" · ");
  return { headline, splits };
}

/**
 * The path of an export job's zip.
 * @param {number} projectId
 * @param {number} jobId
 * @returns {string}
 */
export function downloadPath(projectId, jobId) {
  return `/api/projects/${projectId}/exports/${jobId}/download`;
}
