import assert from "node:assert/strict";
import { test } from "node:test";

import { barLayout, clipLabel, niceMax, safeColor, ticks } from "../../src/labelwright/web/js/chart.js";

test("niceMax rounds up to 1, 2, 2.5 or 5 times a power of ten", () => {
  assert.deepEqual([0, 1, 3, 7, 10, 11, 24, 26, 99, 101, 4200].map(niceMax), [1, 1, 5, 10, 10, 20, 25, 50, 100, 200, 5000]);
  assert.equal(niceMax(0.3), 0.5);
  assert.equal(niceMax(Number.NaN), 1);
  assert.equal(niceMax(-5), 1);
  assert.equal(niceMax(Infinity), 1);
});

test("ticks run from 0 to the rounded maximum in whole steps", () => {
  assert.deepEqual(ticks(1), [0, 1]);
  assert.deepEqual(ticks(2), [0, 1, 2]);
  assert.deepEqual(ticks(23), [0, 5, 10, 15, 20, 25]);
  assert.deepEqual(ticks(90), [0, 25, 50, 75, 100]);
  assert.deepEqual(ticks(0), [0, 1]);
});

test("bars scale to the rounded maximum, parts never outgrow their bar", () => {
  const layout = barLayout([
    { label: "car", value: 40, part: 10 },
    { label: "person", value: 20, part: 99 },
    { label: "sign", value: 0 },
  ], { width: 500, labelWidth: 100, noteWidth: 100, rowHeight: 20, axisHeight: 10 });
  assert.equal(layout.max, 50);
  assert.equal(layout.plotWidth, 300);
  assert.deepEqual(layout.bars.map((b) => b.width), [240, 120, 0]);
  assert.deepEqual(layout.bars.map((b) => b.partWidth), [60, 120, 0]);
  assert.deepEqual(layout.bars.map((b) => b.y), [0, 20, 40]);
  assert.equal(layout.height, 70);
  assert.deepEqual(layout.ticks.map((t) => t.x), [100, 160, 220, 280, 340, 400]);
});

test("bad values draw as empty bars, not as NaN or negative widths", () => {
  const layout = barLayout([{ label: "a", value: Number.NaN }, { label: "b", value: -3 }, { label: "c", value: /** @type {any} */ ("7") }]);
  assert.deepEqual(layout.bars.map((b) => b.width), [0, 0, 0]);
  assert.equal(layout.max, 1);
});

test("long labels are clipped (the full one is kept) and only #rrggbb colours pass", () => {
  const [bar] = barLayout([{ label: "a".repeat(80), value: 1, color: "red;stroke:url(javascript:x)" }]).bars;
  assert.ok(bar.label.length < 30 && bar.label.endsWith("…"));
  assert.equal(bar.fullLabel.length, 80);
  assert.equal(bar.color, null);
  assert.equal(safeColor("#A1b2C3"), "#A1b2C3");
  assert.equal(clipLabel("short", 10), "short");
  assert.equal(clipLabel("🚗🚗🚗🚗", 3), "🚗🚗…");
});
