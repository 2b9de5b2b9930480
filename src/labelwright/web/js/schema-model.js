// Editing a label schema as plain data: new classes, attributes, options, skeleton nodes,
// tag groups and relation types, with stable ids. Pure: no DOM access.
//
// Items added in the editor carry `_new: true` until saved: their id follows their name (ids
// never change once saved, since annotations refer to classes by id). `cleanSchema` drops
// every `_`-prefixed key before sending.

/** The shape kinds of the server's schema, in the order the editor lists them. */
export const SHAPE_KINDS = Object.freeze([
  "bbox", "rotated_box", "polygon", "polyline", "points", "keypoints", "ellipse", "mask", "tag",
]);

/** @type {Readonly<Record<string, string>>} */
export const SHAPE_LABELS = Object.freeze({
  bbox: "Box", rotated_box: "Rotated box", polygon: "Polygon", polyline: "Polyline", points: "Points",
  keypoints: "Keypoints", ellipse: "Ellipse", mask: "Mask", tag: "Tag",
});

/** Attribute types the server knows. */
export const ATTRIBUTE_TYPES = Object.freeze(["text", "number", "checkbox", "select", "multiselect"]);

/** Colours handed to new classes in turn: distinct and readable on photos. */
export const PALETTE = Object.freeze([
  "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4", "#46f0f0", "#f032e6", "#bcf60c",
  "#fabebe", "#008080", "#e6beff", "#9a6324", "#800000", "#aaffc3", "#808000", "#000075",
]);

/** Stable ids: 1-64 letters, digits or `_ . : -` (the server's rule). */
export const ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;

/**
 * @typedef {{id: string, name: string, _new?: boolean}} Option
 * @typedef {{id: string, name: string, type: string, required: boolean, options?: Option[],
 *   min?: number | null, max?: number | null, integer?: boolean, max_length?: number | null,
 *   default?: unknown, _new?: boolean}} Attribute
 * @typedef {{nodes: string[], edges: Array<[number, number]>, symmetric_pairs: Array<[number, number]>}} Skeleton
 * @typedef {{id: string, name: string, color: string, hotkey: string | null, shape_kinds: string[],
 *   attributes: Attribute[], skeleton: Skeleton | null, _new?: boolean}} LabelClass
 * @typedef {{id: string, name: string, multiple: boolean, options: Option[], _new?: boolean}} TagGroup
 * @typedef {{id: string, name: string, subject_class_ids: string[] | null,
 *   object_class_ids: string[] | null, _new?: boolean}} RelationType
 * @typedef {{classes: LabelClass[], tag_groups: TagGroup[], relation_types: RelationType[],
 *   out_of_bounds: "clip" | "refuse", tolerance_px: number}} Schema
 */

/** @returns {Schema} */
export function emptySchema() {
  return { classes: [], tag_groups: [], relation_types: [], out_of_bounds: "refuse", tolerance_px: 1 };
}

/**
 * A deep copy of a schema from the server with every list and field the editor expects.
 * @param {any} raw
 * @returns {Schema}
 */
export function normaliseSchema(raw) {
  const s = raw && typeof raw === "object" ? structuredClone(raw) : {};
  const out = { ...emptySchema(), ...s };
  out.classes = (out.classes ?? []).map((/** @type {any} */ c) => ({
    hotkey: null, attributes: [], skeleton: null, shape_kinds: ["bbox"], ...c,
  }));
  out.tag_groups = (out.tag_groups ?? []).map((/** @type {any} */ g) => ({ multiple: false, options: [], ...g }));
  out.relation_types = (out.relation_types ?? []).map((/** @type {any} */ r) => ({
    subject_class_ids: null, object_class_ids: null, ...r,
  }));
  return out;
}

/**
 * An id made from a name, unlike any in `taken`: "Traffic light" → "traffic-light", then "-2", "-3"…
 * @param {string} name
 * @param {Iterable<string>} taken
 * @param {string} [fallback]
 * @returns {string}
 */
