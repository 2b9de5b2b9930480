// The edits a user can make, each built as an undoable command for the store. Pure: no DOM access.

import { translateShape } from "./geometry.js";
import { rleArea, shiftRle } from "./rle.js";
import { defaultAttributes } from "./schema.js";

/** @typedef {import("./store.js").EditorStore} EditorStore */
/** @typedef {import("./store.js").AnnotationObject} AnnotationObject */
/** @typedef {import("./store.js").Command} Command */
/** @typedef {import("./store.js").Relation} Relation */

/**
 * A fresh id for an object, relation or group: unique without asking the server.
 * @param {string} prefix
 * @returns {string}
 */
export function newId(prefix) {
  const c = globalThis.crypto;
  const random = c?.randomUUID ? c.randomUUID().replace(/-/g, "").slice(0, 16)
    : Math.random().toString(36).slice(2) + Date.now().toString(36);
  return `${prefix}-${random}`;
}

/**
 * Add objects on top of the others.
 * @param {EditorStore} store
 * @param {AnnotationObject[]} objects
 * @param {string} [label]
 * @returns {Command}
 */
export function addObjects(store, objects, label = "Add") {
  return {
    label,
    objects: objects.map((o) => ({ id: o.id, before: null, after: o })),
    order: { before: store.order, after: [...store.order, ...objects.map((o) => o.id)] },
  };
}

/**
 * Remove objects and the relations that touch them.
 * @param {EditorStore} store
 * @param {string[]} ids
 * @returns {Command}
 */
export function removeObjects(store, ids) {
  const gone = new Set(ids.filter((id) => store.objects.has(id)));
  /** @type {Command} */
  const cmd = {
    label: gone.size === 1 ? "Delete object" : `Delete ${gone.size} objects`,
    objects: [...gone].map((id) => ({ id, before: /** @type {AnnotationObject} */ (store.objects.get(id)), after: null })),
    order: { before: store.order, after: store.order.filter((id) => !gone.has(id)) },
  };
  const kept = store.relations.filter((r) => !gone.has(r.subject) && !gone.has(r.object));
  if (kept.length !== store.relations.length) cmd.relations = { before: store.relations, after: kept };
  return cmd;
}

/**
 * Replace one object with a changed copy.
 * @param {EditorStore} store
 * @param {AnnotationObject} next
 * @param {string} label
 * @param {string} [mergeKey]
 * @returns {Command}
 */
export function updateObject(store, next, label, mergeKey) {
  const before = store.objects.get(next.id) ?? null;
  return { label, mergeKey, objects: [{ id: next.id, before, after: next }] };
}

/**
 * A shape moved by (dx, dy); a mask moves by whole pixels and loses what leaves the image.
 * @param {import("./geometry.js").Shape} shape
 * @param {number} dx
 * @param {number} dy
 * @returns {import("./geometry.js").Shape}
 */
export function movedShape(shape, dx, dy) {
  if (shape.kind !== "mask") return translateShape(shape, dx, dy);
  return { ...shape, rle: shiftRle(shape.rle, Math.round(dx), Math.round(dy)) };
}

/**
 * Objects moved together from where they were when a drag began; consecutive moves of one drag
 * share `mergeKey` and so undo as one. With a mask among them the offset is rounded for all,
 * so the objects keep their places relative to each other.
 * @param {EditorStore} store
 * @param {AnnotationObject[]} starts  the objects as the drag found them
 * @param {number} dx
 * @param {number} dy
 * @param {string} [mergeKey]
 * @returns {Command | null}  null when a mask would leave the image entirely
 */
export function moveObjects(store, starts, dx, dy, mergeKey) {
  const whole = starts.some((o) => o.shape.kind === "mask");
  const [ox, oy] = whole ? [Math.round(dx), Math.round(dy)] : [dx, dy];
  const moved = starts.map((o) => ({ ...o, shape: movedShape(o.shape, ox, oy) }));
  if (moved.some((o) => o.shape.kind === "mask" && rleArea(o.shape.rle) === 0)) return null;
  return {
    label: starts.length === 1 ? "Move" : `Move ${starts.length} objects`,
    mergeKey,
    objects: moved.map((o) => ({ id: o.id, before: store.objects.get(o.id) ?? null, after: o })),
  };
}

