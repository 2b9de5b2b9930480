import assert from "node:assert/strict";
import { test } from "node:test";

import { countSegments, formatBytes, formatDate, formatSize, plural, stateLabel } from "../../src/labelwright/web/js/format.js";

test("formatBytes", () => {
  assert.equal(formatBytes(0), "0 B");
  assert.equal(formatBytes(999), "999 B");
  assert.equal(formatBytes(1500), "1.5 kB");
  assert.equal(formatBytes(25_300_000), "25 MB");
  assert.equal(formatBytes(3.2e12), "3.2 TB");
  assert.equal(formatBytes(-1), "");
});

test("formatDate reads ISO timestamps and passes through junk", () => {
  assert.match(formatDate("2025-03-12T10:00:00Z", "en-GB"), /12 Mar 2025/);
  assert.equal(formatDate("not a date"), "not a date");
});

test("stateLabel, plural, formatSize", () => {
  assert.equal(stateLabel("in_review"), "In review");
  assert.equal(stateLabel("new"), "New");
  assert.equal(plural(1, "item"), "1 item");
  assert.equal(plural(1200, "item"), "1,200 items");
  assert.equal(plural(2, "batch", "batches"), "2 batches");
  assert.equal(formatSize({ width: 640, height: 480 }), "640 × 480");
});

test("countSegments orders by the flow, adds unknown states, drops empty ones", () => {
  const { total, segments } = countSegments({ accepted: 1, new: 3, zzz: 0, extra: 4 }, ["new", "annotating", "accepted"]);
  assert.equal(total, 8);
  assert.deepEqual(segments.map((s) => s.state), ["new", "accepted", "extra"]);
  assert.equal(segments[0].percent, 37.5);
  assert.deepEqual(countSegments({}, ["new"]), { total: 0, segments: [] });
});
