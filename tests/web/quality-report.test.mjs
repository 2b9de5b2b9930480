import assert from "node:assert/strict";
import { test } from "node:test";

import { dayLayout, MEASURES, measureCells, percent } from "../../src/labelwright/web/js/quality-report.js";

const person = (over) => ({ user_id: 1, username: "a", items: 10, objects: 40, active_hours: 2, reviewed: 4, rejected: 1, gold_items: 0,
  gold_f1: null, gold_mean_iou: null, agreement: null, items_per_hour: 5, objects_per_hour: 20, rejection_rate: 0.25, ...over });
const measure = (id) => MEASURES.find((m) => m.id === id);

test("rates are scaled to a round number above the highest; missing figures show a dash", () => {
  const people = [person({}), person({ user_id: 2, items_per_hour: 12.34 }), person({ user_id: 3, items_per_hour: null })];
  const cells = measureCells(people, measure("items_per_hour"));
  assert.deepEqual(cells.map((c) => c.text), ["5", "12.3", "—"]);
  assert.deepEqual(cells.map((c) => c.fraction), [5 / 20, 12.34 / 20, 0]);
  assert.equal(cells[0].title, "10 items in 2.0 h of active time");
  assert.equal(cells[2].title, "Not enough data yet");
});

test("shares are drawn on 0–100 %", () => {
  const cells = measureCells([person({ gold_f1: 0.875, gold_items: 3, gold_mean_iou: 0.8 })], measure("gold_f1"));
  assert.deepEqual(cells, [{ text: "88 %", fraction: 0.875, title: "on 3 gold items, mean IoU 80 %" }]);
  assert.equal(measureCells([person({})], measure("rejection_rate"))[0].title, "1 of 4 reviewed items rejected");
  assert.equal(percent(null), "—");
  assert.equal(percent(Number.NaN), "—");
});

test("the day chart puts three bars a day on one axis and thins out labels", () => {
  const days = Array.from({ length: 40 }, (_, i) => ({ day: `2025-03-${String(i + 1).padStart(2, "0")}`, submitted: i, accepted: 1, rejected: i % 2, acceptance: null }));
  const layout = dayLayout(days, { width: 720, height: 220, maxDays: 30 });
  assert.equal(layout.groups.length, 30, "the last 30 days");
  assert.equal(layout.groups[0].day, "2025-03-11");
  assert.equal(layout.ticks.at(-1)?.value, 50, "a round top above the highest bar (39)");
  const last = layout.groups.at(-1);
  assert.deepEqual(last?.bars.map((b) => b.series), ["submitted", "accepted", "rejected"]);
  const top = /** @type {any} */ (last).bars[0];
  assert.ok(Math.abs(top.height - (layout.plotBottom - layout.plotTop) * 39 / 50) < 1e-9);
  assert.ok(layout.groups.filter((g) => g.label).length <= 12, "labels never crowd");
  assert.equal(layout.groups[0].label, "03-11");
  for (const g of layout.groups) for (const b of g.bars) assert.ok(b.x >= layout.plotX && b.x + b.width <= layout.width);
});

test("an empty report still lays out an axis", () => {
  const layout = dayLayout([]);
  assert.deepEqual(layout.groups, []);
  assert.equal(layout.ticks.at(-1)?.value, 1);
});
