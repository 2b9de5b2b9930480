import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { EDITOR_KEYS, buildKeymap, groupRows, keysMarkdown } from "../../src/labelwright/web/js/editor/hotkeys.js";
import {
  classForKind, defaultAttributes, missingRequired, normaliseSchema, parseAttributeInput,
} from "../../src/labelwright/web/js/editor/schema.js";
import { actionFor } from "../../src/labelwright/web/js/keys.js";

const schema = normaliseSchema({
  classes: [
    { id: "car", name: "Car", color: "#ff0000", hotkey: "c", shape_kinds: ["bbox", "polygon"], attributes: [
      { id: "parked", name: "Parked", type: "checkbox", required: true },
      { id: "kind", name: "Kind", type: "select", options: [{ id: "suv", name: "SUV" }], default: "suv" },
      { id: "doors", name: "Doors", type: "number", integer: true, min: 1, max: 6 },
    ] },
    { id: "person", name: "Person", color: "#00ff00", hotkey: "b", shape_kinds: ["keypoints"], skeleton: { nodes: ["head"], edges: [] } },
  ],
});

test("no key is bound twice in the fixed table", () => {
  const keys = EDITOR_KEYS.flatMap((r) => r.keys);
  assert.equal(new Set(keys).size, keys.length);
});

test("digits pick the first classes; a schema hotkey wins over a tool key", () => {
  const { bindings, rows } = buildKeymap(schema);
  assert.equal(actionFor(bindings, { key: "1" }), "class:car");
  assert.equal(actionFor(bindings, { key: "2" }), "class:person");
  assert.equal(actionFor(bindings, { key: "c" }), "class:car");
  assert.equal(actionFor(bindings, { key: "b" }), "class:person", "the schema took b from the box tool");
  assert.equal(actionFor(bindings, { key: "z", ctrlKey: true }), "undo");
  assert.equal(actionFor(bindings, { key: "Z", ctrlKey: true, shiftKey: true }), "redo");
  assert.equal(actionFor(bindings, { key: "?", shiftKey: true }), "help");
  assert.equal(rows.some((r) => r.action === "tool:bbox"), false, "the help leaves out overridden keys");
  assert.deepEqual(rows.find((r) => r.action === "class:car")?.keys, ["1", "c"]);
  assert.deepEqual(groupRows(rows).map(([g]) => g), ["Tools", "Drawing", "Objects", "Edit", "View", "Classes"]);
});

test("docs/editor.md holds the current key table", () => {
  const doc = readFileSync(new URL("../../docs/editor.md", import.meta.url), "utf8");
  assert.ok(doc.includes(keysMarkdown()), "regenerate the table with keysMarkdown()");
});

test("a new shape gets the chosen class when it allows the kind, else the first that does", () => {
  assert.equal(classForKind(schema, "person", "bbox")?.id, "car");
  assert.equal(classForKind(schema, "car", "polygon")?.id, "car");
  assert.equal(classForKind(schema, null, "keypoints")?.id, "person");
  assert.equal(classForKind(schema, "car", "mask"), null);
});

test("attribute defaults, required marks and typed input", () => {
  const car = schema.classes[0];
  assert.deepEqual(defaultAttributes(car), { kind: "suv" });
  assert.deepEqual(missingRequired({ attributes: {} }, car).map((a) => a.id), ["parked"]);
  assert.deepEqual(missingRequired({ attributes: { parked: false } }, car), []);
  const doors = car.attributes[2];
  assert.deepEqual(parseAttributeInput(doors, "4"), { value: 4 });
  assert.deepEqual(parseAttributeInput(doors, ""), { value: null });
  assert.match(parseAttributeInput(doors, "4.5").error, /whole number/);
  assert.match(parseAttributeInput(doors, "9").error, /at most 6/);
  assert.match(parseAttributeInput(doors, "lots").error, /not a number/);
  assert.deepEqual(parseAttributeInput(car.attributes[0], true), { value: true });
});
