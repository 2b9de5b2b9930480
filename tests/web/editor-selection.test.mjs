// Ellipse handles, moving masks by their runs, the rubber band, and moving, relabelling and
// selecting several objects at once.
import assert from "node:assert/strict";
import { test } from "node:test";

import { moveObjects, movedShape, relabelObjects, removeObjects } from "../../src/labelwright/web/js/editor/commands.js";
import { ellipseAxisEnds, insideEllipse, shapeBounds } from "../../src/labelwright/web/js/editor/geometry.js";
import { objectsInRect } from "../../src/labelwright/web/js/editor/hit-test.js";
import { maskToRle, rleToMask, shiftRle } from "../../src/labelwright/web/js/editor/rle.js";
import { GridIndex } from "../../src/labelwright/web/js/editor/spatial-index.js";
import { EditorStore } from "../../src/labelwright/web/js/editor/store.js";
import { resizeEllipse, rotate } from "../../src/labelwright/web/js/editor/tools/select.js";

const near = (a, b, eps = 1e-9) => Math.abs(a - b) <= eps;
const obj = (id, shape, class_id = "car") => ({ id, class_id, shape, attributes: {}, frame: 0, source: "manual" });
const box = (id, x, y = 0, w = 5, h = 5) => obj(id, { kind: "bbox", x, y, w, h });

/** A random mask of w × h, row by row, seeded. */
function randomMask(w, h, seed) {
  let s = seed;
  const rand = () => ((s = (s * 16807) % 2147483647) / 2147483647);
  const mask = new Uint8Array(w * h);
  // Blobs rather than noise, so runs cross column ends and touch the image's edges.
  for (let k = 0; k < 4; k++) {
    const cx = rand() * w, cy = rand() * h, r = 1 + rand() * Math.min(w, h) * 0.4;
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if ((x - cx) ** 2 + (y - cy) ** 2 <= r * r) mask[y * w + x] = 1;
  }
  return mask;
}

/** The mask moved pixel by pixel: the reference shiftRle must agree with. */
function shiftPixels(mask, w, h, dx, dy) {
  const out = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const nx = x + dx, ny = y + dy;
      if (mask[y * w + x] && nx >= 0 && nx < w && ny >= 0 && ny < h) out[ny * w + nx] = 1;
    }
  }
  return out;
}

test("an ellipse's handles are the ends of its axes, clockwise from the x radius", () => {
  const flat = ellipseAxisEnds({ cx: 10, cy: 20, rx: 4, ry: 2, angle: 0 });
  assert.deepEqual(flat, [[14, 20], [10, 22], [6, 20], [10, 18]]);
  const turned = ellipseAxisEnds({ cx: 0, cy: 0, rx: 4, ry: 2, angle: 90 });
  // Turned a quarter clockwise on screen: the x radius points down.
  assert.ok(near(turned[0][0], 0) && near(turned[0][1], 4));
  assert.ok(near(turned[1][0], -2) && near(turned[1][1], 0));
  for (const p of turned) {
    assert.ok(insideEllipse(p[0] * 0.999, p[1] * 0.999, { cx: 0, cy: 0, rx: 4, ry: 2, angle: 90 }), "each handle lies on the outline");
  }
});

test("dragging an axis end sets that radius along the axis; centre and angle stay", () => {
  const e = { kind: "ellipse", cx: 50, cy: 50, rx: 20, ry: 10, angle: 0 };
  assert.deepEqual(resizeEllipse(e, 0, 80, 57), { ...e, rx: 30 }, "only the part along the axis counts");
  assert.deepEqual(resizeEllipse(e, 2, 35, 50), { ...e, rx: 15 });
  assert.deepEqual(resizeEllipse(e, 3, 50, 26), { ...e, ry: 24 });
  const turned = { ...e, angle: 90 };
  const r = resizeEllipse(turned, 0, 50, 90);
  assert.ok(near(r.rx, 40) && r.ry === 10 && r.cx === 50 && r.angle === 90);
  assert.equal(resizeEllipse(e, 1, 90, 50).ry, 0.5, "across the axis: the smallest radius the schema accepts");
});

