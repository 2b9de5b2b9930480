import assert from "node:assert/strict";
import { test } from "node:test";

import { classesInUse, formPath, nearestField, serverProblems, validateSchema } from "../../src/labelwright/web/js/schema-checks.js";
import {
  addClass, addOption, addRelationType, addTagGroup, cleanSchema, makeAttribute, normaliseSchema, removeSkeletonNode,
  removedClasses, renameClass, renameItem, setShapeKind, slugId,
} from "../../src/labelwright/web/js/schema-model.js";

const SAVED = {
  classes: [
    { id: "car", name: "Car", color: "#ff0000", hotkey: "c", shape_kinds: ["bbox"], attributes: [] },
    { id: "person", name: "Person", color: "#00ff00", shape_kinds: ["keypoints"],
      skeleton: { nodes: ["head", "left hand", "right hand", "tail"], edges: [[0, 1], [0, 2], [2, 3]], symmetric_pairs: [[1, 2]] } },
  ],
};

const paths = (problems) => problems.map((p) => p.path);

test("a schema from the server gets every list and field the editor uses", () => {
  const s = normaliseSchema(SAVED);
  assert.deepEqual(s.tag_groups, []);
  assert.equal(s.out_of_bounds, "refuse");
  assert.equal(s.classes[1].hotkey, null);
  assert.deepEqual(s.classes[1].attributes, []);
  assert.deepEqual(validateSchema(s), []);
  s.classes[0].name = "Truck";
  assert.equal(SAVED.classes[0].name, "Car", "the server's copy is untouched");
});

test("ids come from names, stay unique, and only unsaved items follow renames", () => {
  assert.equal(slugId("Traffic light!", []), "traffic-light");
  assert.equal(slugId("Car", ["car", "car-2"]), "car-3");
  assert.equal(slugId("Ünïcödé  Straße", []), "unicode-stra-e");
  assert.equal(slugId("???", []), "item");
  const s = normaliseSchema(SAVED);
  const cls = addClass(s);
  assert.equal(cls.id, "class");
  const rel = addRelationType(s);
  rel.subject_class_ids = [cls.id];
  renameClass(s, cls, "Car");
  assert.equal(cls.id, "car-2", "an unsaved class's id follows its name, unlike the saved car");
  assert.deepEqual(rel.subject_class_ids, ["car-2"], "relations follow the new id");
  renameClass(s, s.classes[0], "Automobile");
  assert.equal(s.classes[0].id, "car", "a saved class keeps its id");
  const options = [];
  const o = addOption(options);
  renameItem(o, "Very big", options, "option");
  assert.equal(o.id, "very-big");
});

test("new classes take unused palette colours; keypoints bring and take a skeleton", () => {
  const s = normaliseSchema({});
  const a = addClass(s);
  const b = addClass(s);
  assert.notEqual(a.color, b.color);
  setShapeKind(a, "keypoints", true);
  assert.deepEqual(a.shape_kinds, ["bbox", "keypoints"]);
  assert.deepEqual(a.skeleton, { nodes: [""], edges: [], symmetric_pairs: [] });
  setShapeKind(a, "polygon", true);
  assert.deepEqual(a.shape_kinds, ["bbox", "polygon", "keypoints"], "kinds keep the canonical order");
  setShapeKind(a, "keypoints", false);
  assert.equal(a.skeleton, null);
});

test("changing an attribute's type keeps its id, name and required flag", () => {
  const list = [];
  const attr = makeAttribute("checkbox", list);
  list.push(attr);
  attr.name = "Colour";
  attr.required = true;
  const select = makeAttribute("select", list, attr);
  assert.equal(select.id, attr.id);
  assert.equal(select.name, "Colour");
  assert.equal(select.required, true);
  assert.equal(select.options.length, 1);
  const number = makeAttribute("number", list, select);
  assert.deepEqual([number.type, number.min, number.max, number.integer], ["number", null, null, false]);
  assert.equal("options" in number, false);
});

test("removing a skeleton node drops its edges and pairs and renumbers the rest", () => {
  const s = normaliseSchema(SAVED);
  const skeleton = s.classes[1].skeleton;
  removeSkeletonNode(skeleton, 1);
  assert.deepEqual(skeleton.nodes, ["head", "right hand", "tail"]);
  assert.deepEqual(skeleton.edges, [[0, 1], [1, 2]]);
  assert.deepEqual(skeleton.symmetric_pairs, []);
});

