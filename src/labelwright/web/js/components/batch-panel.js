// Client batches: each batch's requirements, due date and progress; a form to send a new one.

import { request, upload } from "../api.js";
import { errorBox, h, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatDate, plural } from "../format.js";
import { stateBar } from "./state-bar.js";

/**
 * @typedef {object} BatchProgress
 * @property {number} id
 * @property {string} name
 * @property {string} note
 * @property {string | null} due_date
 * @property {boolean} overdue
 * @property {number | null} created_by
 * @property {string} created_at
 * @property {string | null} completed_at
 * @property {number} total
 * @property {number} done
 * @property {Record<string, number>} states
 */

/**
 * @param {number} projectId
 * @returns {Promise<BatchProgress[]>}
 */
export const listBatchProgress = (projectId) => request("GET", `/api/projects/${projectId}/batch-progress`);

/**
 * @param {BatchProgress} b
 * @returns {HTMLElement}
 */
function batchRow(b) {
  const due = b.due_date
    ? h("span", { class: b.overdue ? "badge severity-error" : "badge badge-muted" },
      `${b.overdue ? "Overdue since" : "Due"} ${formatDate(b.due_date)}`)
    : null;
  return h("li", { class: "batch-row", dataset: { id: String(b.id) } },
    h("div", { class: "panel-head" },
      h("strong", null, b.name || `Batch ${b.id}`), " ",
      b.completed_at ? h("span", { class: "badge state-badge state-accepted" }, "Complete") : due,
      h("span", { class: "muted small" }, ` ${plural(b.done, "item")} of ${b.total} accepted · sent ${formatDate(b.created_at)}`)),
    stateBar(b.states, { compact: true }),
    b.note && h("p", { class: "muted small batch-note" }, b.note));
}

/**
 * @param {number} projectId
 * @param {{canUpload: boolean, onChange?: () => void}} options
 * @returns {{el: HTMLElement, reload: () => Promise<void>, batches: () => BatchProgress[]}}
 */
export function batchPanel(projectId, { canUpload, onChange }) {
  /** @type {BatchProgress[]} */
  let found = [];
  const list = h("div", null, spinner("Loading batches…"));

  async function reload() {
    try {
      found = await listBatchProgress(projectId);
      replace(list, found.length
        ? h("ul", { class: "plain-list batch-list" }, found.map(batchRow))
        : h("p", { class: "muted small" }, "No batches yet."));
    } catch (err) {
      replace(list, errorBox(messageOf(err), reload));
    }
  }

  const id = (/** @type {string} */ name) => `batch-${name}-${projectId}`;
  const name = h("input", { id: id("name"), required: true, maxlength: 200, autocomplete: "off" });
  const note = h("textarea", { id: id("note"), rows: 3, maxlength: 10000, placeholder: "What to label, and how" });
  const due = h("input", { id: id("due"), type: "date" });
  const files = h("input", { id: id("files"), type: "file", multiple: true, accept: "image/*,.zip,.tar,.gz,.txt,.csv" });
  const status = h("p", { class: "upload-status", role: "status" });
  const send = h("button", { type: "submit", class: "btn btn-primary" }, "Send batch");

  /** @param {Event} e */
  async function submit(e) {
    e.preventDefault();
    const chosen = [...(files.files ?? [])];
    if (!name.value.trim()) { status.textContent = "Name the batch."; name.focus(); return; }
    if (!chosen.length) { status.textContent = "Choose the images to send."; files.focus(); return; }
    const form = new FormData();
    for (const f of chosen) form.append("files", f, f.name);
    form.append("name", name.value.trim());
    form.append("note", note.value);
    if (due.value) form.append("due_date", due.value);
    send.disabled = true;
    status.textContent = `Sending ${plural(chosen.length, "file")}…`;
    try {
      const out = await upload(`/api/projects/${projectId}/batches`, form, (sent, total) => {
        status.textContent = `Sending… ${total ? Math.round((100 * sent) / total) : 0}%`;
      });
      status.textContent = `Batch “${out.batch.name}” made with ${plural(out.report.added, "new item")}.`;
      for (const input of [name, note, due, files]) input.value = "";
      await reload();
      onChange?.();
    } catch (err) {
      status.textContent = `The batch was not sent: ${messageOf(err)}`;
    } finally {
      send.disabled = false;
    }
  }

  const form = canUpload
    ? h("form", { class: "form-card batch-form", onsubmit: submit, novalidate: true },
      h("h3", null, "Send a new batch"),
      h("div", { class: "field" }, h("label", { for: name.id }, "Name"), name),
      h("div", { class: "field" }, h("label", { for: note.id }, "Requirements ", h("span", { class: "muted" }, "(optional)")), note),
      h("div", { class: "field" }, h("label", { for: due.id }, "Due date ", h("span", { class: "muted" }, "(optional)")), due),
      h("div", { class: "field" }, h("label", { for: files.id }, "Images or archives"), files),
      h("div", { class: "form-actions" }, send), status)
    : null;

  reload();
  const el = h("section", { class: "panel batch-panel", "aria-labelledby": id("title") },
    h("h2", { id: id("title") }, "Batches"), list, form);
  return { el, reload, batches: () => found };
}
