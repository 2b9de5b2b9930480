// The parts of the schema editor's form: class cards (shapes, attributes, skeleton), tag groups
// and relation types. They edit the draft schema in place and report through the context.

import { h } from "../dom.js";
import {
  ATTRIBUTE_TYPES, SHAPE_KINDS, SHAPE_LABELS, addOption, makeAttribute, renameClass, renameItem, setShapeKind,
} from "../schema-model.js";
import { skeletonForm } from "./schema-skeleton.js";

/**
 * @typedef {object} FormContext
 * @property {import("../schema-model.js").Schema} schema  the draft being edited
 * @property {boolean} readOnly
 * @property {(path: string, label: string, control: HTMLElement, options?: {hint?: string, inline?: boolean}) => HTMLElement} field
 *   a control with its label and the slot where its problems show
 * @property {(path: string) => HTMLElement} slot  where a path's problems show, for controls without a field
 * @property {(path: string) => string} idFor  the element id of a path's control
 * @property {() => void} changed   after an edit in place (re-check, mark unsaved)
 * @property {() => void} rebuild   after adding or removing something (draw the form again)
 */

/**
 * A text input bound to a property of an object.
 * @param {FormContext} ctx
 * @param {string} path
 * @param {string} value
 * @param {(value: string) => void} set
 * @param {Record<string, any>} [attrs]
 * @returns {HTMLInputElement}
 */
export function textInput(ctx, path, value, set, attrs = {}) {
  return h("input", {
    id: ctx.idFor(path), value, autocomplete: "off", spellcheck: "false", ...attrs,
    oninput: (/** @type {Event} */ e) => { set(/** @type {HTMLInputElement} */ (e.target).value); ctx.changed(); },
  });
}

/**
 * A number input: empty means null.
 * @param {FormContext} ctx
 * @param {string} path
 * @param {number | null | undefined} value
 * @param {(value: number | null) => void} set
 * @param {Record<string, any>} [attrs]
 * @returns {HTMLInputElement}
 */
function numberInput(ctx, path, value, set, attrs = {}) {
  return h("input", {
    id: ctx.idFor(path), type: "number", step: "any", value: value ?? "", inputmode: "decimal", ...attrs,
    oninput: (/** @type {Event} */ e) => {
      const text = /** @type {HTMLInputElement} */ (e.target).value.trim();
      set(text === "" ? null : Number(text));
      ctx.changed();
    },
  });
}

/**
 * A button that removes something (hidden when read-only).
 * @param {FormContext} ctx
 * @param {string} label
 * @param {() => void} remove
 * @returns {HTMLElement | null}
 */
export function removeButton(ctx, label, remove) {
  if (ctx.readOnly) return null;
  return h("button", {
    type: "button", class: "btn btn-quiet small remove-btn", "aria-label": label, title: label,
    onclick: () => { remove(); ctx.rebuild(); },
  }, "✕");
}

/**
 * @param {FormContext} ctx
 * @param {string} label
 * @param {() => void} add
 * @returns {HTMLElement | null}
 */
export function addButton(ctx, label, add) {
  if (ctx.readOnly) return null;
  return h("button", { type: "button", class: "btn small", onclick: () => { add(); ctx.rebuild(); } }, `+ ${label}`);
}

/**
 * One class: name, colour, hotkey, shapes, attributes and (for keypoints) its skeleton.
 * @param {FormContext} ctx
 * @param {import("../schema-model.js").LabelClass} cls
 * @param {number} index
 * @returns {HTMLElement}
 */
export function classCard(ctx, cls, index) {
  const path = `classes.${index}`;
  const swatch = h("span", { class: "swatch", style: { background: cls.color } });
  const title = h("span", { class: "class-title" }, cls.name || "New class");
  const key = h("kbd", { hidden: !cls.hotkey }, cls.hotkey ?? "");
  const name = textInput(ctx, `${path}.name`, cls.name, (v) => {
    renameClass(ctx.schema, cls, v);
    title.textContent = v || "New class";
    idNote.textContent = `id ${cls.id}`;
  }, { maxlength: 100, required: true });
  const color = h("input", {
    id: ctx.idFor(`${path}.color`), type: "color", value: /^#[0-9a-f]{6}$/i.test(cls.color) ? cls.color : "#888888",
    oninput: (/** @type {Event} */ e) => {
      cls.color = /** @type {HTMLInputElement} */ (e.target).value;
      swatch.style.background = cls.color;
      ctx.changed();
    },
  });
  const hotkey = textInput(ctx, `${path}.hotkey`, cls.hotkey ?? "", (v) => {
    cls.hotkey = v === "" ? null : v;
    key.textContent = v;
    key.hidden = !v;
  }, { maxlength: 2, class: "hotkey-input" });
  const idNote = h("span", { class: "muted small" }, `id ${cls.id}`);
  return h("details", { class: "schema-card", open: cls._new || undefined },
    h("summary", null, swatch, title, key, h("span", { class: "muted small summary-kinds" }, cls.shape_kinds.map((k) => SHAPE_LABELS[k] ?? k).join(", "))),
    h("div", { class: "schema-card-body" },
      ctx.slot(path),
      h("div", { class: "field-row" },
        ctx.field(`${path}.name`, "Name", name),
        ctx.field(`${path}.color`, "Colour", color),
        ctx.field(`${path}.hotkey`, "Hotkey", hotkey),
        removeButton(ctx, `Remove class ${cls.name || cls.id}`, () => ctx.schema.classes.splice(index, 1))),
      idNote,
      ctx.field(`${path}.shape_kinds`, "Shapes", shapeChecks(ctx, cls, path)),
      attributesForm(ctx, cls.attributes, `${path}.attributes`),
      cls.shape_kinds.includes("keypoints") && cls.skeleton && skeletonForm(ctx, cls.skeleton, `${path}.skeleton`)));
}

