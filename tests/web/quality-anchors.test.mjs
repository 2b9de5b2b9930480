import assert from "node:assert/strict";
import { test } from "node:test";

import {
  anchorBounds, anchorFromDrag, anchorOnFrame, commentAt, describeAnchor, sortComments,
} from "../../src/labelwright/web/js/editor/anchors.js";

const boxes = { car: { minX: 10, minY: 10, maxX: 110, maxY: 60 }, tiny: { minX: 40, minY: 20, maxX: 50, maxY: 30 } };
const boundsOf = (/** @type {string} */ id) => boxes[id] ?? null;
const comment = (id, anchor, status = "open") => ({ id, item_id: 1, author_id: 1, body: "", anchor, status, resolved_by: null, resolved_at: null, created_at: "" });

test("a click makes a point, a drag a region with positive size", () => {
  assert.deepEqual(anchorFromDrag({ x: 10, y: 10 }, { x: 11, y: 10.5 }, 2, 0), { kind: "point", x: 11, y: 10.5, frame: 0 });
  assert.deepEqual(anchorFromDrag({ x: 50, y: 40 }, { x: 10.123, y: 20 }, 1, 2), { kind: "region", x: 10.12, y: 20, w: 39.88, h: 20, frame: 2 });
  assert.equal(anchorFromDrag({ x: 0, y: 0 }, { x: 3, y: 3 }, 1, 0).kind, "point", "under 4 screen pixels is a click");
  assert.equal(anchorFromDrag({ x: 0, y: 0 }, { x: 3, y: 3 }, 2, 0).kind, "region", "zoomed in, 3 image pixels are a drag");
  assert.equal(anchorFromDrag({ x: 0, y: 5 }, { x: 30, y: 5 }, 1, 0).kind, "point", "a flat line has no area: a point");
});

test("bounds of each anchor kind; a deleted object and the whole item have none", () => {
  assert.deepEqual(anchorBounds({ kind: "point", x: 3, y: 4, frame: 0 }, boundsOf), { minX: 3, minY: 4, maxX: 3, maxY: 4 });
  assert.deepEqual(anchorBounds({ kind: "region", x: 1, y: 2, w: 3, h: 4, frame: 0 }, boundsOf), { minX: 1, minY: 2, maxX: 4, maxY: 6 });
  assert.deepEqual(anchorBounds({ kind: "object", object_id: "car" }, boundsOf), boxes.car);
  assert.equal(anchorBounds({ kind: "object", object_id: "gone" }, boundsOf), null);
  assert.equal(anchorBounds({ kind: "item" }, boundsOf), null);
});

test("anchors show on their own frame; objects on the object's frame", () => {
  const frameOf = (id) => (id === "car" ? 2 : undefined);
  assert.equal(anchorOnFrame({ kind: "point", x: 0, y: 0, frame: 1 }, 1, frameOf), true);
  assert.equal(anchorOnFrame({ kind: "region", x: 0, y: 0, w: 1, h: 1, frame: 0 }, 1, frameOf), false);
  assert.equal(anchorOnFrame({ kind: "object", object_id: "car" }, 2, frameOf), true);
  assert.equal(anchorOnFrame({ kind: "object", object_id: "gone" }, 0, frameOf), false);
  assert.equal(anchorOnFrame({ kind: "item" }, 0, frameOf), false);
});

test("hit test: the nearest pin first, then the smallest box holding the point", () => {
  const list = [
    comment(1, { kind: "object", object_id: "car" }),
    comment(2, { kind: "object", object_id: "tiny" }),
    comment(3, { kind: "point", x: 45, y: 25, frame: 0 }),
    comment(4, { kind: "point", x: 47, y: 25, frame: 0 }),
    comment(5, { kind: "region", x: 200, y: 200, w: 20, h: 20, frame: 0 }),
    comment(6, { kind: "item" }),
  ];
  assert.equal(commentAt(list, 46.5, 25, 3, boundsOf), 4, "the nearer pin");
  assert.equal(commentAt(list, 42, 28, 1, boundsOf), 2, "inside both objects: the smaller");
  assert.equal(commentAt(list, 100, 50, 1, boundsOf), 1);
  assert.equal(commentAt(list, 210, 210, 1, boundsOf), 5);
  assert.equal(commentAt(list, 221, 221, 2, boundsOf), 5, "within the tolerance of the edge");
  assert.equal(commentAt(list, 150, 150, 2, boundsOf), null);
});

test("open comments come first, each group oldest first", () => {
  const list = [comment(5, { kind: "item" }, "resolved"), comment(3, { kind: "item" }), comment(1, { kind: "item" }, "resolved"), comment(4, { kind: "item" })];
  assert.deepEqual(sortComments(list).map((c) => c.id), [3, 4, 1, 5]);
  assert.deepEqual(list.map((c) => c.id), [5, 3, 1, 4], "the input is left as it was");
});

test("anchors in words", () => {
  const name = (id) => (id === "car" ? "Car" : null);
  assert.equal(describeAnchor({ kind: "point", x: 12.4, y: 40.6, frame: 0 }, name), "Point at 12, 41");
  assert.equal(describeAnchor({ kind: "region", x: 1, y: 2, w: 30, h: 20, frame: 1 }, name), "Region 30×20 at 1, 2, frame 2");
  assert.equal(describeAnchor({ kind: "object", object_id: "car" }, name), "Object: Car");
  assert.equal(describeAnchor({ kind: "object", object_id: "x" }, name), "An object that was deleted");
  assert.equal(describeAnchor({ kind: "item" }, name), "The whole item");
});
