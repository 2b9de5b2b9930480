import assert from "node:assert/strict";
import { test } from "node:test";

import {
  acceptedShape, emptyPrompt, isEmpty, segmentRequest, usableRings, withGesture, withoutLastClick,
} from "../../src/labelwright/web/js/editor/assist-prompt.js";

const ok = (r) => {
  assert.ok("prompt" in r, JSON.stringify(r));
  return r.prompt;
};

test("a drag starts a new prompt with its box; clicks add points, Alt+click background", () => {
  let p = ok(withGesture(emptyPrompt(), { x: 50, y: 40 }, { x: 10.04, y: 10 }, { scale: 1, alt: false }));
  assert.deepEqual(p, { box: { x: 10, y: 10, w: 40, h: 30 }, positive: [], negative: [] });
  p = ok(withGesture(p, { x: 20, y: 20 }, { x: 20.5, y: 20 }, { scale: 1, alt: false }));
  p = ok(withGesture(p, { x: 30, y: 30 }, { x: 30, y: 30 }, { scale: 1, alt: true }));
  assert.deepEqual(p.positive, [[20.5, 20]]);
  assert.deepEqual(p.negative, [[30, 30]]);
  const fresh = ok(withGesture(p, { x: 0, y: 0 }, { x: 20, y: 20 }, { scale: 1, alt: false }));
  assert.deepEqual(fresh.positive, [], "a new box forgets the old clicks");
  assert.equal(isEmpty(emptyPrompt()), true);
  assert.equal(isEmpty(p), false);
});

test("gestures that cannot be used say why", () => {
  const r = withGesture(emptyPrompt(), { x: 5, y: 5 }, { x: 5, y: 5 }, { scale: 1, alt: true });
  assert.match(/** @type {any} */ (r).error, /first drag a box or click the object/);
  const flat = withGesture(emptyPrompt(), { x: 0, y: 5 }, { x: 40, y: 6 }, { scale: 1, alt: false });
  assert.match(/** @type {any} */ (flat).error, /at least 2 pixels/);
  const zoomed = withGesture(emptyPrompt(), { x: 0, y: 0 }, { x: 1, y: 1 }, { scale: 1, alt: false });
  assert.ok("prompt" in zoomed && zoomed.prompt.positive.length === 1, "a tiny move at 1:1 is a click");
});

test("undoing the last click, and the request body", () => {
  const p = { box: { x: 1, y: 2, w: 3, h: 4 }, positive: [[1, 1], [2, 2]], negative: [[3, 3]] };
  assert.deepEqual(withoutLastClick(p, "positive")?.positive, [[1, 1]]);
  assert.deepEqual(withoutLastClick(p, "negative")?.negative, []);
  assert.equal(withoutLastClick(emptyPrompt(), "positive"), null);
  assert.deepEqual(segmentRequest(p, "grabcut"), { model: "grabcut", ...p });
});

const answer = { model: "grabcut", score: 1, rle: { size: [10, 10], counts: "abc" }, rings: [[[1, 1], [5, 1], [5, 5]], [[2, 2], [3, 2]], [[2, 2], [3, 2], [3, 3]]] };

test("an answer becomes a polygon, or a mask when the class allows masks only", () => {
  const poly = acceptedShape(answer, { current: { shape_kinds: ["bbox", "polygon", "mask"] }, anyPolygon: true, anyMask: true });
  assert.deepEqual(poly, { kind: "polygon", shape: { kind: "polygon", rings: [[[1, 1], [5, 1], [5, 5]], [[2, 2], [3, 2], [3, 3]]] } });
  const mask = acceptedShape(answer, { current: { shape_kinds: ["mask"] }, anyPolygon: true, anyMask: true });
  assert.deepEqual(mask, { kind: "mask", shape: { kind: "mask", rle: answer.rle, instance: true } });
  const other = acceptedShape(answer, { current: { shape_kinds: ["keypoints"] }, anyPolygon: false, anyMask: true });
  assert.equal(/** @type {any} */ (other).kind, "mask", "no polygon class anywhere: a mask of the class that allows one");
  assert.match(/** @type {any} */ (acceptedShape(answer, { current: null, anyPolygon: false, anyMask: false })).error, /No class/);
  assert.match(/** @type {any} */ (acceptedShape({ ...answer, rings: [] }, { current: { shape_kinds: ["polygon"] }, anyPolygon: true, anyMask: false })).error, /too small/);
});

test("rings: only those with three points or more, none without an outline", () => {
  assert.equal(usableRings([[[0, 0], [1, 1]], [[0, 0], [1, 0], [1, 1]]]).length, 0, "an outline of two points makes nothing");
  assert.equal(usableRings(/** @type {any} */ (null)).length, 0);
});
