// The dataset import box (managers): an archive or main file, its format, annotations or a
// model's predictions; then the upload's progress, the import job's, and its report.

import * as api from "../api.js";
import { h, replace } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatLabel } from "../exports.js";
import { formatBytes } from "../format.js";
import { importAnswer } from "../jobs.js";
import * as projectApi from "../project-api.js";
import { jobView, reportView } from "./job-progress.js";

/** A model name as the server accepts it for predictions. */
const MODEL_NAME = /^[A-Za-z0-9_.:-]{1,200}$/;

/**
 * @param {number} projectId
 * @param {(report: Record<string, any>) => void} onImported  after an import finished
 * @returns {{el: HTMLElement, stop: () => void}}
 */
export function importBox(projectId, onImported) {
  const id = (/** @type {string} */ name) => `import-${name}-${projectId}`;
  /** @type {{stop: () => void} | null} */
  /** @type {{el: HTMLElement, stop: () => void} | null} */
  let watching = null;
  let busy = false;

  const file = h("input", {
    id: id("file"), type: "file", required: true,
    accept: ".zip,.tar,.tgz,.gz,.bz2,.xz,.json,.jsonl,.xml,.txt",
  });
  const format = h("select", { id: id("format") }, h("option", { value: "" }, "Detect from the files"));
  const asAnnotations = h("input", { id: id("as-ann"), type: "radio", name: id("as"), value: "annotations", checked: true, onchange: syncModel });
  const asPredictions = h("input", { id: id("as-pred"), type: "radio", name: id("as"), value: "predictions", onchange: syncModel });
  const model = h("input", { id: id("model"), placeholder: "model name, e.g. yolo-v8", autocomplete: "off", spellcheck: "false", maxlength: 200, disabled: true });
  const button = h("button", { type: "submit", class: "btn btn-primary btn-block" }, "Import");
  const progress = h("progress", { class: "upload-progress", max: 1, value: 0, hidden: true, "aria-label": "Upload progress" });
  const status = h("p", { class: "upload-status", role: "status" });
  const result = h("div", { class: "import-result" });

  const form = h("form", { class: "import-form", novalidate: true, onsubmit: submit },
    h("div", { class: "field" }, h("label", { for: file.id }, "Dataset archive or file"), file,
      h("p", { class: "muted small field-hint" }, "A .zip or .tar of the dataset's folder (images optional), or its main file such as COCO JSON.")),
    h("div", { class: "field" }, h("label", { for: format.id }, "Format"), format),
    h("fieldset", { class: "radio-group" }, h("legend", null, "Import the labels as"),
      h("div", { class: "check" }, asAnnotations, h("label", { for: asAnnotations.id }, "My annotations")),
      h("div", { class: "check" }, asPredictions, h("label", { for: asPredictions.id }, "Predictions of a model"))),
    h("div", { class: "field" }, h("label", { for: model.id, class: "visually-hidden" }, "Model name"), model),
    button);

  function syncModel() {
    model.disabled = busy || !asPredictions.checked;
    if (!model.disabled) model.focus();
  }

  async function loadFormats() {
    try {
      const names = await api.listFormats(projectId);
      format.append(...names.map((n) => h("option", { value: n }, formatLabel(n))));
    } catch {
      // Detection still works without the list.
    }
  }

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    if (busy) return;
    const chosen = file.files?.[0];
    const modelName = asPredictions.checked ? model.value.trim() : "";
    const problem = !chosen ? "Choose the dataset to import."
      : asPredictions.checked && !MODEL_NAME.test(modelName) ? "Name the model: letters, digits and _ . : - only." : "";
    if (problem) {
      replace(result, h("p", { class: "form-error", role: "alert" }, problem));
      (chosen ? model : file).focus();
      return;
    }
    watching?.stop();
    setBusy(true);
    replace(result);
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Uploading ${/** @type {File} */ (chosen).name} (${formatBytes(/** @type {File} */ (chosen).size)})…`;
    try {
      const body = await projectApi.importDataset(projectId, /** @type {File} */ (chosen), format.value, modelName, (sent, total) => {
        progress.value = total ? sent / total : 0;
        if (total && sent >= total) {
          progress.removeAttribute("value");
          status.textContent = "Reading the dataset and importing…";
        }
      });
      progress.hidden = true;
      status.textContent = "";
      follow(importAnswer(body));
    } catch (err) {
      progress.hidden = true;
      status.textContent = "";
      replace(result, failure(err));
      setBusy(false);
    }
  }

  /** @param {ReturnType<typeof importAnswer>} answer */
  function follow(answer) {
    if (answer.report) {
      replace(result, h("p", { class: "import-done" }, h("span", { class: "badge outcome-badge-added" }, "Imported")), reportView(answer.report));
      setBusy(false);
      onImported(answer.report);
      return;
    }
    if (answer.jobId === null) {
      setBusy(false);
      return;
    }
    watching = jobView(projectId, answer.job ?? answer.jobId, {
      title: "Import", canCancel: true,
      onFinish: (job) => {
        setBusy(false);
        if (job.state === "done") onImported(job.result ?? {});
      },
    });
    replace(result, watching.el);
  }

  /**
   * @param {unknown} err
   * @returns {HTMLElement}
   */
  function failure(err) {
    const refused = err instanceof Error && "details" in err ? /** @type {any} */ (err).details?.refused : null;
    return h("div", { class: "form-error", role: "alert" },
      h("p", null, `Import failed: ${messageOf(err)}`),
      Array.isArray(refused) && refused.length > 0 && h("ul", { class: "plain-list small" },
        refused.slice(0, 20).map((r) => h("li", null, `${String(r.name ?? "")}: ${String(r.reason ?? "")}`))));
  }

  /** @param {boolean} on */
  function setBusy(on) {
    busy = on;
    button.disabled = on;
    button.textContent = on ? "Importing…" : "Import";
    for (const control of [file, format, asAnnotations, asPredictions]) control.disabled = on;
    model.disabled = on || !asPredictions.checked;
  }

  loadFormats();
  const el = h("section", { class: "panel import-box", "aria-labelledby": id("title") },
    h("h2", { id: id("title") }, "Import dataset"), form, progress, status, result);
  return { el, stop: () => watching?.stop() };
}