test("Shift+drag turns an ellipse the way it turns a rotated box", () => {
  const e = { kind: "ellipse", cx: 0, cy: 0, rx: 20, ry: 10, angle: 10 };
  const turned = rotate(e, 20, 0, 0, 20);
  assert.ok(near(turned.angle, 100));
  assert.equal(turned.rx, 20);
  assert.ok(near(rotate({ ...e, angle: 170 }, 20, 0, 0, 20).angle, -100), "angles stay within ±180");
});

test("an ellipse's bounds are tight when it is turned", () => {
  const b = shapeBounds({ kind: "ellipse", cx: 0, cy: 0, rx: 10, ry: 2, angle: 90 });
  assert.ok(near(b.minX, -2) && near(b.maxX, 2) && near(b.minY, -10) && near(b.maxY, 10));
  const d = shapeBounds({ kind: "ellipse", cx: 0, cy: 0, rx: 10, ry: 10, angle: 33 });
  assert.ok(near(d.maxX, 10) && near(d.maxY, 10));
});

test("shifting an RLE agrees with shifting its pixels, cut at the image's edges", () => {
  for (const [w, h, seed] of [[9, 7, 3], [40, 30, 11], [13, 50, 5]]) {
    const mask = randomMask(w, h, seed);
    const rle = maskToRle(mask, w, h);
    for (const [dx, dy] of [[0, 0], [1, 0], [0, 1], [-3, 2], [5, -4], [-w + 1, 0], [0, h - 1], [w, 0], [0, -h]]) {
      const expected = maskToRle(shiftPixels(mask, w, h, dx, dy), w, h);
      // The same string pycocotools writes for those pixels, not only the same pixels.
      assert.deepEqual(shiftRle(rle, dx, dy), expected, `${w}×${h} moved by ${dx}, ${dy}`);
    }
  }
});

test("a full mask and a mask on the last pixel shift to valid runs", () => {
  const full = maskToRle(new Uint8Array(12).fill(1), 4, 3);
  const moved = shiftRle(full, 1, 1);
  const pixels = rleToMask(moved);
  assert.deepEqual([...pixels], [0, 0, 0, 0, 0, 1, 1, 1, 0, 1, 1, 1]);
  const last = new Uint8Array(12);
  last[11] = 1;
  assert.deepEqual(shiftRle(maskToRle(last, 4, 3), -1, -1), maskToRle(Uint8Array.from([0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]), 4, 3));
  assert.deepEqual(shiftRle(maskToRle(last, 4, 3), 1, 0), maskToRle(new Uint8Array(12), 4, 3), "pushed out: an empty mask");
});

test("the rubber band takes what lies wholly inside, through the index only", () => {
  const index = new GridIndex(16);
  const shapes = {
    inside: { kind: "bbox", x: 10, y: 10, w: 20, h: 20 },
    across: { kind: "bbox", x: 90, y: 10, w: 20, h: 20 },
    hidden: { kind: "bbox", x: 40, y: 40, w: 5, h: 5 },
    ellipse: { kind: "ellipse", cx: 60, cy: 60, rx: 30, ry: 3, angle: 90 },
  };
  for (const [id, s] of Object.entries(shapes)) index.set(id, shapeBounds(s));
  for (let i = 0; i < 1000; i++) index.set(`far${i}`, { minX: 500 + i, minY: 500, maxX: 501 + i, maxY: 501 });
  let looked = 0;
  const get = index.bounds.get.bind(index.bounds);
  index.bounds.get = (id) => {
    looked++;
    return get(id);
  };
  const z = (id) => ["ellipse", "inside", "across", "hidden"].indexOf(id);
  const found = objectsInRect({ index, z, skip: (id) => id === "hidden" }, { minX: 0, minY: 0, maxX: 100, maxY: 100 });
  assert.deepEqual(found, ["ellipse", "inside"], "bottom to top; the box across the edge and the hidden one stay out");
  assert.ok(looked < 20, `only the candidates near the band are looked at (${looked})`);
});

