// The pre-label box (managers): run a model over the project's items as a background job,
// with its progress, a cancel button and the final counts.

import { h, replace } from "../dom.js";
import { messageOf } from "../errors.js";
import { prelabelBody, prelabelSummary, runnableModels } from "../prelabel.js";
import * as projectApi from "../project-api.js";
import { jobView } from "./job-progress.js";

/**
 * @param {number} projectId
 * @param {() => void} onDone  after a job finished (the item states changed)
 * @returns {{el: HTMLElement, stop: () => void}}
 */
export function prelabelBox(projectId, onDone) {
  const id = (/** @type {string} */ name) => `prelabel-${name}-${projectId}`;
  /** @type {{el: HTMLElement, stop: () => void} | null} */
  let watching = null;

  const model = h("select", { id: id("model") }, h("option", { value: "" }, "Loading models…"));
  const about = h("p", { class: "muted small field-hint" });
  const scope = h("select", { id: id("scope") },
    h("option", { value: "new" }, "New items"),
    h("option", { value: "open" }, "Items not yet submitted"),
    h("option", { value: "all" }, "Every item"));
  const minScore = h("input", { id: id("min"), type: "number", min: "0", max: "1", step: "0.05", value: "0.25" });
  const settings = h("textarea", { id: id("settings"), rows: 2, placeholder: '{"path": "best.onnx"}', spellcheck: "false" });
  const active = h("input", { id: id("active"), type: "checkbox" });
  const error = h("p", { class: "field-error", role: "alert" });
  const button = h("button", { type: "submit", class: "btn btn-primary btn-block" }, "Pre-label");
  const result = h("div", { class: "prelabel-result" });
  /** @type {import("../project-api.js").ModelInfo[]} */
  let models = [];

  const form = h("form", { class: "prelabel-form", novalidate: true, onsubmit: submit },
    h("div", { class: "field" }, h("label", { for: model.id }, "Model"), model, about),
    h("div", { class: "field" }, h("label", { for: scope.id }, "Items"), scope),
    h("div", { class: "field" }, h("label", { for: minScore.id }, "Keep predictions scoring at least"), minScore),
    h("details", null, h("summary", { class: "small" }, "Model settings"),
      h("div", { class: "field" }, h("label", { for: settings.id }, "Settings (JSON; files are inside the data folder's models/)"), settings)),
    h("div", { class: "check" }, active, h("label", { for: active.id }, "Queue the least certain items first")),
    error, button);

  function describe() {
    const chosen = models.find((m) => m.name === model.value);
    about.textContent = chosen ? `${chosen.description} — emits ${chosen.kinds.join(", ")}` : "";
  }
  model.addEventListener("change", describe);

  async function load() {
    try {
      models = runnableModels(await projectApi.listModels());
      replace(model, models.length
        ? models.map((m) => h("option", { value: m.name }, m.name))
        : h("option", { value: "" }, "No model is installed (pip install 'labelwright[models]')"));
      describe();
    } catch (err) {
      error.textContent = `Could not list the models: ${messageOf(err)}`;
    }
  }

  /** @param {SubmitEvent} e */
  async function submit(e) {
    e.preventDefault();
    const checked = prelabelBody({
      model: model.value, scope: scope.value, minScore: minScore.value,
      settings: settings.value, activeLearning: active.checked,
    });
    if (!checked.ok) {
      error.textContent = checked.error;
      return;
    }
    error.textContent = "";
    button.disabled = true;
    try {
      const job = await projectApi.startPrelabel(projectId, checked.body);
      watching?.stop();
      watching = jobView(projectId, job, {
        title: `Pre-labeling with ${model.value}`, canCancel: true,
        describe: (r) => h("p", { class: "small" }, prelabelSummary(r)),
        onFinish: () => { button.disabled = false; onDone(); },
      });
      replace(result, watching.el);
    } catch (err) {
      error.textContent = messageOf(err);
      button.disabled = false;
    }
  }

  load();
  const el = h("section", { class: "panel prelabel-box", "aria-labelledby": id("title") },
    h("h2", { id: id("title") }, "Pre-label with a model"), form, result);
  return { el, stop: () => watching?.stop() };
}
