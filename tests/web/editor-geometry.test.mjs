import assert from "node:assert/strict";
import { test } from "node:test";

import {
  boxFromCorners, edgeAt, hitShape, insideRings, rotatedCorners, shapeBounds, thinPoints, translateShape, vertexAt,
} from "../../src/labelwright/web/js/editor/geometry.js";
import { objectAt } from "../../src/labelwright/web/js/editor/hit-test.js";
import { GridIndex } from "../../src/labelwright/web/js/editor/spatial-index.js";

const square = [[0, 0], [10, 0], [10, 10], [0, 10]];
const hole = [[3, 3], [7, 3], [7, 7], [3, 7]];

test("polygon holes are outside", () => {
  assert.equal(insideRings(1, 1, [square, hole]), true);
  assert.equal(insideRings(5, 5, [square, hole]), false);
  assert.equal(insideRings(5, 5, [square]), true);
  assert.equal(insideRings(11, 5, [square]), false);
});

test("bounds of every shape kind", () => {
  assert.deepEqual(shapeBounds({ kind: "bbox", x: 1, y: 2, w: 3, h: 4 }), { minX: 1, minY: 2, maxX: 4, maxY: 6 });
  assert.deepEqual(shapeBounds({ kind: "polygon", rings: [square] }), { minX: 0, minY: 0, maxX: 10, maxY: 10 });
  assert.deepEqual(shapeBounds({ kind: "keypoints", points: [[1, 1, 2], [50, 50, 0], [3, 4, 1]] }), { minX: 1, minY: 1, maxX: 3, maxY: 4 });
  const r = shapeBounds({ kind: "rotated_box", cx: 0, cy: 0, w: 2, h: 2, angle: 45 });
  assert.ok(Math.abs(r.maxX - Math.SQRT2) < 1e-9 && Math.abs(r.minY + Math.SQRT2) < 1e-9);
  assert.equal(shapeBounds({ kind: "tag" }), null);
});

test("rotated corners turn clockwise on screen", () => {
  const [tl] = rotatedCorners({ cx: 0, cy: 0, w: 2, h: 0, angle: 90 });
  assert.ok(Math.abs(tl[0]) < 1e-9 && Math.abs(tl[1] + 1) < 1e-9);
});

test("hit-testing lines, points and areas respects the tolerance", () => {
  const line = { kind: "polyline", points: [[0, 0], [10, 0]] };
  assert.equal(hitShape(line, 5, 1, 2), true);
  assert.equal(hitShape(line, 5, 3, 2), false);
  assert.equal(hitShape({ kind: "points", points: [[5, 5]] }, 6, 6, 2), true);
  assert.equal(hitShape({ kind: "ellipse", cx: 0, cy: 0, rx: 10, ry: 2, angle: 0 }, 9, 0, 0), true);
  assert.equal(hitShape({ kind: "ellipse", cx: 0, cy: 0, rx: 10, ry: 2, angle: 90 }, 9, 0, 0), false);
  assert.equal(hitShape({ kind: "polygon", rings: [square, hole] }, 5, 5, 0.5), false);
});

test("moving shapes keeps their kind and leaves unlabeled keypoints alone", () => {
  assert.deepEqual(translateShape({ kind: "bbox", x: 1, y: 1, w: 2, h: 2 }, 3, 4), { kind: "bbox", x: 4, y: 5, w: 2, h: 2 });
  assert.deepEqual(translateShape({ kind: "keypoints", points: [[1, 1, 2], [0, 0, 0]] }, 1, 1).points, [[2, 2, 2], [0, 0, 0]]);
  assert.deepEqual(boxFromCorners(5, 5, 1, 2), { kind: "bbox", x: 1, y: 2, w: 4, h: 3 });
});

test("thinning keeps the ends and drops points closer than the minimum", () => {
  const pts = Array.from({ length: 100 }, (_, i) => [i * 0.1, 0]);
  const thin = thinPoints(pts, 1);
  assert.deepEqual(thin[0], [0, 0]);
  assert.deepEqual(thin[thin.length - 1], pts[99]);
  assert.ok(thin.length <= 12 && thin.length >= 9);
});

