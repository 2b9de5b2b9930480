// The export box: choose a dataset format and options, export, see what went in, download the zip.

import * as api from "../api.js";
import { h, replace } from "../dom.js";
import { messageOf } from "../errors.js";
import { describeSplit, downloadPath, exportBody, formatLabel, parseSplit, summariseManifest } from "../exports.js";
import { isFinished, jobProgress } from "../jobs.js";
import { waitForJob } from "./job-progress.js";

const SPLIT_HINT = "Train/val/test shares. Leave empty for no split.";

/**
 * @param {number} projectId
 * @returns {HTMLElement}
 */
export function exportBox(projectId) {
  const id = (/** @type {string} */ name) => `export-${name}-${projectId}`;
  let busy = false;
  let formatsReady = false;

  const format = h("select", { id: id("format"), disabled: true }, h("option", { value: "" }, "Loading formats…"));
  const splitHint = h("p", { id: id("split-hint"), class: "muted small field-hint" }, SPLIT_HINT);
  const splitError = h("p", { id: id("split-error"), class: "field-error", hidden: true });
  const split = h("input", {
    id: id("split"), placeholder: "e.g. 80/10/10", autocomplete: "off", spellcheck: "false", inputmode: "decimal",
    "aria-describedby": `${splitHint.id} ${splitError.id}`,
    oninput: () => showSplit(false),
    onblur: () => showSplit(true),
  });
  const acceptedOnly = h("input", { id: id("accepted"), type: "checkbox" });
  const predictions = h("input", { id: id("predictions"), type: "checkbox" });
  const label = h("span", null, "Export");
  const spin = h("span", { class: "spinner", "aria-hidden": "true", hidden: true });
  const button = h("button", { type: "submit", class: "btn btn-primary btn-block", disabled: true }, spin, label);
  const status = h("p", { class: "upload-status", role: "status" });
  const result = h("div", { class: "export-result" });

  const form = h("form", { class: "export-form", novalidate: true, onsubmit: submit },
    h("div", { class: "field" }, h("label", { for: format.id }, "Format"), format),
    h("div", { class: "field" },
      h("label", { for: split.id }, "Split ", h("span", { class: "muted" }, "(optional)")),
      split, splitHint, splitError),
    h("div", { class: "check" }, acceptedOnly, h("label", { for: acceptedOnly.id }, "Accepted items only")),
    h("div", { class: "check" }, predictions, h("label", { for: predictions.id }, "Include model predictions")),
    button);

  /**
   * Show what the typed split means, or (when `strict`, or once it was wrong) what is wrong with it.
   * @param {boolean} strict
   * @returns {boolean} whether the split is usable
   */
  function showSplit(strict) {
    const parsed = parseSplit(split.value);
    if (parsed.ok) {
      splitError.hidden = true;
      split.removeAttribute("aria-invalid");
      splitHint.textContent = parsed.ratios ? describeSplit(parsed.ratios) : SPLIT_HINT;
      return true;
    }
    if (strict || split.getAttribute("aria-invalid") === "true") {
      splitError.textContent = parsed.error;
      splitError.hidden = false;
      split.setAttribute("aria-invalid", "true");
    }
    splitHint.textContent = SPLIT_HINT;
    return false;
  }

  async function loadFormats() {
    try {
      const names = await api.listFormats(projectId);
      replace(format, names.map((n) => h("option", { value: n }, formatLabel(n))));
      formatsReady = names.length > 0;
      if (!formatsReady) replace(format, h("option", { value: "" }, "No formats available"));
      format.disabled = !formatsReady;
      button.disabled = busy || !formatsReady;
    } catch (err) {
      replace(format, h("option", { value: "" }, "Formats did not load"));
      replace(result, h("div", { class: "error-box", role: "alert" },
        h("p", null, `Could not load the formats: ${messageOf(err)}`),
        h("button", { type: "button", class: "btn", onclick: () => { replace(result); loadFormats(); } }, "Try again")));
    }
  }

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    if (busy || !formatsReady) return;
    const choice = exportBody({
      format: format.value, split: split.value,
      acceptedOnly: acceptedOnly.checked, includePredictions: predictions.checked,
    });
    if (!choice.ok) {
      if (choice.field === "split") {
        showSplit(true);
        split.focus();
      } else {
        replace(result, h("p", { class: "form-error", role: "alert" }, choice.error));
      }
      return;
    }
    setBusy(true);
    replace(result);
    status.textContent = `Exporting as ${formatLabel(choice.body.format)}… this can take a while for big projects.`;
    try {
      let job = await api.createExport(projectId, choice.body);
      // The server queues exports: follow the job until its zip is ready.
      if (!isFinished(job)) {
        job = await waitForJob(projectId, job.id, { onUpdate: (j) => { status.textContent = `Export: ${jobProgress(j).text}`; } });
      }
      status.textContent = "";
      if (job.state !== "done") throw new Error(job.error || `The export was ${job.state}.`);
      showResult(job);
    } catch (err) {
      status.textContent = "";
      replace(result, h("p", { class: "form-error", role: "alert" }, `Export failed: ${messageOf(err)}`));
    } finally {
      setBusy(false);
    }
  }

  /** @param {boolean} on */
  function setBusy(on) {
    busy = on;
    button.disabled = on || !formatsReady;
    spin.hidden = !on;
    label.textContent = on ? "Exporting…" : "Export";
    for (const control of [format, split, acceptedOnly, predictions]) control.disabled = on || (control === format && !formatsReady);
    if (on) form.setAttribute("aria-busy", "true");
    else form.removeAttribute("aria-busy");
  }

  /** @param {api.Job} job */
  function showResult(job) {
    const manifest = job.result?.manifest;
    const summary = summariseManifest(manifest);
    const fmt = manifest?.format ? formatLabel(manifest.format) : "";
    replace(result,
      h("div", { class: "export-done" },
        h("p", { class: "export-title" }, h("span", { class: "badge outcome-badge-added" }, "Ready"), " ", fmt && h("strong", null, fmt)),
        h("p", { class: "export-counts" }, summary.headline),
        summary.splits && h("p", { class: "muted small" }, summary.splits),
        !manifest?.images && h("p", { class: "muted small" }, "No items matched the options, so the zip holds no images."),
        h("div", { class: "form-actions" },
          h("a", { class: "btn", href: downloadPath(projectId, job.id), download: true }, "Download .zip"),
          h("button", { type: "button", class: "btn btn-quiet small", onclick: () => replace(result) }, "Clear"))));
  }

  loadFormats();

  return h("section", { class: "panel export-box", "aria-labelledby": id("title") },
    h("h2", { id: id("title") }, "Export dataset"),
    form, status, result);
}