/**
 * @param {FormContext} ctx
 * @param {import("../schema-model.js").LabelClass} cls
 * @param {string} path
 * @returns {HTMLElement}
 */
function shapeChecks(ctx, cls, path) {
  return h("div", { class: "check-row", role: "group", id: ctx.idFor(`${path}.shape_kinds`) },
    SHAPE_KINDS.map((kind) => {
      const id = ctx.idFor(`${path}.shape_kinds.${kind}`);
      const box = h("input", {
        id, type: "checkbox", checked: cls.shape_kinds.includes(kind),
        onchange: () => {
          setShapeKind(cls, kind, box.checked);
          if (kind === "keypoints") ctx.rebuild();
          else ctx.changed();
        },
      });
      return h("label", { class: "check", for: id }, box, SHAPE_LABELS[kind]);
    }));
}

/**
 * @param {FormContext} ctx
 * @param {import("../schema-model.js").Attribute[]} attributes
 * @param {string} path
 * @returns {HTMLElement}
 */
function attributesForm(ctx, attributes, path) {
  return h("fieldset", { class: "sub-form" },
    h("legend", null, "Attributes"),
    attributes.length ? attributes.map((a, i) => attributeRow(ctx, attributes, a, i, `${path}.${i}`))
      : h("p", { class: "muted small" }, "No attributes."),
    addButton(ctx, "Attribute", () => attributes.push(makeAttribute("checkbox", attributes))));
}

/**
 * @param {FormContext} ctx
 * @param {import("../schema-model.js").Attribute[]} list
 * @param {import("../schema-model.js").Attribute} attr
 * @param {number} index
 * @param {string} path
 * @returns {HTMLElement}
 */
function attributeRow(ctx, list, attr, index, path) {
  const type = h("select", {
    id: ctx.idFor(`${path}.type`),
    onchange: () => { list[index] = makeAttribute(type.value, list, attr); ctx.rebuild(); },
  }, ATTRIBUTE_TYPES.map((t) => h("option", { value: t }, t === "multiselect" ? "multi-select" : t)));
  type.value = attr.type;
  const required = h("input", {
    id: ctx.idFor(`${path}.required`), type: "checkbox", checked: attr.required,
    onchange: () => { attr.required = required.checked; ctx.changed(); },
  });
  return h("div", { class: "attribute-row" },
    ctx.slot(path),
    h("div", { class: "field-row" },
      ctx.field(`${path}.name`, "Attribute", textInput(ctx, `${path}.name`, attr.name, (v) => { renameItem(attr, v, list, "attribute"); }, { maxlength: 100 })),
      ctx.field(`${path}.type`, "Type", type),
      h("label", { class: "check", for: required.id }, required, "Required"),
      removeButton(ctx, `Remove attribute ${attr.name || attr.id}`, () => list.splice(index, 1))),
    attributeDetails(ctx, attr, path));
}

/**
 * The settings only some types have: a number's range, a text's length, a choice's options.
 * @param {FormContext} ctx
 * @param {import("../schema-model.js").Attribute} attr
 * @param {string} path
 * @returns {HTMLElement | null}
 */
function attributeDetails(ctx, attr, path) {
  if (attr.type === "number") {
    const integer = h("input", {
      id: ctx.idFor(`${path}.integer`), type: "checkbox", checked: Boolean(attr.integer),
      onchange: () => { attr.integer = integer.checked; ctx.changed(); },
    });
    return h("div", { class: "field-row" },
      ctx.field(`${path}.min`, "Minimum", numberInput(ctx, `${path}.min`, attr.min, (v) => { attr.min = v; }, { placeholder: "none" })),
      ctx.field(`${path}.max`, "Maximum", numberInput(ctx, `${path}.max`, attr.max, (v) => { attr.max = v; }, { placeholder: "none" })),
      h("label", { class: "check", for: integer.id }, integer, "Whole numbers"));
  }
  if (attr.type === "text") {
    return h("div", { class: "field-row" },
      ctx.field(`${path}.max_length`, "Longest text", numberInput(ctx, `${path}.max_length`, attr.max_length, (v) => { attr.max_length = v; }, { min: 1, step: 1, placeholder: "no limit" })));
  }
  if (attr.type === "select" || attr.type === "multiselect") {
    attr.options ??= [];
    return optionsForm(ctx, attr.options, `${path}.options`);
  }
  return null;
}