export function slugId(name, taken, fallback = "item") {
  const used = new Set(taken);
  const base = String(name ?? "").normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9_.:-]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 56) || fallback;
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base}-${n}`;
    if (!used.has(candidate)) return candidate;
  }
}

/**
 * Rename an item; an unsaved one's id follows the name (unique among its siblings).
 * @template {{id: string, name: string, _new?: boolean}} T
 * @param {T} item
 * @param {string} name
 * @param {T[]} siblings  the list holding the item
 * @param {string} fallback
 * @returns {string} the item's id before the rename
 */
export function renameItem(item, name, siblings, fallback) {
  const before = item.id;
  item.name = name;
  if (item._new) item.id = slugId(name, siblings.filter((s) => s !== item).map((s) => s.id), fallback);
  return before;
}

/**
 * Rename a class; when an unsaved class's id changes, relation types follow it.
 * @param {Schema} schema
 * @param {LabelClass} cls
 * @param {string} name
 */
export function renameClass(schema, cls, name) {
  const before = renameItem(cls, name, schema.classes, "class");
  if (before === cls.id) return;
  for (const r of schema.relation_types) {
    for (const key of /** @type {const} */ (["subject_class_ids", "object_class_ids"])) {
      const ids = r[key];
      if (ids) r[key] = ids.map((id) => (id === before ? cls.id : id));
    }
  }
}

/**
 * Add a class with the next palette colour and a box shape.
 * @param {Schema} schema
 * @returns {LabelClass}
 */
export function addClass(schema) {
  const used = new Set(schema.classes.map((c) => c.color.toLowerCase()));
  const color = PALETTE.find((c) => !used.has(c)) ?? PALETTE[schema.classes.length % PALETTE.length];
  /** @type {LabelClass} */
  const cls = {
    id: slugId("class", schema.classes.map((c) => c.id)), name: "", color, hotkey: null,
    shape_kinds: ["bbox"], attributes: [], skeleton: null, _new: true,
  };
  schema.classes.push(cls);
  return cls;
}

/**
 * Allow or disallow a shape kind; keypoints bring a skeleton (and take it away).
 * @param {LabelClass} cls
 * @param {string} kind
 * @param {boolean} on
 */
export function setShapeKind(cls, kind, on) {
  const kinds = cls.shape_kinds.filter((k) => k !== kind);
  cls.shape_kinds = on ? SHAPE_KINDS.filter((k) => k === kind || kinds.includes(k)) : kinds;
  if (kind === "keypoints") cls.skeleton = on ? cls.skeleton ?? { nodes: [""], edges: [], symmetric_pairs: [] } : null;
}

/**
 * An attribute of a type, keeping the id, name and required flag of `from` when given.
 * @param {string} type
 * @param {Attribute[]} siblings
 * @param {Attribute} [from]
 * @returns {Attribute}
 */
export function makeAttribute(type, siblings, from) {
  const base = from
    ? { id: from.id, name: from.name, required: from.required, ...(from._new ? { _new: true } : {}) }
    : { id: slugId("attribute", siblings.map((a) => a.id)), name: "", required: false, _new: true };
  if (type === "number") return { ...base, type, min: null, max: null, integer: false };
  if (type === "text") return { ...base, type, max_length: null };
  if (type === "select" || type === "multiselect") {
    const options = from?.options?.length ? from.options : [{ id: "option", name: "", _new: true }];
    return { ...base, type, options };
  }
  return { ...base, type: "checkbox" };
}

/**
 * Add an option to a list of options (a select attribute's or a tag group's).
 * @param {Option[]} options
 * @returns {Option}
 */
export function addOption(options) {
  const option = { id: slugId("option", options.map((o) => o.id)), name: "", _new: true };
  options.push(option);
  return option;
}

/**
 * @param {Schema} schema
 * @returns {TagGroup}
 */
export function addTagGroup(schema) {
  /** @type {TagGroup} */
  const group = {
    id: slugId("tags", schema.tag_groups.map((g) => g.id)), name: "", multiple: false,
    options: [{ id: "option", name: "", _new: true }], _new: true,
  };
  schema.tag_groups.push(group);
  return group;
}

/**
 * @param {Schema} schema
 * @returns {RelationType}
 */
export function addRelationType(schema) {
  /** @type {RelationType} */
  const relation = {
    id: slugId("relation", schema.relation_types.map((r) => r.id)), name: "",
    subject_class_ids: null, object_class_ids: null, _new: true,
  };
  schema.relation_types.push(relation);
  return relation;
}

/**
 * Remove a skeleton node: edges and pairs that used it go, later indices shift down.
 * @param {Skeleton} skeleton
 * @param {number} index
 */
export function removeSkeletonNode(skeleton, index) {
  const shift = (/** @type {number} */ i) => (i > index ? i - 1 : i);
  const keep = (/** @type {[number, number]} */ [a, b]) => a !== index && b !== index;
  skeleton.nodes.splice(index, 1);
  skeleton.edges = skeleton.edges.filter(keep).map(([a, b]) => [shift(a), shift(b)]);
  skeleton.symmetric_pairs = skeleton.symmetric_pairs.filter(keep).map(([a, b]) => [shift(a), shift(b)]);
}

/**
 * The schema as the server takes it: editor-only keys dropped, names trimmed, empty
 * optional values as null.
 * @param {Schema} schema
 * @returns {Schema}
 */
export function cleanSchema(schema) {
  return JSON.parse(JSON.stringify(schema, (key, value) => {
    if (key.startsWith("_")) return undefined;
    if (key === "name" && typeof value === "string") return value.trim();
    if ((key === "hotkey" || key === "min" || key === "max" || key === "max_length") && value === "") return null;
    return value;
  }));
}

/**
 * The classes present before and missing now.
 * @param {Schema} before
 * @param {Schema} after
 * @returns {LabelClass[]}
 */
export function removedClasses(before, after) {
  const kept = new Set(after.classes.map((c) => c.id));
  return before.classes.filter((c) => !kept.has(c.id));
}
