import assert from "node:assert/strict";
import { test } from "node:test";

import {
  addObjects, addRelation, cloneObjects, removeObjects, reorder, setAttribute, setGroup, setTag, updateObject,
} from "../../src/labelwright/web/js/editor/commands.js";
import { EditorStore } from "../../src/labelwright/web/js/editor/store.js";

const box = (id, x = 0) => ({ id, class_id: "car", shape: { kind: "bbox", x, y: 0, w: 5, h: 5 }, attributes: {}, frame: 0, source: "manual" });

function loaded() {
  const store = new EditorStore();
  store.load({ objects: [box("a"), box("b", 10)], tags: {}, relations: [] });
  return store;
}

test("adding, undoing and redoing an object", () => {
  const store = loaded();
  store.apply(addObjects(store, [box("c", 20)]));
  assert.deepEqual(store.order, ["a", "b", "c"]);
  assert.ok(store.undo());
  assert.deepEqual(store.order, ["a", "b"]);
  assert.equal(store.objects.has("c"), false);
  assert.ok(store.redo());
  assert.deepEqual(store.toDocument().objects.map((o) => o.id), ["a", "b", "c"]);
  assert.equal(store.redo(), false);
});

test("a new command clears the redo stack", () => {
  const store = loaded();
  store.apply(addObjects(store, [box("c")]));
  store.undo();
  store.apply(addObjects(store, [box("d")]));
  assert.equal(store.redo(), false);
  assert.deepEqual(store.order, ["a", "b", "d"]);
});

test("deleting an object removes its relations, and undo brings both back", () => {
  const store = loaded();
  store.apply(/** @type {any} */ (addRelation(store, "near", "a", "b")));
  assert.equal(store.relations.length, 1);
  store.select("a");
  store.apply(removeObjects(store, ["a"]));
  assert.equal(store.relations.length, 0);
  assert.equal(store.selected, null, "a deleted object is no longer selected");
  store.undo();
  assert.equal(store.relations.length, 1);
  assert.deepEqual(store.order, ["a", "b"]);
});

test("relations refuse self links, duplicates and missing ends", () => {
  const store = loaded();
  assert.equal(addRelation(store, "near", "a", "a"), null);
  assert.equal(addRelation(store, "near", "a", "zzz"), null);
  store.apply(/** @type {any} */ (addRelation(store, "near", "a", "b")));
  assert.equal(addRelation(store, "near", "a", "b"), null);
});

test("commands with one merge key undo as one; sealing starts a new step", () => {
  const store = loaded();
  for (const x of [1, 2, 3]) store.apply(updateObject(store, box("a", x), "Move", "drag:a"));
  assert.equal(store.undoStack.length, 1);
  store.undo();
  assert.equal(store.objects.get("a").shape.x, 0);
  store.redo();
  assert.equal(store.objects.get("a").shape.x, 3);
  store.seal();
  store.apply(updateObject(store, box("a", 9), "Move", "drag:a"));
  assert.equal(store.undoStack.length, 2);
});

test("attributes: set, clear, and merged while typing", () => {
  const store = loaded();
  store.apply(/** @type {any} */ (setAttribute(store, "a", "colour", "r")));
  store.apply(/** @type {any} */ (setAttribute(store, "a", "colour", "re")));
  store.apply(/** @type {any} */ (setAttribute(store, "a", "colour", "red")));
  assert.equal(store.objects.get("a").attributes.colour, "red");
  assert.equal(store.undoStack.length, 1);
  store.apply(/** @type {any} */ (setAttribute(store, "a", "colour", "")));
  assert.equal("colour" in store.objects.get("a").attributes, false);
  assert.equal(setAttribute(store, "nope", "x", 1), null);
});

test("z-order moves up, down, to the top and bottom", () => {
  const store = loaded();
  store.apply(addObjects(store, [box("c")]));
  store.apply(/** @type {any} */ (reorder(store, "a", "top")));
  assert.deepEqual(store.order, ["b", "c", "a"]);
  assert.equal(store.z("a"), 2);
  store.apply(/** @type {any} */ (reorder(store, "a", "down")));
  assert.deepEqual(store.order, ["b", "a", "c"]);
  assert.equal(reorder(store, "b", "bottom"), null, "already at the bottom");
  store.undo();
  assert.equal(store.z("a"), 2);
});

test("tags: single-choice groups keep one option, multiple ones collect", () => {
  const store = loaded();
  const weather = { id: "weather", multiple: false };
  const flags = { id: "flags", multiple: true };
  store.apply(setTag(store, weather, "sun", true));
  store.apply(setTag(store, weather, "rain", true));
  store.apply(setTag(store, flags, "blur", true));
  store.apply(setTag(store, flags, "dark", true));
  assert.deepEqual(store.tags, { weather: ["rain"], flags: ["blur", "dark"] });
  store.apply(setTag(store, weather, "rain", false));
  assert.deepEqual(store.tags, { flags: ["blur", "dark"] });
  store.undo();
  assert.deepEqual(store.tags.weather, ["rain"]);
});

test("groups and clones", () => {
  const store = loaded();
  store.apply(setGroup(store, ["a", "b"], "g1"));
  assert.equal(store.objects.get("b").group, "g1");
  const [copy] = cloneObjects([store.objects.get("a")], { frame: 2 });
  assert.notEqual(copy.id, "a");
  assert.equal(copy.frame, 2);
  assert.equal(copy.group, null);
  assert.deepEqual(copy.shape, store.objects.get("a").shape);
  assert.notEqual(copy.shape, store.objects.get("a").shape, "a deep copy");
});

test("listeners hear document and selection changes; every change bumps the version", () => {
  const store = loaded();
  const events = [];
  store.subscribe((e) => events.push(e.type));
  const v = store.version;
  store.apply(addObjects(store, [box("c")]));
  store.select("c");
  store.select("c");
  store.undo();
  assert.deepEqual(events, ["doc", "selection", "doc"]);
  assert.equal(store.version, v + 2);
});
