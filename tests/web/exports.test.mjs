import assert from "node:assert/strict";
import { test } from "node:test";

import { canExport } from "../../src/labelwright/web/js/access.js";
import {
  describeSplit, downloadPath, exportBody, formatLabel, parseSplit, splitCounts, summariseManifest,
} from "../../src/labelwright/web/js/exports.js";

test("parseSplit reads 1 to 3 shares as ratios that sum to 1", () => {
  assert.deepEqual(parseSplit("80/10/10"), { ok: true, ratios: [0.8, 0.1, 0.1] });
  assert.deepEqual(parseSplit(" 0.7 , 0.3 "), { ok: true, ratios: [0.7, 0.3] });
  assert.deepEqual(parseSplit("70% 20% 10%"), { ok: true, ratios: [0.7, 0.2, 0.1] });
  assert.deepEqual(parseSplit("60:20:20"), { ok: true, ratios: [0.6, 0.2, 0.2] });
  assert.deepEqual(parseSplit("8 / 1 / 1"), { ok: true, ratios: [0.8, 0.1, 0.1] });
  assert.deepEqual(parseSplit("100"), { ok: true, ratios: [1] });
  assert.deepEqual(parseSplit("1/1/1"), { ok: true, ratios: [0.333333, 0.333333, 0.333333] });
  assert.deepEqual(parseSplit(".5/.5"), { ok: true, ratios: [0.5, 0.5] });
});

test("parseSplit: empty means no split", () => {
  assert.deepEqual(parseSplit(""), { ok: true, ratios: null });
  assert.deepEqual(parseSplit("   "), { ok: true, ratios: null });
  // @ts-expect-error: tolerate a missing value
  assert.deepEqual(parseSplit(undefined), { ok: true, ratios: null });
});

test("parseSplit rejects what is not 1 to 3 positive numbers", () => {
  for (const bad of ["80/10/5/5", "/", "abc", "80/ten/10", "-80/20", "80/20/0", "0", "1e3", "80/10/10x", "Infinity"]) {
    const out = parseSplit(bad);
    assert.equal(out.ok, false, bad);
    assert.ok(!out.ok && out.error.length > 0, bad);
  }
  const many = parseSplit("50/20/20/10");
  assert.ok(!many.ok && /1 to 3/.test(many.error));
  const zero = parseSplit("80/20/0");
  assert.ok(!zero.ok && /more than zero/.test(zero.error));
  const word = parseSplit("80/ten");
  assert.ok(!word.ok && word.error.includes("ten"));
});

test("describeSplit names the splits", () => {
  assert.equal(describeSplit([0.8, 0.1, 0.1]), "train 80% · val 10% · test 10%");
  assert.equal(describeSplit([0.7, 0.3]), "train 70% · val 30%");
  assert.equal(describeSplit([0.333333, 0.333333, 0.333333]), "train 33.3% · val 33.3% · test 33.3%");
  assert.equal(describeSplit([1]), "train 100%");
});

test("exportBody builds the request body", () => {
  assert.deepEqual(exportBody({ format: "coco" }), { ok: true, body: { format: "coco" } });
  assert.deepEqual(
    exportBody({ format: "yolo", split: "80/10/10", acceptedOnly: true, includePredictions: true, seed: 7 }),
    { ok: true, body: { format: "yolo", split: [0.8, 0.1, 0.1], seed: 7, states: ["accepted"], include_predictions: true } });
  assert.deepEqual(
    exportBody({ format: "voc", split: "", acceptedOnly: false, includePredictions: false }),
    { ok: true, body: { format: "voc" } });
});

test("exportBody says what to fix", () => {
  assert.deepEqual(exportBody({ format: "" }), { ok: false, field: "format", error: "Choose a format." });
  const split = exportBody({ format: "coco", split: "1/2/3/4" });
  assert.equal(split.ok, false);
  assert.equal(!split.ok && split.field, "split");
  const seed = exportBody({ format: "coco", seed: 1.5 });
  assert.equal(!seed.ok && seed.field, "seed");
});

test("splitCounts orders train, val, test, others, then none", () => {
  assert.deepEqual(splitCounts({ test: 1, none: 2, train: 8, extra: 3, val: 1 }), [
    { split: "train", count: 8 }, { split: "val", count: 1 }, { split: "test", count: 1 },
    { split: "extra", count: 3 }, { split: "none", count: 2 },
  ]);
  assert.deepEqual(splitCounts(undefined), []);
});

test("summariseManifest puts a manifest in words", () => {
  assert.deepEqual(
    summariseManifest({ format: "coco", images: 1200, objects: 1, per_class: { car: 1 }, per_split: { train: 960, val: 120, test: 120 } }),
    { headline: "1,200 images, 1 object", splits: "train 960 · val 120 · test 120" });
  // An unsplit export counts every image under "none": nothing to say about splits.
  assert.deepEqual(
    summariseManifest({ format: "yolo", images: 1, objects: 0, per_split: { none: 1 } }),
    { headline: "1 image, 0 objects", splits: "" });
  assert.deepEqual(summariseManifest(null), { headline: "0 images, 0 objects", splits: "" });
  assert.equal(summariseManifest({ format: "voc", images: 3, objects: 5, per_split: { train: 2, none: 1 } }).splits,
    "train 2 · no split 1");
});

test("formatLabel and downloadPath", () => {
  assert.equal(formatLabel("labelstudio"), "Label Studio");
  assert.equal(formatLabel("coco"), "COCO");
  assert.equal(formatLabel("my-plugin"), "my-plugin");
  assert.equal(downloadPath(3, 41), "/api/projects/3/exports/41/download");
});

test("canExport: admins and managers", () => {
  assert.equal(canExport({ is_admin: true }, { role: null }), true);
  assert.equal(canExport({ is_admin: false }, { role: "manager" }), true);
  for (const role of ["client", "annotator", "reviewer", null]) {
    assert.equal(canExport({ is_admin: false }, { role }), false, String(role));
  }
  assert.equal(canExport(null, { role: "annotator" }), false);
});
