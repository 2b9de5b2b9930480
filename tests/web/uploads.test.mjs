import assert from "node:assert/strict";
import { test } from "node:test";

import { chunks, fileOutcomes, humanReason, mergeResults, uploadSummary } from "../../src/labelwright/web/js/uploads.js";

const result = {
  added: 2, duplicates: 2, rejected: 1,
  added_files: [{ name: "a.jpg", item_id: 7 }, { name: "b.png", item_id: 8 }],
  duplicate_files: [{ name: "c.jpg", duplicate_of: "a.jpg" }, { name: "d.jpg", duplicate_of: "concurrent" }],
  rejected_files: [{ name: "notes.txt", reason: "unsupported_format", detail: "not an image" }],
};

test("one row per file, rejected first", () => {
  assert.deepEqual(fileOutcomes(result), [
    { name: "notes.txt", outcome: "rejected", note: "Unsupported format: not an image" },
    { name: "c.jpg", outcome: "duplicate", note: "same image as a.jpg" },
    { name: "d.jpg", outcome: "duplicate", note: "already in the project" },
    { name: "a.jpg", outcome: "added", note: "", itemId: 7 },
    { name: "b.png", outcome: "added", note: "", itemId: 8 },
  ]);
  assert.deepEqual(fileOutcomes({ added: 0, duplicates: 0, rejected: 0 }), []);
});

test("summaries", () => {
  assert.equal(uploadSummary(result), "2 added, 2 duplicates, 1 rejected");
  assert.equal(uploadSummary({ added: 3, duplicates: 1, rejected: 0 }), "3 added, 1 duplicate");
  assert.equal(humanReason("too-large"), "Too large");
  assert.equal(humanReason(""), "Rejected");
});

test("chunks and mergeResults", () => {
  assert.deepEqual(chunks([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  assert.deepEqual(chunks([], 3), []);
  const merged = mergeResults([result, { added: 1, duplicates: 0, rejected: 0, added_files: [{ name: "e.jpg" }] }]);
  assert.equal(merged.added, 3);
  assert.equal(merged.added_files.length, 3);
  assert.equal(merged.rejected_files.length, 1);
});
