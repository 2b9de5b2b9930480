import assert from "node:assert/strict";
import { test } from "node:test";

import { ActiveTime, IDLE_MS } from "../../src/labelwright/web/js/active-time.js";

test("without input nothing counts", () => {
  const t = new ActiveTime();
  assert.equal(t.take(0), 0);
  assert.equal(t.take(600_000), 0);
});

test("time between inputs counts while the gaps stay under the idle limit", () => {
  const t = new ActiveTime(30_000);
  t.touch(1_000);
  t.touch(11_000);
  t.touch(21_000);
  assert.equal(t.take(21_000), 20);
  t.touch(41_000);
  assert.equal(t.take(41_000), 20, "the next portion starts where the last one ended");
});

test("a long pause counts only the idle limit after the last input", () => {
  const t = new ActiveTime(30_000);
  t.touch(0);
  t.touch(5_000);
  assert.equal(t.take(300_000), 35, "5 s of work and 30 s of looking, then nothing");
  t.touch(400_000);
  assert.equal(t.take(410_000), 10);
});

test("a stretch still running is split between portions without loss or double count", () => {
  const t = new ActiveTime(30_000);
  t.touch(0);
  assert.equal(t.take(10_000), 10);
  t.touch(20_000);
  assert.equal(t.take(25_000), 15);
  assert.equal(t.take(100_000), 25, "until 30 s after the input at 20 s");
  assert.equal(t.take(200_000), 0);
});

test("pausing ends the stretch at once (the tab was hidden)", () => {
  const t = new ActiveTime(30_000);
  t.touch(0);
  t.pause(4_000);
  assert.equal(t.take(60_000), 4);
  t.touch(70_000);
  t.pause(65_000);
  assert.equal(t.take(90_000), 0, "a pause before the stretch began takes nothing away twice");
});

test("the default idle limit is 30 s", () => {
  assert.equal(IDLE_MS, 30_000);
  const t = new ActiveTime();
  t.touch(0);
  assert.equal(t.take(120_000), 30);
});

test("seconds a failed heartbeat took are given back for the next one", () => {
  const t = new ActiveTime(30_000);
  t.touch(0);
  const lost = t.take(10_000);
  t.restore(lost);
  t.restore(Number.NaN);
  t.restore(-3);
  assert.equal(t.take(12_000), 12);
});
