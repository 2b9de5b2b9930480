// The label schema editor: classes, tag groups and relation types, checked in the page,
// saved with the version it was edited from; the server's refusals are shown where they
// belong (a field, a stale version, classes still in use).

import { ApiError, messageOf } from "../errors.js";
import { errorBox, h, notify, replace, spinner } from "../dom.js";
import { plural } from "../format.js";
import * as projectApi from "../project-api.js";
import { classesInUse, nearestField, serverProblems, validateSchema } from "../schema-checks.js";
import { addClass, addRelationType, addTagGroup, cleanSchema, normaliseSchema, removedClasses } from "../schema-model.js";
import { askRemap } from "./remap-dialog.js";
import { addButton, classCard, relationCard, tagGroupCard } from "./schema-forms.js";

/**
 * @param {number} projectId
 * @param {{manage: boolean}} options  managers edit; everyone else reads
 * @returns {{el: HTMLElement, dirty: () => boolean}}
 */
export function schemaEditor(projectId, { manage }) {
  let version = 0;
  /** @type {import("../schema-model.js").Schema} */
  let saved = normaliseSchema({});
  let draft = normaliseSchema({});
  let showAll = false;
  let busy = false;
  /** @type {Map<string, HTMLElement>} error slot per path */
  let slots = new Map();
  /** @type {Set<string>} paths the person has left (their problems show from then on) */
  const touched = new Set();

  const status = h("span", { class: "muted small", role: "status" });
  const saveBtn = h("button", { type: "button", class: "btn btn-primary", onclick: () => save({}) }, "Save schema");
  const discardBtn = h("button", { type: "button", class: "btn", onclick: discard }, "Discard changes");
  const general = h("div", { class: "schema-general", role: "alert" });
  const form = h("div", { class: "schema-form", onfocusout: onLeave });
  const el = h("section", { class: "panel schema-editor", "aria-labelledby": `schema-title-${projectId}` },
    h("div", { class: "panel-head" },
      h("h2", { id: `schema-title-${projectId}` }, "Label schema"), status,
      manage && h("div", { class: "btn-group" }, discardBtn, saveBtn)),
    !manage && h("p", { class: "muted small" }, "Only managers change the schema; this is what annotators draw with."),
    general, form);

  /** @type {import("./schema-forms.js").FormContext} */
  const ctx = {
    get schema() { return draft; },
    readOnly: !manage,
    idFor: (path) => `sf-${projectId}-${path.replace(/\./g, "-")}`,
    slot(path) {
      const slot = h("span", { class: "field-error", id: `${ctx.idFor(path)}-error`, hidden: true });
      slots.set(path, slot);
      return slot;
    },
    field(path, label, control) {
      const slot = ctx.slot(path);
      control.setAttribute("aria-describedby", slot.id);
      const labelEl = control instanceof HTMLInputElement || control instanceof HTMLSelectElement
        ? h("label", { for: control.id }, label) : h("span", { class: "field-label" }, label);
      return h("div", { class: "field", dataset: { path } }, labelEl, control, slot);
    },
    changed: () => { check(); renderStatus(); },
    rebuild: () => { render(); renderStatus(); },
  };

  async function load() {
    replace(form, spinner("Loading the schema…"));
    try {
      const answer = await projectApi.getSchema(projectId);
      version = answer.version;
      saved = normaliseSchema(answer.schema);
      draft = normaliseSchema(answer.schema);
      showAll = false;
      touched.clear();
      replace(general);
      render();
      renderStatus();
    } catch (err) {
      replace(form, errorBox(messageOf(err), load));
    }
  }

  function dirty() {
    return JSON.stringify(cleanSchema(draft)) !== JSON.stringify(cleanSchema(saved));
  }

  function renderStatus() {
    const changed = dirty();
    status.textContent = `${version ? `Version ${version}` : "Not saved yet"}${changed ? " · unsaved changes" : ""}`;
    saveBtn.disabled = busy || !changed;
    discardBtn.disabled = busy || !changed;
  }

  function render() {
    slots = new Map();
    const fieldset = h("fieldset", { class: "schema-fieldset", disabled: !manage || busy },
      h("legend", { class: "visually-hidden" }, "Label schema"),
      h("h3", null, "Classes ", h("span", { class: "muted small" }, plural(draft.classes.length, "class", "classes"))),
      draft.classes.length ? draft.classes.map((c, i) => classCard(ctx, c, i))
        : h("p", { class: "muted small" }, manage ? "No classes yet: add the first thing to label." : "No classes yet."),
      addButton(ctx, "Class", () => addClass(draft)),
      h("h3", null, "Image tags"),
      h("p", { class: "muted small" }, "Whole-image labels, such as weather or lighting."),
      draft.tag_groups.map((g, i) => tagGroupCard(ctx, g, i)),
      addButton(ctx, "Tag group", () => addTagGroup(draft)),
      h("h3", null, "Relations"),
      h("p", { class: "muted small" }, "Links between two objects, such as “rides” or “part of”."),
      draft.relation_types.map((r, i) => relationCard(ctx, r, i)),
      addButton(ctx, "Relation type", () => addRelationType(draft)),
      h("h3", null, "Checks"),
      settingsRow());
    replace(form, fieldset);
    check();
  }

  function settingsRow() {
    const bounds = h("select", {
      id: ctx.idFor("out_of_bounds"),
      onchange: () => { draft.out_of_bounds = bounds.value === "clip" ? "clip" : "refuse"; ctx.changed(); },
    }, h("option", { value: "refuse" }, "Refuse the save"), h("option", { value: "clip" }, "Clip them to the image"));
    bounds.value = draft.out_of_bounds;
    const tolerance = h("input", {
      id: ctx.idFor("tolerance_px"), type: "number", min: 0, step: "any", value: String(draft.tolerance_px),
      oninput: () => { draft.tolerance_px = tolerance.value === "" ? Number.NaN : Number(tolerance.value); ctx.changed(); },
    });
    return h("div", { class: "field-row" },
      ctx.field("out_of_bounds", "Shapes outside the image", bounds),
      ctx.field("tolerance_px", "Tolerance (pixels)", tolerance));
  }

  /** Show the page's own problems: of fields already left, or all of them after a save attempt. */
  function check() {
    const problems = validateSchema(draft).filter((p) => showAll || touched.has(p.path));
    showProblems(problems, false);
    return problems;
  }

  /**
   * @param {import("../schema-checks.js").Problem[]} problems
   * @param {boolean} focus  move to the first one
   */
  function showProblems(problems, focus) {
    const known = new Set(slots.keys());
    /** @type {Map<string, string[]>} */
    const byField = new Map();
    for (const p of problems) {
      const where = nearestField(p.path, known);
      byField.set(where, [...(byField.get(where) ?? []), p.message]);
    }
    for (const [path, slot] of slots) {
      const messages = byField.get(path) ?? [];
      slot.textContent = messages.join("; ");
      slot.hidden = !messages.length;
      document.getElementById(ctx.idFor(path))?.toggleAttribute("aria-invalid", messages.length > 0);
    }
    const loose = byField.get("") ?? [];
    replace(general, loose.length ? h("div", { class: "form-error" }, h("ul", { class: "plain-list" }, loose.map((m) => h("li", null, m)))) : null);
    if (focus && problems.length) focusProblem(nearestField(problems[0].path, known));
  }

  /** @param {string} path */
  function focusProblem(path) {
    const target = path ? document.getElementById(ctx.idFor(path)) : general;
    target?.closest("details")?.setAttribute("open", "");
    target?.scrollIntoView({ block: "center" });
    if (target instanceof HTMLElement && target.matches("input, select, textarea")) target.focus();
  }

  /** @param {FocusEvent} e */
  function onLeave(e) {
    const id = /** @type {HTMLElement} */ (e.target).id;
    const prefix = `sf-${projectId}-`;
    if (!id.startsWith(prefix)) return;
    for (const path of slots.keys()) if (ctx.idFor(path) === id) touched.add(path);
    check();
  }

  /** @param {Record<string, string | null>} remap */
  async function save(remap) {
    showAll = true;
    const problems = validateSchema(draft);
    if (problems.length) {
      showProblems(problems, true);
      return;
    }
    setBusy(true);
    try {
      const answer = await projectApi.putSchema(projectId, version, cleanSchema(draft), remap);
      version = answer.version;
      saved = normaliseSchema(answer.schema);
      draft = normaliseSchema(answer.schema);
      showAll = false;
      touched.clear();
      replace(general);
      const rewritten = answer.rewritten_annotations ?? 0;
      notify(`Schema saved as version ${version}${rewritten ? `; ${plural(rewritten, "annotation")} updated` : ""}.`);
      setBusy(false);
      render();
    } catch (err) {
      setBusy(false);
      await refused(err);
    }
    renderStatus();
  }

  /** @param {unknown} err */
  async function refused(err) {
    if (!(err instanceof ApiError)) {
      showProblems([{ path: "", message: messageOf(err) }], true);
      return;
    }
    if (err.status === 409 && err.details?.in_use) {
      const inUse = classesInUse(err.details, removedClasses(saved, draft));
      const remap = await askRemap(inUse, draft.classes.map((c) => ({ id: c.id, name: c.name })));
      if (remap) await save(remap);
      return;
    }
    if (err.status === 412) {
      replace(general, h("div", { class: "form-error" },
        h("p", null, `${err.message}. Someone else saved the schema after you opened it.`),
        h("button", { type: "button", class: "btn", onclick: load }, "Load their version (drops your changes)")));
      general.scrollIntoView({ block: "center" });
      return;
    }
    showProblems(serverProblems(err.details, err.message), true);
  }

  function discard() {
    if (!window.confirm("Drop your changes to the schema?")) return;
    draft = normaliseSchema(saved);
    showAll = false;
    touched.clear();
    replace(general);
    render();
    renderStatus();
  }

  /** @param {boolean} on */
  function setBusy(on) {
    busy = on;
    saveBtn.textContent = on ? "Saving…" : "Save schema";
    const fieldset = form.querySelector("fieldset");
    if (fieldset) fieldset.disabled = on || !manage;
    renderStatus();
  }

  load();
  return { el, dirty };
}
