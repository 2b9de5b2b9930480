// The selected object: its class, typed attribute inputs from the schema (required ones marked),
// its group, and its relations to other objects. With several selected: how many, their class
// (shared or mixed) to relabel them together, and a note that attributes are edited one by one.

import { h, replace } from "../../dom.js";
import { addRelation, newId, relabelObjects, removeRelation, setAttribute, setGroup, updateObject } from "../commands.js";
import { classById, parseAttributeInput } from "../schema.js";

/**
 * @param {import("../store.js").EditorStore} store
 * @param {import("../schema.js").LabelSchema} schema
 * @param {() => boolean} readOnly
 * @param {(text: string) => void} say
 * @returns {{el: HTMLElement, render: () => void}}
 */
export function attributePanel(store, schema, readOnly, say) {
  const body = h("div", { class: "attribute-body" });
  const el = h("section", { class: "editor-panel", "aria-labelledby": "attr-title" }, h("h2", { id: "attr-title" }, "Selected object"), body);

  /** @param {import("../store.js").Command | null} cmd */
  const apply = (cmd) => cmd && store.apply(cmd);

  /** @param {import("../store.js").AnnotationObject} obj */
  function classSelect(obj) {
    const allowed = schema.classes.filter((c) => c.shape_kinds.includes(obj.shape.kind));
    const select = h("select", {
      id: "attr-class", disabled: readOnly(),
      onchange: () => apply(updateObject(store, { ...obj, class_id: select.value, attributes: {} }, "Change class")),
    }, allowed.map((c) => h("option", { value: c.id, selected: c.id === obj.class_id }, c.name)));
    return h("div", { class: "field" }, h("label", { for: "attr-class" }, "Class"), select);
  }

  /**
   * @param {import("../store.js").AnnotationObject} obj
   * @param {import("../schema.js").AttributeSpec} spec
   */
  function attributeInput(obj, spec) {
    const id = `attr-${spec.id}`;
    const value = obj.attributes[spec.id];
    const error = h("span", { class: "field-error small", role: "alert" });
    /** @param {string | boolean | string[]} raw */
    const set = (raw) => {
      const parsed = parseAttributeInput(spec, raw);
      if ("error" in parsed) {
        error.textContent = parsed.error;
        return;
      }
      error.textContent = "";
      apply(setAttribute(store, obj.id, spec.id, parsed.value));
    };
    const disabled = readOnly();
    /** @type {HTMLElement} */
    let input;
    if (spec.type === "checkbox") {
      const box = h("input", { id, type: "checkbox", checked: value === true, disabled, onchange: () => set(box.checked) });
      input = box;
    } else if (spec.type === "select") {
      const sel = h("select", { id, disabled, onchange: () => set(sel.value) },
        h("option", { value: "" }, "—"), (spec.options ?? []).map((o) => h("option", { value: o.id, selected: value === o.id }, o.name)));
      input = sel;
    } else if (spec.type === "multiselect") {
      const chosen = Array.isArray(value) ? value : [];
      input = h("div", { id, class: "multi" }, (spec.options ?? []).map((o) => {
        const box = h("input", { type: "checkbox", checked: chosen.includes(o.id), disabled,
          onchange: () => set(box.checked ? [...chosen, o.id] : chosen.filter((x) => x !== o.id)) });
        return h("label", { class: "check" }, box, " ", o.name);
      }));
    } else {
      const field = h("input", {
        id, type: spec.type === "number" ? "number" : "text", value: value === undefined || value === null ? "" : String(value), disabled,
        step: spec.type === "number" ? (spec.integer ? "1" : "any") : null, min: spec.min ?? null, max: spec.max ?? null,
        maxlength: spec.max_length ?? null, oninput: () => set(field.value), onblur: () => store.seal(),
      });
      input = field;
    }
    return h("div", { class: "field" },
      h("label", { for: id }, spec.name, spec.required ? h("span", { class: "required-mark", title: "required" }, " *") : null),
      input, error);
  }

  /** @param {import("../store.js").AnnotationObject} obj */
  function links(obj) {
    const others = store.order.filter((id) => id !== obj.id).map((id) => /** @type {import("../store.js").AnnotationObject} */ (store.objects.get(id)))
      .filter((o) => o.frame === obj.frame).slice(0, 200);
    /** @param {import("../store.js").AnnotationObject} o */
    const name = (o) => `${classById(schema, o.class_id)?.name ?? o.class_id} ${o.id.slice(-4)}`;
    const mine = store.relations.filter((r) => r.subject === obj.id || r.object === obj.id);
    const typeName = (/** @type {string} */ t) => schema.relation_types.find((r) => r.id === t)?.name ?? t;
    const target = h("select", { id: "link-target", "aria-label": "Other object" }, others.map((o) => h("option", { value: o.id }, name(o))));
    const type = h("select", { id: "link-type", "aria-label": "Relation" }, schema.relation_types.map((r) => h("option", { value: r.id }, r.name)));
    const canLink = !readOnly() && others.length > 0;
    return h("div", { class: "links" },
      h("h3", null, "Links and group"),
      mine.length ? h("ul", { class: "plain-list small" }, mine.map((r) => {
        const other = store.objects.get(r.subject === obj.id ? r.object : r.subject);
        return h("li", null, r.subject === obj.id ? `${typeName(r.type_id)} → ` : `← ${typeName(r.type_id)} `, other ? name(other) : "?",
          readOnly() ? null : h("button", { type: "button", class: "icon-btn", "aria-label": "Remove link", onclick: () => apply(removeRelation(store, r.id)) }, "✕"));
      })) : null,
      schema.relation_types.length && canLink ? h("div", { class: "link-row" }, type, target,
        h("button", { type: "button", class: "btn small", onclick: () => {
          const cmd = addRelation(store, type.value, obj.id, target.value);
          if (!cmd) say("Those two objects are already linked that way");
          apply(cmd);
        } }, "Link")) : null,
      canLink ? h("div", { class: "link-row" },
        h("span", { class: "small" }, obj.group ? `Group ${obj.group.slice(-4)}` : "No group"),
        h("button", { type: "button", class: "btn small", onclick: () => {
          const other = store.objects.get(target.value);
          apply(setGroup(store, [obj.id, target.value], obj.group ?? other?.group ?? newId("g")));
        } }, "Group with chosen"),
        obj.group ? h("button", { type: "button", class: "btn small", onclick: () => apply(setGroup(store, [obj.id], null)) }, "Ungroup") : null) : null);
  }

  /**
   * Several objects at once: the count, a class picker for all of them, and a note.
   * @param {import("../store.js").AnnotationObject[]} chosen
   */
  function several(chosen) {
    const classIds = new Set(chosen.map((o) => o.class_id));
    const shared = classIds.size === 1 ? classById(schema, chosen[0].class_id) : undefined;
    // Only classes that allow every selected shape can take them all.
    const allowed = schema.classes.filter((c) => chosen.every((o) => c.shape_kinds.includes(o.shape.kind)));
    const select = h("select", {
      id: "attr-class", disabled: readOnly() || !allowed.length,
      onchange: () => {
        const cls = classById(schema, select.value);
        if (cls) apply(relabelObjects(chosen, cls));
      },
    },
    shared && allowed.includes(shared) ? null : h("option", { value: "", selected: true, disabled: true }, shared ? shared.name : "Mixed classes"),
    allowed.map((c) => h("option", { value: c.id, selected: c === shared }, c.name)));
    return [
      h("p", { class: "selection-count", "aria-live": "polite" }, `${chosen.length} objects selected`),
      h("div", { class: "field" }, h("label", { for: "attr-class" }, shared ? "Class" : "Class (mixed)"), select),
      h("p", { class: "muted small" }, "Attributes are edited one object at a time: select a single object to change them."),
    ];
  }

  return {
    el,
    render() {
      const chosen = store.selectedObjects();
      if (chosen.length > 1) {
        replace(body, several(chosen));
        return;
      }
      const obj = store.selectedObject();
      if (!obj) {
        replace(body, h("p", { class: "muted small" }, "Select an object to see its class and attributes."));
        return;
      }
      const cls = classById(schema, obj.class_id);
      replace(body, classSelect(obj), (cls?.attributes ?? []).map((a) => attributeInput(obj, a)), links(obj));
    },
  };
}
