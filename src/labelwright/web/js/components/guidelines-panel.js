// The project's guidelines: Markdown shown to every member; managers write it with a live
// preview and add images (uploaded to the guidelines' own image store).

import { debounce, errorBox, h, notify, replace, spinner } from "../dom.js";
import { messageOf } from "../errors.js";
import { formatDate } from "../format.js";
import * as projectApi from "../project-api.js";
import { renderMarkdown } from "./markdown-view.js";

/** The server's limit on the guidelines' length, in characters. */
const MAX_LENGTH = 1_000_000;

/**
 * @param {number} projectId
 * @param {{manage: boolean}} options
 * @returns {{el: HTMLElement, dirty: () => boolean}}
 */
export function guidelinesPanel(projectId, { manage }) {
  const id = (/** @type {string} */ name) => `guide-${name}-${projectId}`;
  /** @type {projectApi.Guidelines} */
  let current = { text: "", updated_at: null, updated_by: null };
  let editing = false;

  const meta = h("span", { class: "muted small" });
  const editBtn = h("button", { type: "button", class: "btn", onclick: startEditing }, "Edit");
  const body = h("div", { class: "guidelines-body" }, spinner("Loading the guidelines…"));
  const el = h("section", { class: "panel guidelines-panel", "aria-labelledby": id("title") },
    h("div", { class: "panel-head" }, h("h2", { id: id("title") }, "Guidelines"), meta, manage && editBtn),
    body);

  const textarea = h("textarea", {
    id: id("text"), class: "guidelines-text", rows: 22, spellcheck: "true", maxlength: MAX_LENGTH,
    "aria-describedby": id("help"),
    oninput: debounce(() => { renderPreview(); countChars(); }, 150),
    onpaste: (/** @type {ClipboardEvent} */ e) => takeImages(e, e.clipboardData?.files),
    ondrop: (/** @type {DragEvent} */ e) => takeImages(e, e.dataTransfer?.files),
  });
  const preview = h("div", { class: "markdown preview", "aria-live": "off" });
  const count = h("span", { class: "muted small" });
  const picker = h("input", {
    type: "file", accept: "image/*", class: "visually-hidden", id: id("image"),
    onchange: () => { const f = picker.files?.[0]; picker.value = ""; if (f) addImage(f); },
  });
  const imageBtn = h("button", { type: "button", class: "btn small", onclick: () => picker.click() }, "Add image…");
  const saveBtn = h("button", { type: "button", class: "btn btn-primary", onclick: save }, "Save guidelines");
  const editError = h("p", { class: "form-error", role: "alert", hidden: true });

  async function load() {
    try {
      current = await projectApi.getGuidelines(projectId);
      if (!editing) showView();
    } catch (err) {
      replace(body, errorBox(messageOf(err), load));
    }
  }

  function showView() {
    editing = false;
    editBtn.hidden = false;
    meta.textContent = current.updated_at ? `Updated ${formatDate(current.updated_at)}` : "";
    const content = h("div", { class: "markdown" });
    if (current.text.trim()) content.append(renderMarkdown(current.text, { projectId }));
    else content.append(h("p", { class: "muted" }, manage ? "No guidelines yet. Write down what to label and how." : "No guidelines yet."));
    replace(body, content);
  }

  function startEditing() {
    editing = true;
    editBtn.hidden = true;
    textarea.value = current.text;
    editError.hidden = true;
    renderPreview();
    countChars();
    replace(body,
      h("div", { class: "guidelines-toolbar" }, imageBtn, picker,
        h("span", { id: id("help"), class: "muted small" },
          "Markdown: # heading, **bold**, *italic*, - list, 1. list, [link](https://…), `code`. Paste or drop images."),
        count),
      h("div", { class: "guidelines-edit" },
        h("div", { class: "field" }, h("label", { for: textarea.id }, "Text"), textarea),
        h("div", { class: "field" }, h("span", { class: "field-label" }, "Preview"), preview)),
      editError,
      h("div", { class: "form-actions" }, saveBtn,
        h("button", { type: "button", class: "btn", onclick: cancel }, "Cancel")));
    textarea.focus();
  }

  function renderPreview() {
    replace(preview);
    preview.append(renderMarkdown(textarea.value, { projectId }));
  }

  function countChars() {
    count.textContent = `${textarea.value.length.toLocaleString("en")} characters`;
  }

  function dirty() {
    return editing && textarea.value !== current.text;
  }

  function cancel() {
    if (dirty() && !window.confirm("Drop your changes to the guidelines?")) return;
    showView();
  }

  async function save() {
    saveBtn.disabled = true;
    try {
      current = await projectApi.putGuidelines(projectId, textarea.value);
      notify("Guidelines saved.");
      showView();
    } catch (err) {
      editError.textContent = `Not saved: ${messageOf(err)}`;
      editError.hidden = false;
    } finally {
      saveBtn.disabled = false;
    }
  }

  /**
   * Upload images pasted or dropped into the text (other content is left to the browser).
   * @param {Event} e
   * @param {FileList | undefined} files
   */
  function takeImages(e, files) {
    const images = [...(files ?? [])].filter((f) => f.type.startsWith("image/"));
    if (!images.length) return;
    e.preventDefault();
    for (const f of images) addImage(f);
  }

  /** @param {File} file */
  async function addImage(file) {
    imageBtn.disabled = true;
    const placeholder = `![Uploading ${file.name.replace(/[[\]]/g, "")}…]()`;
    insertAtCursor(placeholder);
    try {
      const stored = await projectApi.uploadGuidelineImage(projectId, file);
      textarea.value = textarea.value.replace(placeholder, stored.markdown);
    } catch (err) {
      textarea.value = textarea.value.replace(placeholder, "");
      notify(`${file.name}: ${messageOf(err)}`, "error");
    } finally {
      imageBtn.disabled = false;
      renderPreview();
      countChars();
    }
  }

  /** @param {string} text */
  function insertAtCursor(text) {
    const start = textarea.selectionStart ?? textarea.value.length;
    const end = textarea.selectionEnd ?? start;
    const before = textarea.value.slice(0, start);
    const spacer = before && !before.endsWith("\n") ? "\n" : "";
    textarea.setRangeText(`${spacer}${text}\n`, start, end, "end");
  }

  load();
  return { el, dirty };
}