test("vertices and edges are found within the tolerance", () => {
  assert.deepEqual(vertexAt([square, hole], 7.2, 3.1, 1), [1, 1]);
  assert.equal(vertexAt([square], 5, 5, 1), null);
  assert.deepEqual(edgeAt([square], 5, 10.4, 1, true), [0, 2]);
  assert.deepEqual(edgeAt([square], 0.3, 5, 1, true), [0, 3]);
  assert.equal(edgeAt([square], 0.3, 5, 1, false), null);
});

test("the grid index finds what overlaps and forgets what is removed", () => {
  const index = new GridIndex(16);
  index.set("a", { minX: 0, minY: 0, maxX: 10, maxY: 10 });
  index.set("b", { minX: 100, minY: 100, maxX: 140, maxY: 120 });
  index.set("c", { minX: 5, minY: 5, maxX: 200, maxY: 200 });
  assert.deepEqual([...index.search({ minX: 0, minY: 0, maxX: 1, maxY: 1 })].sort(), ["a"]);
  assert.deepEqual([...index.search({ minX: 130, minY: 110, maxX: 131, maxY: 111 })].sort(), ["b", "c"]);
  assert.deepEqual([...index.search({ minX: -1e9, minY: -1e9, maxX: 1e9, maxY: 1e9 })].sort(), ["a", "b", "c"]);
  index.set("c", { minX: 300, minY: 300, maxX: 310, maxY: 310 });
  assert.deepEqual([...index.search({ minX: 130, minY: 110, maxX: 131, maxY: 111 })], ["b"]);
  index.delete("b");
  assert.equal(index.search({ minX: 130, minY: 110, maxX: 131, maxY: 111 }).size, 0);
  assert.equal(index.size, 2);
  assert.equal(index.cells.has("8,8"), false, "empty cells are dropped");
});

test("the grid index agrees with a brute-force search", () => {
  const index = new GridIndex(50);
  const boxes = new Map();
  let seed = 1;
  const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 500; i++) {
    const x = rand() * 1000, y = rand() * 1000, w = rand() * 80, h = rand() * 80;
    const b = { minX: x, minY: y, maxX: x + w, maxY: y + h };
    boxes.set(String(i), b);
    index.set(String(i), b);
  }
  for (let q = 0; q < 50; q++) {
    const x = rand() * 1000, y = rand() * 1000;
    const r = { minX: x, minY: y, maxX: x + rand() * 300, maxY: y + rand() * 300 };
    const expected = [...boxes].filter(([, b]) => b.minX <= r.maxX && b.maxX >= r.minX && b.minY <= r.maxY && b.maxY >= r.minY).map(([id]) => id).sort();
    assert.deepEqual([...index.search(r)].sort(), expected);
  }
});

test("objectAt picks the topmost hit, but a small object inside a large one wins", () => {
  const objects = new Map([
    ["big", { id: "big", shape: { kind: "bbox", x: 0, y: 0, w: 100, h: 100 } }],
    ["small", { id: "small", shape: { kind: "bbox", x: 40, y: 40, w: 10, h: 10 } }],
    ["twin", { id: "twin", shape: { kind: "bbox", x: 0, y: 0, w: 100, h: 90 } }],
  ]);
  const order = ["small", "big", "twin"];
  const index = new GridIndex(32);
  for (const [id, o] of objects) index.set(id, shapeBounds(o.shape));
  const src = { index, get: (id) => objects.get(id), z: (id) => order.indexOf(id) };
  assert.equal(objectAt(src, 45, 45, 1), "small");
  assert.equal(objectAt(src, 10, 10, 1), "twin");
  assert.equal(objectAt(src, 10, 95, 1), "big");
  assert.equal(objectAt({ ...src, skip: (id) => id === "twin" }, 10, 10, 1), "big");
  assert.equal(objectAt(src, 500, 500, 1), null);
});
