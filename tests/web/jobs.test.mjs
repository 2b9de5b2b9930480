import assert from "node:assert/strict";
import { test } from "node:test";

import { projectAbilities } from "../../src/labelwright/web/js/abilities.js";
import { importAnswer, isFinished, jobProgress, pollDelay, summariseReport } from "../../src/labelwright/web/js/jobs.js";
import { tabFromQuery, withTab } from "../../src/labelwright/web/js/project-tabs.js";

const job = (over) => ({ id: 5, kind: "import-dataset", state: "running", done: 0, total: null, result: {}, error: "",
  created_at: "", finished_at: null, ...over });

test("progress: a fraction when the total is known, words for every state", () => {
  assert.deepEqual(jobProgress(job({ state: "queued" })), { fraction: null, text: "Waiting to start…" });
  assert.deepEqual(jobProgress(job({ done: 25, total: 100, note: "images" })), { fraction: 0.25, text: "Working: 25 of 100 · images" });
  assert.deepEqual(jobProgress(job({ done: 7 })), { fraction: null, text: "Working: 7 done" });
  assert.equal(jobProgress(job({ done: 7, cancel_requested: true })).text, "Stopping: 7 done");
  assert.deepEqual(jobProgress(job({ state: "done", done: 3, total: null })), { fraction: 1, text: "Finished" });
  assert.equal(jobProgress(job({ state: "failed", error: "bad zip" })).text, "Failed: bad zip");
  assert.equal(jobProgress(job({ state: "cancelled", done: 1, total: 4 })).fraction, 0.25);
  assert.equal(jobProgress(job({ done: 200, total: 100 })).fraction, 1);
  assert.ok(isFinished(job({ state: "cancelled" })) && !isFinished(job({ state: "running" })));
});

test("polling starts quick and settles at five seconds", () => {
  assert.deepEqual([0, 1, 2, 3, 10, 100].map(pollDelay), [500, 750, 1125, 1688, 5000, 5000]);
});

test("an import answer is either a job to watch or the finished report", () => {
  const queued = importAnswer(job({ state: "queued" }));
  assert.equal(queued.jobId, 5);
  assert.equal(queued.report, null);
  const finished = importAnswer(job({ state: "done", result: { added: 1 } }));
  assert.deepEqual(finished.report, { added: 1 });
  const direct = importAnswer({ job_id: 9, items_matched: 3, problems: [] });
  assert.equal(direct.jobId, 9);
  assert.equal(direct.report.items_matched, 3);
  assert.deepEqual(importAnswer(null), { jobId: null, job: null, report: {} });
});

test("an intake report: added, duplicates and each rejected file with its reason", () => {
  const s = summariseReport({ added: 3, duplicates: 1, rejected: 2,
    rejected_files: [{ name: "a.txt", reason: "unsupported_format", detail: "not an image" }, { name: "b.jpg", reason: "too_large", detail: "" }] });
  assert.deepEqual(s.counts.map((c) => [c.label, c.count, c.tone]), [["added", 3, "ok"], ["duplicates", 1, "warn"], ["rejected", 2, "bad"]]);
  assert.deepEqual(s.problems[0], { file: "a.txt", reason: "Unsupported format", detail: "not an image" });
  assert.equal(s.problemCount, 2);
});

test("a dataset import report: figures that happened, problems counted beyond those listed", () => {
  const s = summariseReport({ items_matched: 10, images_added: 2, annotations_written: 8, annotations_unchanged: 0,
    predictions_written: 0, items_skipped: 1, objects_skipped: { unknown_class: 4, bad: "x" }, problem_count: 1500,
    problems: [{ file: "x.png", reason: "size_mismatch", detail: "640x480 in the dataset" }] });
  assert.deepEqual(s.counts.map((c) => [c.label, c.count]), [
    ["items matched", 10], ["images added", 2], ["annotations written", 8], ["items skipped", 1], ["objects skipped", 4],
  ]);
  assert.equal(s.problems[0].reason, "Size mismatch");
  assert.equal(s.problemCount, 1500);
  assert.deepEqual(summariseReport({ items_matched: 0 }).counts.map((c) => c.label), ["items matched"]);
});

test("tabs come from the query, unknown ones fall back to the items", () => {
  assert.equal(tabFromQuery({}), "items");
  assert.equal(tabFromQuery({ tab: "schema" }), "schema");
  assert.equal(tabFromQuery({ tab: "../../admin" }), "items");
  assert.deepEqual(withTab({ state: "new", tab: "members" }, "guidelines"), { state: "new", tab: "guidelines" });
  assert.deepEqual(withTab({ state: "new", tab: "members" }, "items"), { state: "new" });
});

test("what each role may do on the project pages", () => {
  const as = (role, admin = false) => projectAbilities({ is_admin: admin }, { role });
  assert.deepEqual(as("manager"), { manage: true, upload: true, export: true, seeAllWork: true });
  assert.deepEqual(as("reviewer"), { manage: false, upload: false, export: false, seeAllWork: true });
  assert.deepEqual(as("annotator"), { manage: false, upload: false, export: false, seeAllWork: false });
  assert.deepEqual(as("client"), { manage: false, upload: true, export: false, seeAllWork: false });
  assert.deepEqual(as(null, true), { manage: true, upload: true, export: true, seeAllWork: true });
  assert.equal(projectAbilities(null, { role: null }).manage, false);
});
