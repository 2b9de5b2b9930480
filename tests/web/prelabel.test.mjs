import assert from "node:assert/strict";
import { test } from "node:test";

import { prelabelBody, prelabelSummary, runnableModels } from "../../src/labelwright/web/js/prelabel.js";

const form = { model: "haar-faces", scope: "new", minScore: "0.3", settings: "", activeLearning: false };

test("a filled form becomes the request body", () => {
  const out = prelabelBody(form);
  assert.deepEqual(out, {
    ok: true,
    body: { model: "haar-faces", states: ["new"], min_score: 0.3, settings: {}, active_learning: false },
  });
  const all = prelabelBody({ ...form, scope: "all", settings: '{"path": "m.onnx"}', activeLearning: true });
  assert.equal(all.ok, true);
  assert.deepEqual(all.ok && all.body.states, []);
  assert.deepEqual(all.ok && all.body.settings, { path: "m.onnx" });
});

test("mistakes name their field", () => {
  assert.deepEqual(prelabelBody({ ...form, model: "" }), { ok: false, field: "model", error: "Choose a model" });
  for (const minScore of ["", "-0.1", "1.5", "abc"]) {
    assert.equal(/** @type {any} */ (prelabelBody({ ...form, minScore })).field, "minScore");
  }
  assert.equal(/** @type {any} */ (prelabelBody({ ...form, settings: "{oops" })).field, "settings");
  assert.equal(/** @type {any} */ (prelabelBody({ ...form, settings: "[1, 2]" })).field, "settings");
  assert.equal(/** @type {any} */ (prelabelBody({ ...form, scope: "some" })).field, "scope");
});

test("only installed batch models can pre-label", () => {
  const models = [
    { name: "b", kind: "batch", available: true },
    { name: "grabcut", kind: "interactive", available: true },
    { name: "a", kind: "batch", available: true },
    { name: "c", kind: "batch", available: false },
  ];
  assert.deepEqual(runnableModels(/** @type {any} */ (models)).map((m) => m.name), ["a", "b"]);
});

test("a finished job is summed up in one line", () => {
  assert.equal(prelabelSummary({ images: 1, objects: 0 }), "1 image predicted · 0 objects proposed");
  assert.equal(
    prelabelSummary({ images: 3, objects: 5, failed: 1, "dropped: label 'cat' has no class": 2 }),
    "3 images predicted · 5 objects proposed · 1 could not be read · 2 left out (no matching class)",
  );
});
