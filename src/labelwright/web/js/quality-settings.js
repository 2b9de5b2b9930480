// The quality settings of a project as a form: review share, gold rate, agreement threshold
// and the rule checks' thresholds; reading them into text fields and checking what people
// typed before it is sent. Pure: no DOM access.

/**
 * @typedef {object} SettingField
 * @property {string} id          the form field's name
 * @property {string} label
 * @property {string} hint
 * @property {"share" | "number" | "count" | "optional-count"} type
 *   share: a fraction shown as a percentage; count: a whole number; optional-count: blank is none
 * @property {number} min
 * @property {number} max
 * @property {boolean} [minOpen]  the minimum itself is not allowed
 * @property {number | null} fallback  the server's default when the project has none
 * @property {boolean} [check]    lives under settings.checks
 */

/** @type {readonly SettingField[]} */
export const SETTING_FIELDS = Object.freeze([
  { id: "review_share", label: "Review share", hint: "of each annotator's submitted items that a reviewer checks", type: "share", min: 0, max: 1, fallback: 1 },
  { id: "gold_rate", label: "Gold rate", hint: "of each annotator's queue drawn from gold items (at most 50 %)", type: "share", min: 0, max: 0.5, fallback: 0 },
  { id: "agreement_threshold", label: "Agreement threshold", hint: "overlap items agreeing less than this always go to review", type: "share", min: 0, max: 1, fallback: 0.5 },
  { id: "min_box_size", label: "Minimum box size", hint: "pixels; narrower or lower objects are flagged", type: "number", min: 0, max: 100_000, fallback: 4, check: true },
  { id: "outside_tolerance_px", label: "Outside tolerance", hint: "pixels an object may reach past the image border", type: "number", min: 0, max: 100_000, fallback: 1, check: true },
  { id: "duplicate_iou", label: "Duplicate overlap (IoU)", hint: "two objects of one class overlapping more are near-duplicates", type: "share", min: 0, max: 1, minOpen: true, fallback: 0.9, check: true },
  { id: "max_overlap", label: "Tolerated overlap", hint: "of the smaller object, for class pairs that must not overlap", type: "share", min: 0, max: 1, fallback: 0.05, check: true },
  { id: "min_objects", label: "Fewest objects per item", hint: "items with fewer are flagged", type: "count", min: 0, max: 1_000_000, fallback: 0, check: true },
  { id: "max_objects", label: "Most objects per item", hint: "blank for no limit", type: "optional-count", min: 0, max: 1_000_000, fallback: null, check: true },
]);

/**
 * @typedef {object} ProjectSettings
 * @property {number} [review_share]
 * @property {number} [gold_rate]
 * @property {number} [agreement_threshold]
 * @property {Record<string, unknown>} [checks]
 */

/**
 * @param {number} v
 * @returns {string}
 */
function shown(v) {
  return String(Math.round(v * 1e6) / 1e6);
}

/**
 * The form's text values for a project's settings (defaults where a value is not set).
 * @param {ProjectSettings & Record<string, unknown>} settings
 * @returns {Record<string, string>}
 */
export function formValues(settings) {
  /** @type {Record<string, string>} */
  const out = {};
  const checks = /** @type {Record<string, unknown>} */ (settings.checks ?? {});
  for (const f of SETTING_FIELDS) {
    const raw = f.check ? checks[f.id] : settings[f.id];
    const value = typeof raw === "number" && Number.isFinite(raw) ? raw : f.fallback;
    out[f.id] = value === null ? "" : f.type === "share" ? shown(value * 100) : shown(value);
  }
  return out;
}

/**
 * One field's text as the value to store, or a message saying what is wrong with it.
 * @param {SettingField} f
 * @param {string} text
 * @returns {{value: number | null} | {error: string}}
 */
export function parseField(f, text) {
  const t = String(text ?? "").trim().replace(/%$/, "").trim();
  if (t === "") return f.type === "optional-count" ? { value: null } : { error: `${f.label}: enter a number` };
  const n = Number(t);
  if (!Number.isFinite(n)) return { error: `${f.label}: "${t}" is not a number` };
  if ((f.type === "count" || f.type === "optional-count") && !Number.isInteger(n)) return { error: `${f.label}: a whole number, please` };
  const value = f.type === "share" ? n / 100 : n;
  const unit = f.type === "share" ? " %" : "";
  const lo = f.type === "share" ? f.min * 100 : f.min, hi = f.type === "share" ? f.max * 100 : f.max;
  if (value < f.min || (f.minOpen && value === f.min) || value > f.max) {
    return { error: `${f.label}: ${f.minOpen ? `above ${shown(lo)}` : `from ${shown(lo)}`}${unit} to ${shown(hi)}${unit}` };
  }
  return { value: f.type === "share" ? Math.round(value * 1e6) / 1e6 : value };
}

/**
 * Check a filled-in form. The answer is the settings to send (every other setting the project
 * already has is kept, since the API replaces the settings as a whole) or the problems by field.
 * @param {Record<string, string>} values
 * @param {ProjectSettings & Record<string, unknown>} current
 * @returns {{settings: Record<string, unknown>, errors: Record<string, string>}}
 */
export function settingsFromForm(values, current) {
  /** @type {Record<string, string>} */
  const errors = {};
  /** @type {Record<string, unknown>} */
  const settings = { ...current };
  /** @type {Record<string, unknown>} */
  const checks = { ...(/** @type {Record<string, unknown>} */ (current.checks ?? {})) };
  for (const f of SETTING_FIELDS) {
    const parsed = parseField(f, values[f.id] ?? "");
    if ("error" in parsed) errors[f.id] = parsed.error;
    else if (!f.check) settings[f.id] = parsed.value;
    else if (parsed.value === null) delete checks[f.id];
    else checks[f.id] = parsed.value;
  }
  const min = parseField(/** @type {SettingField} */ (SETTING_FIELDS.find((f) => f.id === "min_objects")), values.min_objects ?? "");
  const max = parseField(/** @type {SettingField} */ (SETTING_FIELDS.find((f) => f.id === "max_objects")), values.max_objects ?? "");
  if ("value" in min && "value" in max && max.value !== null && min.value !== null && max.value < min.value) {
    errors.max_objects = "Most objects per item: at least the fewest objects per item";
  }
  settings.checks = checks;
  return { settings, errors };
}

/**
 * The check settings the server did not keep (an API that drops `checks`), by field label.
 * @param {Record<string, unknown>} sent
 * @param {Record<string, unknown>} kept  the project's settings as the server answered them
 * @returns {string[]}
 */
export function droppedChecks(sent, kept) {
  const a = /** @type {Record<string, unknown>} */ (sent.checks ?? {});
  const b = /** @type {Record<string, unknown>} */ (kept.checks ?? {});
  return SETTING_FIELDS.filter((f) => f.check && f.id in a && b[f.id] !== a[f.id]).map((f) => f.label);
}
