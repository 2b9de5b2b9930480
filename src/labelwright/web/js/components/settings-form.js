// The quality settings form (managers): review share, gold rate, agreement threshold and the
// thresholds of the rule checks, checked as typed and saved with PATCH. The API replaces the
// settings as a whole, so the form sends them all, the project's other settings included.

import { h, replace } from "../dom.js";
import { messageOf } from "../errors.js";
import * as qualityApi from "../quality-api.js";
import { droppedChecks, formValues, parseField, SETTING_FIELDS, settingsFromForm } from "../quality-settings.js";

/**
 * @param {number} projectId
 * @param {Record<string, unknown>} current  the project's settings
 * @param {(saved: Record<string, unknown>) => void} onSaved
 * @returns {{el: HTMLElement, dirty: () => boolean}}
 */
export function settingsForm(projectId, current, onSaved) {
  let settings = current;
  let saved = formValues(settings);
  const id = (/** @type {string} */ name) => `quality-${name}-${projectId}`;
  const status = h("p", { class: "small", role: "status" });
  /** @type {Record<string, {input: HTMLInputElement, error: HTMLElement}>} */
  const fields = {};
  const group = (/** @type {boolean} */ check) => SETTING_FIELDS.filter((f) => Boolean(f.check) === check).map((f) => {
    const error = h("p", { class: "field-error small", id: id(`${f.id}-error`), hidden: true });
    const input = h("input", { id: id(f.id), name: f.id, inputmode: "decimal", autocomplete: "off", value: saved[f.id],
      "aria-describedby": `${id(`${f.id}-hint`)} ${error.id}`, onblur: () => showError(f.id, true), oninput: () => showError(f.id, false) });
    fields[f.id] = { input, error };
    return h("div", { class: "field" },
      h("label", { for: input.id }, f.label, f.type === "share" ? " (%)" : ""), input,
      h("p", { class: "muted small field-hint", id: id(`${f.id}-hint`) }, f.hint), error);
  });
  const button = h("button", { type: "submit", class: "btn btn-primary" }, "Save settings");
  const form = h("form", { class: "settings-form", novalidate: true, onsubmit: save },
    h("fieldset", { class: "sub-form" }, h("legend", null, "Review and gold"), h("div", { class: "field-row" }, group(false))),
    h("fieldset", { class: "sub-form" }, h("legend", null, "Rule checks"), h("div", { class: "field-row" }, group(true))),
    h("div", { class: "form-actions" }, button), status);

  const values = () => Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, f.input.value]));

  /** @param {string} name @param {boolean} always  show a problem (else only clear a fixed one) */
  function showError(name, always) {
    const spec = /** @type {import("../quality-settings.js").SettingField} */ (SETTING_FIELDS.find((f) => f.id === name));
    const parsed = parseField(spec, fields[name].input.value);
    const message = "error" in parsed ? parsed.error : "";
    if (!message || always) setError(name, message);
  }

  /** @param {string} name @param {string} message */
  function setError(name, message) {
    const f = fields[name];
    f.error.textContent = message;
    f.error.hidden = !message;
    if (message) f.input.setAttribute("aria-invalid", "true");
    else f.input.removeAttribute("aria-invalid");
  }

  /** @param {SubmitEvent} e */
  async function save(e) {
    e.preventDefault();
    const { settings: next, errors } = settingsFromForm(values(), settings);
    for (const name of Object.keys(fields)) setError(name, errors[name] ?? "");
    const first = Object.keys(errors)[0];
    if (first) {
      replace(status, "Fix the marked fields first.");
      fields[first].input.focus();
      return;
    }
    button.disabled = true;
    try {
      const project = await qualityApi.saveSettings(projectId, next);
      settings = project.settings ?? next;
      saved = values();
      const dropped = droppedChecks(next, settings);
      replace(status, dropped.length
        ? `Saved, but the server did not keep these check settings: ${dropped.join(", ")}.`
        : "Settings saved.");
      onSaved(settings);
    } catch (err) {
      replace(status, messageOf(err));
    } finally {
      button.disabled = false;
    }
  }

  return { el: form, dirty: () => Object.entries(values()).some(([k, v]) => v !== saved[k]) };
}