test("the page finds duplicate names and hotkeys, empty options and bad ranges", () => {
  const s = normaliseSchema(SAVED);
  const extra = addClass(s);
  renameClass(s, extra, " car ");
  extra.hotkey = "c";
  const attr = makeAttribute("select", extra.attributes);
  extra.attributes.push(attr);
  const num = makeAttribute("number", extra.attributes);
  extra.attributes.push(num);
  renameItem(num, "Speed", extra.attributes, "attribute");
  num.min = 10;
  num.max = 5;
  const group = addTagGroup(s);
  group.options = [];
  const problems = validateSchema(s);
  assert.deepEqual(paths(problems), [
    "classes.2.name", "classes.2.attributes.0.name", "classes.2.attributes.0.options.0.name",
    "classes.2.attributes.1.max", "classes.2.hotkey", "tag_groups.0.name", "tag_groups.0.options",
  ]);
  assert.match(problems[0].message, /already called "Car"/);
  assert.match(problems[4].message, /hotkey "c" is already used by "Car"/);
});

test("the page checks skeletons: node names, edges, pairs", () => {
  const s = normaliseSchema(SAVED);
  const sk = s.classes[1].skeleton;
  sk.nodes[3] = "Head";
  sk.edges.push([1, 1], [1, 0]);
  sk.symmetric_pairs.push([2, 3]);
  assert.deepEqual(paths(validateSchema(s)), [
    "classes.1.skeleton.nodes.3", "classes.1.skeleton.edges.3", "classes.1.skeleton.edges.4", "classes.1.skeleton.symmetric_pairs",
  ]);
  s.classes[1].skeleton = { nodes: [], edges: [], symmetric_pairs: [] };
  assert.deepEqual(paths(validateSchema(s)), ["classes.1.skeleton.nodes"]);
});

test("hotkeys are one key, colours are #rrggbb, relations name existing classes", () => {
  const s = normaliseSchema(SAVED);
  s.classes[0].hotkey = "ab";
  s.classes[0].color = "red";
  s.classes[0].shape_kinds = [];
  const rel = addRelationType(s);
  renameItem(rel, "tows", s.relation_types, "relation");
  rel.object_class_ids = ["ghost"];
  assert.deepEqual(paths(validateSchema(s)), [
    "classes.0.color", "classes.0.hotkey", "classes.0.shape_kinds", "relation_types.0.object_class_ids",
  ]);
});

test("what is sent drops editor-only keys, trims names and empties optional numbers", () => {
  const s = normaliseSchema({});
  const cls = addClass(s);
  renameClass(s, cls, "  Car  ");
  cls.hotkey = "";
  const attr = makeAttribute("text", cls.attributes);
  attr.max_length = "";
  cls.attributes.push(attr);
  const body = cleanSchema(s);
  assert.equal(JSON.stringify(body).includes("_new"), false);
  assert.equal(body.classes[0].name, "Car");
  assert.equal(body.classes[0].hotkey, null);
  assert.equal(body.classes[0].attributes[0].max_length, null);
});

test("the server's problems land on the fields they name", () => {
  const details = { problems: [
    "classes.0.attributes.1.select.options: List should have at least 1 item after validation, not 0",
    "classes.2: Value error, class 'Person' allows keypoints, so it needs a skeleton",
    "schema: Value error, hotkey 'c' is used more than once",
  ] };
  const problems = serverProblems(details, "label schema: …");
  assert.deepEqual(problems.map((p) => p.path), ["classes.0.attributes.1.options", "classes.2", ""]);
  assert.equal(problems[2].message, "hotkey 'c' is used more than once");
  assert.deepEqual(serverProblems({}, "nope"), [{ path: "", message: "nope" }]);
  assert.deepEqual(serverProblems({ problems: [{ where: "body.schema.classes.0.color", problem: "bad" }] }, "x"),
    [{ path: "classes.0.color", message: "bad" }]);
  assert.equal(formPath("classes.1.attributes.0.number.min"), "classes.1.attributes.0.min");
  assert.equal(formPath("tag_groups.0.options.1.name"), "tag_groups.0.options.1.name");
  const known = new Set(["classes.0.name", "classes.0", "classes.0.attributes.1.options"]);
  assert.equal(nearestField("classes.0.attributes.1.options.0.id", known), "classes.0.attributes.1.options");
  assert.equal(nearestField("classes.0.skeleton", known), "classes.0");
  assert.equal(nearestField("relation_types.3", known), "");
});

test("a refused removal names the classes in use with their counts", () => {
  const before = normaliseSchema(SAVED);
  const after = normaliseSchema(SAVED);
  after.classes.splice(0, 1);
  const removed = removedClasses(before, after);
  assert.deepEqual(removed.map((c) => c.id), ["car"]);
  assert.deepEqual(classesInUse({ in_use: { car: 12, bogus: "x" } }, removed), [{ id: "car", name: "Car", count: 12 }]);
  assert.deepEqual(classesInUse({}, removed), []);
});
