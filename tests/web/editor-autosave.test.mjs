import assert from "node:assert/strict";
import { test } from "node:test";

import {
  hasUnsaved, initialSaveState, nextSaveState, retryDelay, statusText, wantsSave,
} from "../../src/labelwright/web/js/editor/autosave.js";
import { describeDiff, diffDocuments } from "../../src/labelwright/web/js/editor/diff.js";

/** Run events from a state. */
const run = (s, ...events) => events.reduce(nextSaveState, s);

test("an edit makes the item dirty; a save makes it saved at the new revision", () => {
  let s = initialSaveState(3, 10);
  assert.equal(wantsSave(s), false);
  s = run(s, { type: "edit", version: 11 });
  assert.equal(s.status, "dirty");
  assert.ok(wantsSave(s) && hasUnsaved(s));
  s = run(s, { type: "start" }, { type: "saved", revision: 4 });
  assert.equal(s.status, "saved");
  assert.equal(s.baseRevision, 4);
  assert.equal(hasUnsaved(s), false);
});

test("an edit during a save leaves the item dirty afterwards", () => {
  const s = run(initialSaveState(0, 1), { type: "edit", version: 2 }, { type: "start" }, { type: "edit", version: 3 });
  assert.equal(s.status, "saving");
  assert.equal(wantsSave(s), false, "one save at a time");
  const after = run(s, { type: "saved", revision: 1 });
  assert.equal(after.status, "dirty");
  assert.equal(after.baseRevision, 1);
  assert.ok(wantsSave(after));
});

test("a network failure keeps the edits and asks for a retry with growing delays", () => {
  const s = run(initialSaveState(2, 1), { type: "edit", version: 2 }, { type: "start" }, { type: "network" }, { type: "start" }, { type: "network" });
  assert.equal(s.status, "offline");
  assert.equal(s.attempt, 2);
  assert.ok(wantsSave(s) && hasUnsaved(s));
  assert.equal(s.baseRevision, 2);
  assert.equal(retryDelay(1, 0), 1000);
  assert.equal(retryDelay(2, 0), 2000);
  assert.equal(retryDelay(20, 0), 30000);
  assert.equal(retryDelay(1, 0.99), 1198);
  assert.equal(run(s, { type: "start" }, { type: "saved", revision: 3 }).attempt, 0);
});

test("a conflict waits for a choice; keeping mine saves over their revision", () => {
  const body = { objects: [], tags: {}, relations: [] };
  let s = run(initialSaveState(1, 5), { type: "edit", version: 6 }, { type: "start" }, { type: "conflict", revision: 2, body });
  assert.equal(s.status, "conflict");
  assert.equal(wantsSave(s), false);
  s = run(s, { type: "edit", version: 7 });
  assert.equal(s.status, "conflict", "editing does not dismiss the question");
  s = run(s, { type: "keepMine" });
  assert.equal(s.baseRevision, 2);
  assert.ok(wantsSave(s));
  s = run(s, { type: "start" }, { type: "saved", revision: 3 });
  assert.equal(s.status, "saved");
});

test("keeping theirs starts afresh from their revision", () => {
  const body = { objects: [], tags: {}, relations: [] };
  const s = run(initialSaveState(1, 5), { type: "edit", version: 6 }, { type: "start" }, { type: "conflict", revision: 2, body }, { type: "keepTheirs", revision: 2, version: 9 });
  assert.equal(s.status, "saved");
  assert.equal(s.baseRevision, 2);
  assert.equal(hasUnsaved(s), false);
});

test("a refused save says why and waits for the next edit", () => {
  let s = run(initialSaveState(1, 1), { type: "edit", version: 2 }, { type: "start" }, { type: "invalid", message: "object \"a\": bad" });
  assert.equal(wantsSave(s), false);
  assert.match(statusText(s), /Not saved: object "a": bad/);
  assert.ok(hasUnsaved(s));
  s = run(s, { type: "edit", version: 3 });
  assert.ok(wantsSave(s));
});

const obj = (id, x) => ({ id, class_id: "c", shape: { kind: "bbox", x, y: 0, w: 1, h: 1 }, attributes: {}, frame: 0, source: "manual" });

test("the difference summary counts objects by id", () => {
  const mine = { objects: [obj("a", 0), obj("b", 1), obj("c", 2)], tags: { t: ["x"] }, relations: [] };
  const theirs = { objects: [obj("a", 0), obj("b", 5), obj("d", 1)], tags: {}, relations: [] };
  const d = diffDocuments(mine, theirs);
  assert.deepEqual(d, { onlyMine: 1, onlyTheirs: 1, changed: 1, same: 1, tags: true, relations: false });
  assert.deepEqual(describeDiff(d), ["1 object only in your version", "1 object only in the saved version", "1 object changed in both", "image tags differ"]);
  const reordered = { ...obj("a", 0), shape: { h: 1, w: 1, y: 0, x: 0, kind: "bbox" } };
  assert.equal(diffDocuments({ objects: [reordered], tags: {}, relations: [] }, { objects: [obj("a", 0)], tags: {}, relations: [] }).same, 1);
});
