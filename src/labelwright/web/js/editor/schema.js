// Reading the project's label schema for the editor: classes, allowed shapes, attribute
// defaults and required marks. Pure: no DOM access.

/**
 * @typedef {object} AttributeSpec
 * @property {string} id
 * @property {string} name
 * @property {"text" | "number" | "checkbox" | "select" | "multiselect"} type
 * @property {boolean} [required]
 * @property {unknown} [default]
 * @property {{id: string, name: string}[]} [options]
 * @property {number | null} [min]
 * @property {number | null} [max]
 * @property {boolean} [integer]
 * @property {number | null} [max_length]
 */

/**
 * @typedef {object} LabelClass
 * @property {string} id
 * @property {string} name
 * @property {string} color
 * @property {string | null} [hotkey]
 * @property {string[]} shape_kinds
 * @property {AttributeSpec[]} attributes
 * @property {{nodes: string[], edges: [number, number][], symmetric_pairs?: [number, number][]} | null} [skeleton]
 */

/**
 * @typedef {object} LabelSchema
 * @property {LabelClass[]} classes
 * @property {{id: string, name: string, multiple: boolean, options: {id: string, name: string}[]}[]} tag_groups
 * @property {{id: string, name: string, subject_class_ids?: string[] | null, object_class_ids?: string[] | null}[]} relation_types
 */

/** The tool that draws each shape kind (masks: the brush). */
export const TOOL_FOR_KIND = Object.freeze({
  bbox: "bbox", rotated_box: "rotated_box", polygon: "polygon", polyline: "polyline", points: "points",
  keypoints: "keypoints", ellipse: "ellipse", mask: "brush",
});

/**
 * A schema with every list present (the API may leave empty ones out).
 * @param {Partial<LabelSchema> | null | undefined} raw
 * @returns {LabelSchema}
 */
export function normaliseSchema(raw) {
  return {
    classes: (raw?.classes ?? []).map((c) => ({ ...c, attributes: c.attributes ?? [] })),
    tag_groups: raw?.tag_groups ?? [],
    relation_types: raw?.relation_types ?? [],
  };
}

/**
 * @param {LabelSchema} schema
 * @param {string} id
 * @returns {LabelClass | undefined}
 */
export function classById(schema, id) {
  return schema.classes.find((c) => c.id === id);
}

/**
 * The shape kind a tool draws, or null for tools that draw none.
 * @param {string} tool
 * @returns {string | null}
 */
export function kindOfTool(tool) {
  if (tool === "brush" || tool === "eraser") return "mask";
  return Object.hasOwn(TOOL_FOR_KIND, tool) ? tool : null;
}

/**
 * The class a new shape of `kind` gets: the chosen class if it allows the kind, else the first
 * class that does; null when no class does.
 * @param {LabelSchema} schema
 * @param {string | null} chosenId
 * @param {string} kind
 * @returns {LabelClass | null}
 */
export function classForKind(schema, chosenId, kind) {
  const chosen = chosenId ? classById(schema, chosenId) : undefined;
  if (chosen && chosen.shape_kinds.includes(kind)) return chosen;
  return schema.classes.find((c) => c.shape_kinds.includes(kind)) ?? null;
}

/**
 * The attributes a new object of a class starts with: each attribute's default, where it has one.
 * @param {LabelClass} cls
 * @returns {Record<string, unknown>}
 */
export function defaultAttributes(cls) {
  /** @type {Record<string, unknown>} */
  const out = {};
  for (const a of cls.attributes) if (a.default !== undefined && a.default !== null) out[a.id] = structuredClone(a.default);
  return out;
}

/**
 * The required attributes an object has no value for.
 * @param {{attributes: Record<string, unknown>}} obj
 * @param {LabelClass | undefined} cls
 * @returns {AttributeSpec[]}
 */
export function missingRequired(obj, cls) {
  if (!cls) return [];
  return cls.attributes.filter((a) => {
    if (!a.required) return false;
    const v = obj.attributes[a.id];
    return v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0);
  });
}

/**
 * A value typed into an attribute's input, as the API wants it, or an error message.
 * @param {AttributeSpec} spec
 * @param {string | boolean | string[]} raw
 * @returns {{value: unknown} | {error: string}}
 */
export function parseAttributeInput(spec, raw) {
  if (spec.type === "checkbox") return { value: Boolean(raw) };
  if (spec.type === "multiselect") return { value: Array.isArray(raw) ? raw : [] };
  const text = String(raw);
  if (spec.type !== "number") {
    if (spec.type === "text" && spec.max_length && text.length > spec.max_length) return { error: `${spec.name}: at most ${spec.max_length} characters` };
    return { value: text === "" ? null : text };
  }
  if (text.trim() === "") return { value: null };
  const n = Number(text);
  if (!Number.isFinite(n)) return { error: `${spec.name}: ${text} is not a number` };
  if (spec.integer && !Number.isInteger(n)) return { error: `${spec.name}: must be a whole number` };
  if (spec.min !== null && spec.min !== undefined && n < spec.min) return { error: `${spec.name}: at least ${spec.min}` };
  if (spec.max !== null && spec.max !== undefined && n > spec.max) return { error: `${spec.name}: at most ${spec.max}` };
  return { value: n };
}