/**
 * Give objects another class, with that class's attribute defaults; objects whose shape the
 * class does not allow, or that have it already, are left as they are.
 * @param {AnnotationObject[]} objects
 * @param {import("./schema.js").LabelClass} cls
 * @returns {Command | null}  null when no object changes
 */
export function relabelObjects(objects, cls) {
  const changed = objects.filter((o) => o.class_id !== cls.id && cls.shape_kinds.includes(o.shape.kind));
  if (!changed.length) return null;
  return {
    label: changed.length === 1 ? "Change class" : `Change class of ${changed.length} objects`,
    objects: changed.map((o) => ({ id: o.id, before: o, after: { ...o, class_id: cls.id, attributes: defaultAttributes(cls) } })),
  };
}

/**
 * Set one attribute of an object (null clears it).
 * @param {EditorStore} store
 * @param {string} id
 * @param {string} attributeId
 * @param {unknown} value
 * @returns {Command | null}
 */
export function setAttribute(store, id, attributeId, value) {
  const obj = store.objects.get(id);
  if (!obj) return null;
  const attributes = { ...obj.attributes };
  if (value === null || value === undefined || value === "") delete attributes[attributeId];
  else attributes[attributeId] = value;
  return updateObject(store, { ...obj, attributes }, "Change attribute", `attr:${id}:${attributeId}`);
}

/**
 * Move an object in the drawing order.
 * @param {EditorStore} store
 * @param {string} id
 * @param {"up" | "down" | "top" | "bottom"} where
 * @returns {Command | null}
 */
export function reorder(store, id, where) {
  const i = store.order.indexOf(id);
  if (i < 0) return null;
  const after = store.order.filter((x) => x !== id);
  const target = { up: i + 1, down: i - 1, top: after.length, bottom: 0 }[where];
  const at = Math.max(0, Math.min(after.length, target));
  if (at === i) return null;
  after.splice(at, 0, id);
  return { label: "Change order", order: { before: store.order, after } };
}

/**
 * Turn one tag option on or off (a single-choice group keeps only the new one).
 * @param {EditorStore} store
 * @param {{id: string, multiple: boolean}} group
 * @param {string} optionId
 * @param {boolean} on
 * @returns {Command}
 */
export function setTag(store, group, optionId, on) {
  const current = store.tags[group.id] ?? [];
  const chosen = on ? (group.multiple ? [...new Set([...current, optionId])] : [optionId]) : current.filter((o) => o !== optionId);
  const after = { ...store.tags };
  if (chosen.length) after[group.id] = chosen;
  else delete after[group.id];
  return { label: "Change tags", tags: { before: store.tags, after } };
}

/**
 * Link two objects with a relation type.
 * @param {EditorStore} store
 * @param {string} typeId
 * @param {string} subject
 * @param {string} object
 * @returns {Command | null}  null when the same link exists or an end is missing
 */
export function addRelation(store, typeId, subject, object) {
  if (subject === object || !store.objects.has(subject) || !store.objects.has(object)) return null;
  if (store.relations.some((r) => r.type_id === typeId && r.subject === subject && r.object === object)) return null;
  const relation = { id: newId("r"), type_id: typeId, subject, object };
  return { label: "Link objects", relations: { before: store.relations, after: [...store.relations, relation] } };
}

/**
 * Remove one relation.
 * @param {EditorStore} store
 * @param {string} relationId
 * @returns {Command}
 */
export function removeRelation(store, relationId) {
  return { label: "Unlink objects", relations: { before: store.relations, after: store.relations.filter((r) => r.id !== relationId) } };
}

/**
 * Put objects in one group (a fresh one), or out of any group with `group` null.
 * @param {EditorStore} store
 * @param {string[]} ids
 * @param {string | null} group
 * @returns {Command}
 */
export function setGroup(store, ids, group) {
  const objects = ids.map((id) => store.objects.get(id)).filter((o) => o !== undefined);
  return {
    label: group ? "Group objects" : "Ungroup",
    objects: objects.map((o) => ({ id: o.id, before: o, after: { ...o, group } })),
  };
}

/**
 * Copies of objects with new ids, for pasting (into another item, or onto another frame).
 * @param {AnnotationObject[]} objects
 * @param {{frame?: number, track?: string}} [changes]
 * @returns {AnnotationObject[]}
 */
export function cloneObjects(objects, changes = {}) {
  return objects.map((o) => ({ ...structuredClone(o), id: newId("o"), group: null, source: "manual", score: null, ...changes }));
}
