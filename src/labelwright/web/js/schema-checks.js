// Checking a label schema in the page before it is sent (the server checks again), and
// placing the server's complaints next to the fields they name. Pure: no DOM access.
//
// A problem's `path` names a field the way the server's errors do: "classes.0.name",
// "classes.2.attributes.1.options", "tag_groups.0.options.3.name"; "" is the schema itself.

import { ATTRIBUTE_TYPES, ID_PATTERN } from "./schema-model.js";

/** @typedef {{path: string, message: string}} Problem */
/** @typedef {import("./schema-model.js").Schema} Schema */
/** @typedef {import("./schema-model.js").LabelClass} LabelClass */
/** @typedef {import("./schema-model.js").Option} Option */

/**
 * Every problem the page can see in a schema, in the order of the form.
 * @param {Schema} schema
 * @returns {Problem[]}
 */
export function validateSchema(schema) {
  /** @type {Problem[]} */
  const problems = [];
  const add = (/** @type {string} */ path, /** @type {string} */ message) => problems.push({ path, message });
  uniqueNames(schema.classes, "classes", "class", add);
  const hotkeys = new Map();
  schema.classes.forEach((cls, i) => {
    checkClass(cls, `classes.${i}`, add);
    const key = cls.hotkey ?? "";
    if (key && hotkeys.has(key)) add(`classes.${i}.hotkey`, `hotkey "${key}" is already used by ${quoted(hotkeys.get(key))}`);
    else if (key) hotkeys.set(key, cls.name || cls.id);
  });
  uniqueNames(schema.tag_groups, "tag_groups", "tag group", add);
  schema.tag_groups.forEach((g, i) => checkOptions(g.options, `tag_groups.${i}.options`, add));
  uniqueNames(schema.relation_types, "relation_types", "relation type", add);
  const classIds = new Set(schema.classes.map((c) => c.id));
  schema.relation_types.forEach((r, i) => {
    for (const key of /** @type {const} */ (["subject_class_ids", "object_class_ids"])) {
      const missing = (r[key] ?? []).filter((id) => !classIds.has(id));
      if (missing.length) add(`relation_types.${i}.${key}`, `names a class that is not in the schema: ${missing.join(", ")}`);
    }
  });
  if (!(Number.isFinite(schema.tolerance_px) && schema.tolerance_px >= 0)) add("tolerance_px", "must be a number, 0 or more");
  return problems;
}

/**
 * @param {string} text
 * @returns {string}
 */
function quoted(text) {
  return `"${text}"`;
}

/**
 * Names present, at most 100 characters, unique ignoring case; ids well formed and unique.
 * @param {Array<{id: string, name: string}>} list
 * @param {string} prefix
 * @param {string} what
 * @param {(path: string, message: string) => void} add
 */
function uniqueNames(list, prefix, what, add) {
  const names = new Map();
  const ids = new Set();
  list.forEach((item, i) => {
    const name = String(item.name ?? "").trim();
    const key = name.toLocaleLowerCase();
    if (!name) add(`${prefix}.${i}.name`, `give the ${what} a name`);
    else if (name.length > 100) add(`${prefix}.${i}.name`, "at most 100 characters");
    else if (names.has(key)) add(`${prefix}.${i}.name`, `another ${what} is already called ${quoted(names.get(key))}`);
    else names.set(key, name);
    if (!ID_PATTERN.test(item.id ?? "")) add(`${prefix}.${i}.id`, "an id is 1-64 letters, digits or _ . : -");
    else if (ids.has(item.id)) add(`${prefix}.${i}.id`, `the id ${quoted(item.id)} is used twice`);
    ids.add(item.id);
  });
}

/**
 * @param {Option[]} options
 * @param {string} path
 * @param {(path: string, message: string) => void} add
 */
function checkOptions(options, path, add) {
  if (!options?.length) {
    add(path, "add at least one option");
    return;
  }
  uniqueNames(options, path, "option", add);
}

/**
 * @param {LabelClass} cls
 * @param {string} path
 * @param {(path: string, message: string) => void} add
 */
