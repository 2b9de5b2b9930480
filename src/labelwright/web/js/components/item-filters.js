// The item grid's filter bar: state, batch, file name, order, and the annotation filters
// (class, annotator, object count). Annotators' annotation filters look at their own work only.

import { debounce, h, replace } from "../dom.js";
import { stateLabel } from "../format.js";
import { ITEM_STATES } from "../listing.js";

/**
 * @typedef {object} FilterChoices  what the selects offer
 * @property {Record<string, number>} counts           items per state
 * @property {import("../api.js").Batch[]} batches
 * @property {Array<{id: string, name: string}>} classes
 * @property {Array<{id: number, name: string}>} annotators  empty hides the annotator filter
 */

/**
 * @typedef {object} FilterBar
 * @property {HTMLElement} el
 * @property {(filters: import("../listing.js").Filters, choices: FilterChoices) => void} sync
 */

/**
 * @param {(filters: import("../listing.js").Filters) => void} onChange
 * @param {{ownWorkOnly: boolean, annotationFilters: boolean}} options
 *   ownWorkOnly: the annotation filters look at the caller's own work; annotationFilters:
 *   offer them at all (clients label nothing)
 * @returns {FilterBar}
 */
export function itemFilters(onChange, { ownWorkOnly, annotationFilters }) {
  /** @type {import("../listing.js").Filters} */
  let filters = { state: "", batch: "", name: "", order: "id" };
  const set = (/** @type {Partial<import("../listing.js").Filters>} */ change) => {
    filters = { ...filters, ...change };
    onChange(filters);
  };
  const state = h("select", { id: "f-state", onchange: () => set({ state: state.value }) });
  const batch = h("select", { id: "f-batch", onchange: () => set({ batch: batch.value }) });
  const name = h("input", {
    id: "f-name", type: "search", placeholder: "Starts with…", autocomplete: "off", spellcheck: "false",
    oninput: debounce(() => set({ name: name.value }), 250),
  });
  const order = h("select", { id: "f-order", onchange: () => set({ order: order.value === "name" ? "name" : "id" }) },
    h("option", { value: "id" }, "Upload order"), h("option", { value: "name" }, "File name"));
  const cls = h("select", { id: "f-class", onchange: () => set({ cls: cls.value }) });
  const annotator = h("select", { id: "f-annotator", onchange: () => set({ annotator: annotator.value }) });
  const count = (/** @type {string} */ id, /** @type {"minObjects" | "maxObjects"} */ key) => {
    const input = h("input", {
      id, type: "number", min: 0, step: 1, inputmode: "numeric", placeholder: "any",
      oninput: debounce(() => {
        const v = input.value.trim();
        if (v === "" || /^\d{1,9}$/.test(v)) set({ [key]: v });
      }, 300),
    });
    return input;
  };
  const minObjects = count("f-min", "minObjects");
  const maxObjects = count("f-max", "maxObjects");
  const annotatorField = h("div", { class: "field" }, h("label", { for: annotator.id }, "Annotator"), annotator);
  const mine = ownWorkOnly ? " (yours)" : "";
  const el = h("form", { class: "filters", role: "search", "aria-label": "Filter items", onsubmit: (/** @type {Event} */ e) => e.preventDefault() },
    h("div", { class: "field" }, h("label", { for: state.id }, "State"), state),
    h("div", { class: "field" }, h("label", { for: batch.id }, "Batch"), batch),
    h("div", { class: "field grow" }, h("label", { for: name.id }, "File name"), name),
    h("div", { class: "field" }, h("label", { for: order.id }, "Order"), order),
    annotationFilters && [
      h("div", { class: "field" }, h("label", { for: cls.id }, `Class${mine}`), cls),
      annotatorField,
      h("div", { class: "field narrow" }, h("label", { for: minObjects.id }, `Objects${mine}: min`), minObjects),
      h("div", { class: "field narrow" }, h("label", { for: maxObjects.id }, "max"), maxObjects)]);

  return {
    el,
    sync(next, choices) {
      filters = { ...next };
      replace(state, h("option", { value: "" }, "All states"),
        ITEM_STATES.map((s) => h("option", { value: s }, `${stateLabel(s)} (${choices.counts[s] ?? 0})`)));
      state.value = filters.state;
      replace(batch, h("option", { value: "" }, "All batches"),
        choices.batches.map((b) => h("option", { value: String(b.id) }, b.name || `Batch ${b.id}`)));
      batch.value = filters.batch;
      if (document.activeElement !== name) name.value = filters.name;
      order.value = filters.order;
      replace(cls, h("option", { value: "" }, "Any class"), choices.classes.map((c) => h("option", { value: c.id }, c.name || c.id)));
      cls.value = filters.cls ?? "";
      replace(annotator, h("option", { value: "" }, "Anyone"), choices.annotators.map((a) => h("option", { value: String(a.id) }, a.name)));
      annotator.value = filters.annotator ?? "";
      annotatorField.hidden = !choices.annotators.length;
      if (document.activeElement !== minObjects) minObjects.value = filters.minObjects ?? "";
      if (document.activeElement !== maxObjects) maxObjects.value = filters.maxObjects ?? "";
    },
  };
}
