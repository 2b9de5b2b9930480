// The upload box: drop files or pick them, see each file's outcome (added, duplicate, rejected).

import * as api from "../api.js";
import { h, notify, replace } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatBytes, plural } from "../format.js";
import { MAX_FILES_PER_REQUEST, chunks, fileOutcomes, mergeResults, uploadSummary } from "../uploads.js";

const OUTCOME_LABEL = { added: "Added", duplicate: "Duplicate", rejected: "Rejected" };

/**
 * @param {number} projectId
 * @param {(result: import("../uploads.js").ImportResult) => void} onUploaded
 * @returns {HTMLElement}
 */
export function uploadBox(projectId, onUploaded) {
  let busy = false;
  const picker = h("input", {
    type: "file", multiple: true, id: `upload-files-${projectId}`, class: "visually-hidden",
    accept: "image/*,.zip,.tar,.tgz,.gz,.bz2,.xz,.txt,.csv",
    onchange: () => { if (picker.files?.length) send([...picker.files]); picker.value = ""; },
  });
  const batch = h("input", { id: `upload-batch-${projectId}`, placeholder: "e.g. client delivery 3", maxlength: 200 });
  const progress = h("progress", { class: "upload-progress", max: 1, value: 0, hidden: true, "aria-label": "Upload progress" });
  const status = h("p", { class: "upload-status", role: "status" });
  const results = h("div", { class: "upload-results" });
  const choose = h("button", { type: "button", class: "btn", onclick: () => picker.click() }, "Choose files…");

  const zone = h("div", {
    class: "drop-zone",
    ondragenter: onDrag, ondragover: onDrag,
    ondragleave: (/** @type {DragEvent} */ e) => {
      if (!zone.contains(/** @type {Node | null} */ (e.relatedTarget))) zone.classList.remove("drag-over");
    },
    ondrop: (/** @type {DragEvent} */ e) => {
      e.preventDefault();
      zone.classList.remove("drag-over");
      const files = [...(e.dataTransfer?.files ?? [])].filter((f) => f.size > 0 || f.type);
      if (files.length) send(files);
      else notify("Drop files, not folders: pick the files inside, or a .zip of the folder.", "error");
    },
  },
  uploadIcon(),
  h("p", null, h("strong", null, "Drop images here")),
  h("p", { class: "muted small" }, "JPEG, PNG, GIF, WebP, TIFF…, archives (.zip, .tar) or URL lists"),
  choose, picker);

  /** @param {DragEvent} e */
  function onDrag(e) {
    if (!e.dataTransfer?.types.includes("Files")) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = busy ? "none" : "copy";
    zone.classList.add("drag-over");
  }

  /** @param {File[]} files */
  async function send(files) {
    if (busy) {
      notify("Wait for the current upload to finish.", "error");
      return;
    }
    busy = true;
    choose.disabled = true;
    zone.setAttribute("aria-busy", "true");
    const total = files.reduce((n, f) => n + f.size, 0);
    replace(results);
    progress.hidden = false;
    progress.value = 0;
    status.textContent = `Uploading ${plural(files.length, "file")} (${formatBytes(total)})…`;
    /** @type {import("../uploads.js").ImportResult[]} */
    const done = [];
    let sentBefore = 0;
    try {
      for (const group of chunks(files, MAX_FILES_PER_REQUEST)) {
        const groupSize = group.reduce((n, f) => n + f.size, 0);
        done.push(await api.uploadFiles(projectId, group, batch.value.trim(), (sent) => {
          progress.value = total ? Math.min(1, (sentBefore + sent) / total) : 1;
          if (sentBefore + sent >= total) status.textContent = "Checking and storing images…";
        }));
        sentBefore += groupSize;
      }
      const result = mergeResults(done);
      status.textContent = `Upload finished: ${uploadSummary(result)}.`;
      showResults(result);
      onUploaded(result);
    } catch (err) {
      status.textContent = "";
      if (done.length) showResults(mergeResults(done));
      results.prepend(h("p", { class: "form-error", role: "alert" }, `Upload failed: ${messageOf(err)}`));
    } finally {
      busy = false;
      choose.disabled = false;
      zone.removeAttribute("aria-busy");
      progress.hidden = true;
    }
  }

  /** @param {import("../uploads.js").ImportResult} result */
  function showResults(result) {
    const rows = fileOutcomes(result);
    if (!rows.length) return;
    replace(results,
      h("ul", { class: "outcome-list", "aria-label": "Outcome per file" },
        rows.map((r) => h("li", { class: `outcome outcome-${r.outcome}` },
          h("span", { class: `badge outcome-badge-${r.outcome}` }, OUTCOME_LABEL[r.outcome]),
          h("span", { class: "outcome-name", title: r.name }, r.name),
          r.note && h("span", { class: "outcome-note" }, r.note)))),
      h("button", { type: "button", class: "btn btn-quiet small", onclick: () => replace(results) }, "Clear"));
  }

  return h("section", { class: "panel", "aria-labelledby": `upload-title-${projectId}` },
    h("h2", { id: `upload-title-${projectId}` }, "Upload"),
    zone,
    h("div", { class: "field" }, h("label", { for: batch.id }, "Batch name ", h("span", { class: "muted" }, "(optional)")), batch),
    progress, status, results);
}

/** @returns {SVGSVGElement} */
function uploadIcon() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(ns, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("class", "drop-icon");
  svg.setAttribute("aria-hidden", "true");
  const path = document.createElementNS(ns, "path");
  path.setAttribute("d", "M12 16V4m0 0l-4 4m4-4l4 4M4 16v3a1 1 0 001 1h14a1 1 0 001-1v-3");
  path.setAttribute("fill", "none");
  path.setAttribute("stroke", "currentColor");
  path.setAttribute("stroke-width", "1.8");
  path.setAttribute("stroke-linecap", "round");
  path.setAttribute("stroke-linejoin", "round");
  svg.append(path);
  return svg;
}