function checkClass(cls, path, add) {
  if (!/^#[0-9a-fA-F]{6}$/.test(cls.color ?? "")) add(`${path}.color`, "a colour looks like #1f77b4");
  const key = cls.hotkey ?? "";
  if (key && ([...key].length !== 1 || /\s/.test(key))) add(`${path}.hotkey`, "a hotkey is one key (a letter, digit or sign)");
  if (!cls.shape_kinds.length) add(`${path}.shape_kinds`, "allow at least one shape");
  uniqueNames(cls.attributes, `${path}.attributes`, "attribute", add);
  cls.attributes.forEach((a, i) => checkAttribute(a, `${path}.attributes.${i}`, add));
  if (cls.shape_kinds.includes("keypoints")) checkSkeleton(cls.skeleton, `${path}.skeleton`, add);
}

/**
 * @param {import("./schema-model.js").Attribute} attr
 * @param {string} path
 * @param {(path: string, message: string) => void} add
 */
function checkAttribute(attr, path, add) {
  if (!ATTRIBUTE_TYPES.includes(attr.type)) add(`${path}.type`, `unknown type ${quoted(attr.type)}`);
  if (attr.type === "select" || attr.type === "multiselect") checkOptions(attr.options ?? [], `${path}.options`, add);
  if (attr.type === "number") {
    const { min, max } = attr;
    for (const [key, value] of /** @type {const} */ ([["min", min], ["max", max]])) {
      if (value !== null && value !== undefined && !Number.isFinite(value)) add(`${path}.${key}`, "must be a number or empty");
    }
    if (typeof min === "number" && typeof max === "number" && min > max) add(`${path}.max`, `the maximum is below the minimum ${min}`);
  }
  if (attr.type === "text" && attr.max_length !== null && attr.max_length !== undefined) {
    if (!Number.isInteger(attr.max_length) || attr.max_length < 1) add(`${path}.max_length`, "a whole number above 0, or empty");
  }
}

/**
 * @param {import("./schema-model.js").Skeleton | null} skeleton
 * @param {string} path
 * @param {(path: string, message: string) => void} add
 */
function checkSkeleton(skeleton, path, add) {
  if (!skeleton || !skeleton.nodes.length) {
    add(`${path}.nodes`, "keypoints need a skeleton with at least one node");
    return;
  }
  const seen = new Set();
  skeleton.nodes.forEach((node, i) => {
    const key = String(node ?? "").trim().toLocaleLowerCase();
    if (!key) add(`${path}.nodes.${i}`, "give the node a name");
    else if (seen.has(key)) add(`${path}.nodes.${i}`, `another node is already called ${quoted(String(node).trim())}`);
    seen.add(key);
  });
  const count = skeleton.nodes.length;
  for (const what of /** @type {const} */ (["edges", "symmetric_pairs"])) {
    const pairs = new Set();
    skeleton[what].forEach(([a, b], i) => {
      const where = `${path}.${what}.${i}`;
      const key = [Math.min(a, b), Math.max(a, b)].join("-");
      if (!(a >= 0 && a < count && b >= 0 && b < count)) add(where, "pick two nodes");
      else if (a === b) add(where, "joins a node to itself");
      else if (pairs.has(key)) add(where, "is listed twice");
      pairs.add(key);
    });
  }
  const paired = skeleton.symmetric_pairs.flat();
  const twice = paired.find((n, i) => paired.indexOf(n) !== i);
  if (twice !== undefined) add(`${path}.symmetric_pairs`, `node ${quoted(skeleton.nodes[twice] ?? String(twice))} is in two pairs`);
}

/**
 * The server's problems (from an ApiError's details) with their paths in the page's form:
 * "label schema: classes.0.attributes.1.select.options: List should have…" → path
 * "classes.0.attributes.1.options". Problems naming no field get the path "".
 * @param {Record<string, unknown>} details
 * @param {string} fallback  the error's message, when the details list nothing
 * @returns {Problem[]}
 */
export function serverProblems(details, fallback) {
  const raw = Array.isArray(details?.problems) ? details.problems : [];
  /** @type {Problem[]} */
  const out = raw.map((p) => {
    if (p && typeof p === "object") {
      const o = /** @type {{where?: string, problem?: string}} */ (p);
      return splitProblem(`${o.where ?? ""}: ${o.problem ?? ""}`);
    }
    return splitProblem(String(p));
  });
  return out.length ? out : [{ path: "", message: fallback }];
}

/**
 * @param {string} text
 * @returns {Problem}
 */
function splitProblem(text) {
  const cut = text.indexOf(": ");
  const where = cut < 0 ? "" : text.slice(0, cut);
  const message = (cut < 0 ? text : text.slice(cut + 2)).replace(/^Value error, /, "");
  if (!/^[\w.]+$/.test(where) || where === "schema") return { path: "", message };
  return { path: formPath(where), message };
}

/**
 * A server location as a form path: "body."/"schema." prefixes and attribute type tags dropped.
 * @param {string} where
 * @returns {string}
 */
export function formPath(where) {
  const parts = where.split(".").filter((p) => p !== "body" && p !== "schema");
  return parts.filter((p, i) => !(ATTRIBUTE_TYPES.includes(p) && /^\d+$/.test(parts[i - 1] ?? "") && parts[i - 2] === "attributes")).join(".");
}

/**
 * The known field nearest a problem's path: itself, else its longest known ancestor, else "".
 * @param {string} path
 * @param {Set<string>} known
 * @returns {string}
 */
export function nearestField(path, known) {
  const parts = path ? path.split(".") : [];
  for (let n = parts.length; n > 0; n--) {
    const candidate = parts.slice(0, n).join(".");
    if (known.has(candidate)) return candidate;
  }
  return "";
}

/**
 * The classes a refused save would remove while objects still use them, from a 409's details.
 * @param {Record<string, unknown>} details
 * @param {LabelClass[]} removed  the classes the edit removes
 * @returns {Array<{id: string, name: string, count: number}>}
 */
export function classesInUse(details, removed) {
  const inUse = details?.in_use && typeof details.in_use === "object" ? /** @type {Record<string, unknown>} */ (details.in_use) : {};
  const names = new Map(removed.map((c) => [c.id, c.name]));
  return Object.entries(inUse)
    .filter(([, n]) => typeof n === "number" && n > 0)
    .map(([id, n]) => ({ id, name: names.get(id) ?? id, count: /** @type {number} */ (n) }));
}
