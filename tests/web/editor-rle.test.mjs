// Known strings come from pycocotools.mask.encode on the same arrays (Fortran order).
import assert from "node:assert/strict";
import { test } from "node:test";

import { decodeCounts, encodeCounts, maskToRle, rleArea, rleBounds, rleToMask } from "../../src/labelwright/web/js/editor/rle.js";

/** @param {number[][]} rows */
const flat = (rows) => Uint8Array.from(rows.flat());

const A = [[0, 0, 0, 0, 0], [0, 1, 1, 1, 0], [0, 1, 1, 1, 0], [0, 0, 0, 0, 0]];
const B = [[0, 0, 1, 0, 0, 0, 0, 0, 1], [0, 0, 0, 0, 0, 1, 1, 0, 1], [1, 0, 0, 1, 0, 0, 1, 0, 0], [1, 0, 1, 0, 0, 1, 1, 0, 1],
  [0, 1, 1, 0, 1, 1, 1, 1, 0], [1, 1, 0, 1, 0, 0, 0, 1, 0], [1, 0, 0, 0, 1, 0, 0, 1, 1]];

test("encoding matches pycocotools", () => {
  assert.deepEqual(maskToRle(flat(A), 5, 4), { size: [4, 5], counts: "5220003" });
  assert.equal(maskToRle(flat(B), 9, 7).counts, "221030MO112ON030L000012231KL10");
  assert.equal(maskToRle(new Uint8Array(9).fill(1), 3, 3).counts, "09");
  const tall = new Uint8Array(1000);
  tall.fill(1, 1, 999);
  assert.equal(maskToRle(tall, 1, 1000).counts, "1Vo01");
});

test("a 400×300 disc encodes to pycocotools' string and back", () => {
  const w = 400, h = 300, mask = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - 200) ** 2 + (y - 150) ** 2 < 100 ** 2) mask[y * w + x] = 1;
  const rle = maskToRle(mask, w, h);
  assert.ok(rle.counts.startsWith("Tgm0m0Z8:F:H6I8I6K4K6K4L4L4L4L4L4M2M4M2M4M2N2M4M2N2N2M4M2"));
  assert.ok(rle.counts.endsWith("N3L3N3L3N3L4L4L4L4L4L5J5L5J7H7J8F:F]Um0"));
  assert.equal(rleArea(rle), 31397);
  assert.deepEqual(rleToMask(rle), mask);
  assert.deepEqual(rleBounds(rle), { minX: 101, minY: 51, maxX: 300, maxY: 250 });
});

test("decoding round-trips runs, including large and negative differences", () => {
  const runs = [0, 5, 100000, 3, 7, 2000000, 1, 1];
  assert.deepEqual(decodeCounts(encodeCounts(runs)), runs);
  assert.deepEqual(rleToMask({ size: [7, 9], counts: "221030MO112ON030L000012231KL10" }), flat(B));
});

test("malformed strings and wrong sizes are refused", () => {
  assert.throws(() => decodeCounts("5\x7f"), /invalid character/);
  assert.throws(() => decodeCounts("o"), /ends in the middle/);
  assert.throws(() => rleToMask({ size: [4, 4], counts: "5220003" }), /cover 20 pixels/);
});

test("bounds of small masks and of an empty one", () => {
  assert.deepEqual(rleBounds({ size: [4, 5], counts: "5220003" }), { minX: 1, minY: 1, maxX: 4, maxY: 3 });
  assert.equal(rleBounds(maskToRle(new Uint8Array(20), 5, 4)), null);
});
