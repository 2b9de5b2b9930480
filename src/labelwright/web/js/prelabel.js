// What the pre-label form sends: checked in the page so a mistake is named before a job starts.

/**
 * @typedef {object} PrelabelForm
 * @property {string} model
 * @property {string} scope      "new" (new items only), "open" (not yet submitted) or "all"
 * @property {string} minScore   as typed, 0..1
 * @property {string} settings   JSON object as typed, may be empty
 * @property {boolean} activeLearning
 */

/** Item states each scope covers ([] means every item). */
export const SCOPES = {
  new: ["new"],
  open: ["new", "prelabeled", "annotating"],
  all: [],
};

/**
 * The POST /prelabel body, or the field at fault and why.
 * @param {PrelabelForm} form
 * @returns {{ok: true, body: Record<string, unknown>} | {ok: false, field: string, error: string}}
 */
export function prelabelBody(form) {
  if (!form.model) return { ok: false, field: "model", error: "Choose a model" };
  const minScore = Number(form.minScore);
  if (form.minScore.trim() === "" || !Number.isFinite(minScore) || minScore < 0 || minScore > 1) {
    return { ok: false, field: "minScore", error: "A score between 0 and 1" };
  }
  /** @type {unknown} */
  let settings = {};
  if (form.settings.trim()) {
    try {
      settings = JSON.parse(form.settings);
    } catch {
      return { ok: false, field: "settings", error: "Not valid JSON" };
    }
    if (settings === null || typeof settings !== "object" || Array.isArray(settings)) {
      return { ok: false, field: "settings", error: 'A JSON object, e.g. {"path": "best.onnx"}' };
    }
  }
  const states = SCOPES[/** @type {keyof typeof SCOPES} */ (form.scope)];
  if (!states) return { ok: false, field: "scope", error: "Choose which items" };
  return {
    ok: true,
    body: { model: form.model, states, min_score: minScore, settings, active_learning: form.activeLearning },
  };
}

/**
 * The models a pre-label job can run: batch models whose packages are installed, by name.
 * @param {import("./project-api.js").ModelInfo[]} models
 */
export function runnableModels(models) {
  return models.filter((m) => m.kind === "batch" && m.available).sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * One line on a finished pre-label job: images done, objects found, failures and drops.
 * @param {Record<string, any>} result  the job's result
 * @returns {string}
 */
export function prelabelSummary(result) {
  const images = Number(result.images ?? 0), objects = Number(result.objects ?? 0);
  const parts = [`${images} ${images === 1 ? "image" : "images"} predicted`, `${objects} ${objects === 1 ? "object" : "objects"} proposed`];
  const failed = Number(result.failed ?? 0);
  if (failed) parts.push(`${failed} could not be read`);
  const dropped = Object.entries(result).filter(([k]) => k.startsWith("dropped: ")).reduce((n, [, v]) => n + Number(v), 0);
  if (dropped) parts.push(`${dropped} left out (no matching class)`);
  return parts.join(" · ");
}
