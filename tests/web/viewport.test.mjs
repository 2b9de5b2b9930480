import assert from "node:assert/strict";
import { test } from "node:test";

import {
  clamp, fitTransform, keepInView, panBy, scaleLimits, transformCss, viewToImage, wheelZoomFactor, zoomAt,
} from "../../src/labelwright/web/js/viewport.js";

const close = (a, b, eps = 1e-9) => assert.ok(Math.abs(a - b) < eps, `${a} ≉ ${b}`);

test("fit: a wide image is limited by the width and centred vertically", () => {
  const t = fitTransform(2000, 1000, 1000, 800);
  assert.deepEqual(t, { scale: 0.5, x: 0, y: 150 });
});

test("fit: a small image is scaled up to fill, with padding", () => {
  const t = fitTransform(100, 100, 420, 220, 10);
  assert.equal(t.scale, 2);
  assert.equal(t.x, 110);
  assert.equal(t.y, 10);
});

test("fit: degenerate sizes give the identity", () => {
  assert.deepEqual(fitTransform(0, 10, 100, 100), { scale: 1, x: 0, y: 0 });
  assert.deepEqual(fitTransform(10, 10, 0, 100), { scale: 1, x: 0, y: 0 });
});

test("zoomAt keeps the image point under the cursor", () => {
  const t = { scale: 0.5, x: 20, y: 30 };
  const before = viewToImage(t, 200, 150);
  const z = zoomAt(t, 3, 200, 150);
  const after = viewToImage(z, 200, 150);
  close(z.scale, 1.5);
  close(before.x, after.x);
  close(before.y, after.y);
});

test("zoomAt clamps the scale to the limits and still keeps the point", () => {
  const t = { scale: 1, x: 0, y: 0 };
  const z = zoomAt(t, 100, 50, 50, { min: 0.1, max: 4 });
  assert.equal(z.scale, 4);
  close(viewToImage(z, 50, 50).x, 50);
  assert.equal(zoomAt(t, 0.001, 0, 0, { min: 0.1, max: 4 }).scale, 0.1);
});

test("zooming in then out by the same factor returns where it started", () => {
  const t = { scale: 0.8, x: -12, y: 40 };
  const back = zoomAt(zoomAt(t, 1.25, 300, 200), 1 / 1.25, 300, 200);
  close(back.scale, t.scale);
  close(back.x, t.x);
  close(back.y, t.y);
});

test("panBy moves without scaling", () => {
  assert.deepEqual(panBy({ scale: 2, x: 1, y: 2 }, 10, -5), { scale: 2, x: 11, y: -3 });
});

test("keepInView leaves a margin of the image on screen", () => {
  // Image 1000×500 at scale 1 in an 800×600 view, dragged far off to the left and top.
  const t = keepInView({ scale: 1, x: -5000, y: -5000 }, 1000, 500, 800, 600, 48);
  assert.equal(t.x, 48 - 1000);
  assert.equal(t.y, 48 - 500);
  const u = keepInView({ scale: 1, x: 5000, y: 5000 }, 1000, 500, 800, 600, 48);
  assert.equal(u.x, 800 - 48);
  assert.equal(u.y, 600 - 48);
  const fine = { scale: 1, x: 10, y: 10 };
  assert.deepEqual(keepInView(fine, 1000, 500, 800, 600), fine);
});

test("scaleLimits allow zooming out past the fit and far in", () => {
  assert.deepEqual(scaleLimits(0.5), { min: 0.125, max: 32 });
  assert.deepEqual(scaleLimits(8), { min: 0.25, max: 64 });
});

test("wheel factors: down zooms out, up zooms in, bounded, line mode scaled", () => {
  assert.ok(wheelZoomFactor(100) < 1);
  assert.ok(wheelZoomFactor(-100) > 1);
  close(wheelZoomFactor(100) * wheelZoomFactor(-100), 1);
  assert.equal(wheelZoomFactor(100000), 0.5);
  assert.equal(wheelZoomFactor(-100000), 2);
  close(wheelZoomFactor(3, 1), wheelZoomFactor(48, 0));
  assert.equal(wheelZoomFactor(0), 1);
});

test("transformCss rounds for stable output", () => {
  assert.equal(transformCss({ scale: 0.3333333333, x: 10.456, y: -3 }), "translate(10.46px, -3px) scale(0.333333)");
});

test("clamp", () => {
  assert.equal(clamp(5, 0, 3), 3);
  assert.equal(clamp(-1, 0, 3), 0);
  assert.equal(clamp(2, 0, 3), 2);
});