test("moving several objects is one step to undo and to redo", () => {
  const store = new EditorStore();
  store.load({ objects: [box("a", 0), box("b", 10), box("c", 20)] });
  const starts = [store.objects.get("a"), store.objects.get("b")];
  for (const dx of [1, 2, 3]) store.apply(moveObjects(store, starts, dx, dx * 2, "move:1"));
  assert.equal(store.undoStack.length, 1);
  assert.deepEqual([store.objects.get("a").shape.x, store.objects.get("b").shape.y, store.objects.get("c").shape.x], [3, 6, 20]);
  assert.equal(store.undoStack[0].label, "Move 2 objects");
  store.undo();
  assert.deepEqual([store.objects.get("a").shape.x, store.objects.get("b").shape.x, store.objects.get("b").shape.y], [0, 10, 0]);
  store.redo();
  assert.deepEqual([store.objects.get("a").shape.x, store.objects.get("b").shape.x, store.objects.get("b").shape.y], [3, 13, 6]);
});

test("a mask moves by whole pixels, with the objects moved beside it", () => {
  const pixels = new Uint8Array(20 * 10);
  pixels[5 * 20 + 5] = 1;
  const mask = obj("m", { kind: "mask", rle: maskToRle(pixels, 20, 10), instance: true }, "road");
  const store = new EditorStore();
  store.load({ objects: [mask, box("a", 0)] });
  const cmd = moveObjects(store, [mask, store.objects.get("a")], 2.4, -1.6);
  store.apply(cmd);
  const moved = rleToMask(store.objects.get("m").shape.rle);
  assert.equal(moved[3 * 20 + 7], 1);
  assert.deepEqual(store.objects.get("m").shape.rle.size, [10, 20]);
  assert.deepEqual([store.objects.get("a").shape.x, store.objects.get("a").shape.y], [2, -2], "rounded as the mask is");
  assert.equal(moveObjects(store, [mask], 15, 0), null, "a mask may not leave the image entirely");
  assert.deepEqual(movedShape({ kind: "bbox", x: 1, y: 1, w: 1, h: 1 }, 0.5, 0.5), { kind: "bbox", x: 1.5, y: 1.5, w: 1, h: 1 });
});

test("relabelling several objects skips those the class cannot hold or already has", () => {
  const line = obj("l", { kind: "polyline", points: [[0, 0], [1, 1]] });
  const truck = { id: "truck", name: "Truck", color: "#00ff00", shape_kinds: ["bbox"], attributes: [{ id: "axles", name: "Axles", type: "number", default: 2 }] };
  const cmd = relabelObjects([box("a", 0), box("b", 5, 0), line, { ...box("t", 9), class_id: "truck" }], truck);
  assert.deepEqual(cmd.objects.map((c) => c.id), ["a", "b"]);
  assert.deepEqual(cmd.objects[0].after.attributes, { axles: 2 });
  assert.equal(cmd.label, "Change class of 2 objects");
  assert.equal(relabelObjects([line], truck), null);
});

test("the selection holds several objects; one alone is `selected`", () => {
  const store = new EditorStore();
  store.load({ objects: [box("a", 0), box("b", 10), box("c", 20)] });
  const events = [];
  store.subscribe((e) => events.push(e.type));
  store.select("a");
  assert.equal(store.selected, "a");
  store.toggleSelected("c");
  assert.equal(store.selected, null, "several: no single selected object");
  assert.equal(store.selectedObject(), null);
  store.setSelection(["c", "a"]);
  assert.deepEqual(events, ["selection", "selection"], "the same set again is no change");
  assert.deepEqual(store.selectedObjects().map((o) => o.id), ["a", "c"], "bottom to top");
  store.setSelection(["b", "nope"]);
  assert.deepEqual([...store.selection], ["b"]);
  store.setSelection(["a", "b", "c"]);
  store.apply(removeObjects(store, ["a", "b"]));
  assert.deepEqual([...store.selection], ["c"], "deleted objects leave the selection");
  store.toggleSelected("c");
  assert.equal(store.selection.size, 0);
  store.load({ objects: [box("a", 0)] });
  assert.equal(store.selection.size, 0);
});