/**
 * The options of a choice attribute or a tag group.
 * @param {FormContext} ctx
 * @param {import("../schema-model.js").Option[]} options
 * @param {string} path
 * @returns {HTMLElement}
 */
export function optionsForm(ctx, options, path) {
  return ctx.field(path, "Options", h("ul", { class: "option-list", id: ctx.idFor(path) },
    options.map((o, i) => h("li", null,
      textInput(ctx, `${path}.${i}.name`, o.name, (v) => { renameItem(o, v, options, "option"); },
        { maxlength: 100, "aria-label": `Option ${i + 1}`, placeholder: "option name" }),
      removeButton(ctx, `Remove option ${o.name || o.id}`, () => options.splice(i, 1)),
      ctx.slot(`${path}.${i}.name`))),
    h("li", null, addButton(ctx, "Option", () => addOption(options)))));
}

/**
 * @param {FormContext} ctx
 * @param {import("../schema-model.js").TagGroup} group
 * @param {number} index
 * @returns {HTMLElement}
 */
export function tagGroupCard(ctx, group, index) {
  const path = `tag_groups.${index}`;
  const multiple = h("input", {
    id: ctx.idFor(`${path}.multiple`), type: "checkbox", checked: group.multiple,
    onchange: () => { group.multiple = multiple.checked; ctx.changed(); },
  });
  return h("div", { class: "schema-card flat" },
    ctx.slot(path),
    h("div", { class: "field-row" },
      ctx.field(`${path}.name`, "Tag group", textInput(ctx, `${path}.name`, group.name, (v) => { renameItem(group, v, ctx.schema.tag_groups, "tags"); }, { maxlength: 100 })),
      h("label", { class: "check", for: multiple.id }, multiple, "Several may apply"),
      removeButton(ctx, `Remove tag group ${group.name || group.id}`, () => ctx.schema.tag_groups.splice(index, 1))),
    optionsForm(ctx, group.options, `${path}.options`));
}

/**
 * @param {FormContext} ctx
 * @param {import("../schema-model.js").RelationType} relation
 * @param {number} index
 * @returns {HTMLElement}
 */
export function relationCard(ctx, relation, index) {
  const path = `relation_types.${index}`;
  return h("div", { class: "schema-card flat" },
    ctx.slot(path),
    h("div", { class: "field-row" },
      ctx.field(`${path}.name`, "Relation", textInput(ctx, `${path}.name`, relation.name, (v) => { renameItem(relation, v, ctx.schema.relation_types, "relation"); }, { maxlength: 100, placeholder: "e.g. rides" })),
      removeButton(ctx, `Remove relation ${relation.name || relation.id}`, () => ctx.schema.relation_types.splice(index, 1))),
    h("div", { class: "field-row" },
      classLimit(ctx, relation, "subject_class_ids", `${path}.subject_class_ids`, "From"),
      classLimit(ctx, relation, "object_class_ids", `${path}.object_class_ids`, "To")));
}

/**
 * Which classes a relation may start or end at: any, or the ticked ones.
 * @param {FormContext} ctx
 * @param {import("../schema-model.js").RelationType} relation
 * @param {"subject_class_ids" | "object_class_ids"} key
 * @param {string} path
 * @param {string} label
 * @returns {HTMLElement}
 */
function classLimit(ctx, relation, key, path, label) {
  const chosen = new Set(relation[key] ?? []);
  const boxes = ctx.schema.classes.map((cls, i) => {
    const id = ctx.idFor(`${path}.${i}`);
    const box = h("input", {
      id, type: "checkbox", checked: chosen.has(cls.id),
      onchange: () => {
        if (box.checked) chosen.add(cls.id);
        else chosen.delete(cls.id);
        relation[key] = chosen.size ? ctx.schema.classes.map((c) => c.id).filter((c) => chosen.has(c)) : null;
        ctx.changed();
      },
    });
    return h("label", { class: "check", for: id }, box, cls.name || cls.id);
  });
  return ctx.field(path, `${label} (none ticked: any class)`,
    h("div", { class: "check-row", role: "group", id: ctx.idFor(path) }, boxes.length ? boxes : h("span", { class: "muted small" }, "No classes yet.")));
}
