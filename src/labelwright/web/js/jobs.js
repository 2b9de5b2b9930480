// Background jobs as people see them: progress, when to ask again, and what a finished
// import reported. Pure: no DOM access.

import { humanReason } from "./uploads.js";

/** @typedef {import("./api.js").Job & {note?: string, cancel_requested?: boolean}} Job */

/** States after which a job changes no more. */
export const FINISHED_STATES = Object.freeze(["done", "failed", "cancelled"]);

/**
 * @param {{state: string}} job
 * @returns {boolean}
 */
export function isFinished(job) {
  return FINISHED_STATES.includes(job.state);
}

/**
 * How far a job is: a fraction when its total is known, and a line of text.
 * @param {Job} job
 * @returns {{fraction: number | null, text: string}}
 */
export function jobProgress(job) {
  const done = Math.max(0, Number(job.done) || 0);
  const total = typeof job.total === "number" && job.total > 0 ? job.total : null;
  const fraction = total ? Math.min(1, done / total) : job.state === "done" ? 1 : null;
  const note = job.note ? ` · ${job.note}` : "";
  if (job.state === "queued") return { fraction: null, text: "Waiting to start…" };
  if (job.state === "running") {
    const count = total ? `${done.toLocaleString("en")} of ${total.toLocaleString("en")}` : `${done.toLocaleString("en")} done`;
    return { fraction, text: `${job.cancel_requested ? "Stopping" : "Working"}: ${count}${note}` };
  }
  if (job.state === "done") return { fraction: 1, text: "Finished" };
  if (job.state === "cancelled") return { fraction, text: "Cancelled" };
  return { fraction, text: job.error ? `Failed: ${job.error}` : "Failed" };
}

/**
 * Milliseconds before asking about a job again: quick at first, then every few seconds.
 * @param {number} attempt  0 for the first poll
 * @returns {number}
 */
export function pollDelay(attempt) {
  return Math.min(5000, Math.round(500 * 1.5 ** Math.max(0, attempt)));
}

/**
 * What an import request answered: a job to watch (the server queued the work), or the
 * finished report itself (it ran before answering) with the id of its job.
 * @param {any} body
 * @returns {{jobId: number | null, job: Job | null, report: Record<string, any> | null}}
 */
export function importAnswer(body) {
  if (body && typeof body === "object" && typeof body.state === "string" && typeof body.kind === "string") {
    return { jobId: body.id, job: body, report: isFinished(body) ? body.result ?? {} : null };
  }
  const report = body && typeof body === "object" ? body : {};
  return { jobId: typeof report.job_id === "number" ? report.job_id : null, job: null, report };
}

/**
 * @typedef {object} ReportSummary
 * @property {Array<{label: string, count: number, tone: "ok" | "warn" | "bad" | ""}>} counts
 * @property {Array<{file: string, reason: string, detail: string}>} problems  each with its reason in words
 * @property {number} problemCount  all problems, including any the server did not list
 */

/**
 * The figures and problems of a finished import: a dataset import (annotations or
 * predictions) or an intake of image files (added, duplicates, rejected).
 * @param {Record<string, any>} report
 * @returns {ReportSummary}
 */
export function summariseReport(report) {
  const r = report ?? {};
  if ("annotations_written" in r || "items_matched" in r) return datasetSummary(r);
  const rejected = (r.rejected_files ?? []).map((/** @type {any} */ f) => ({
    file: String(f.name ?? ""), reason: humanReason(String(f.reason ?? "")), detail: String(f.detail ?? ""),
  }));
  return {
    counts: [
      { label: "added", count: num(r.added), tone: "ok" },
      { label: "duplicates", count: num(r.duplicates), tone: num(r.duplicates) ? "warn" : "" },
      { label: "rejected", count: num(r.rejected), tone: num(r.rejected) ? "bad" : "" },
    ],
    problems: rejected,
    problemCount: Math.max(num(r.rejected), rejected.length),
  };
}

/**
 * @param {Record<string, any>} r
 * @returns {ReportSummary}
 */
function datasetSummary(r) {
  const skipped = Object.values(r.objects_skipped ?? {}).reduce((n, v) => n + num(v), 0);
  const counts = [
    { label: "items matched", count: num(r.items_matched), tone: /** @type {const} */ ("") },
    { label: "images added", count: num(r.images_added), tone: /** @type {const} */ ("ok") },
    { label: "annotations written", count: num(r.annotations_written), tone: /** @type {const} */ ("ok") },
    { label: "predictions written", count: num(r.predictions_written), tone: /** @type {const} */ ("ok") },
    { label: "unchanged", count: num(r.annotations_unchanged), tone: /** @type {const} */ ("") },
    { label: "items skipped", count: num(r.items_skipped), tone: /** @type {const} */ ("bad") },
    { label: "objects skipped", count: skipped, tone: /** @type {const} */ ("warn") },
  ].filter((c) => c.count > 0 || c.label === "items matched");
  const problems = (r.problems ?? []).map((/** @type {any} */ p) => ({
    file: String(p.file ?? ""), reason: humanReason(String(p.reason ?? "")), detail: String(p.detail ?? ""),
  }));
  return { counts, problems, problemCount: Math.max(num(r.problem_count), problems.length) };
}

/**
 * @param {unknown} v
 * @returns {number}
 */
function num(v) {
  return typeof v === "number" && Number.isFinite(v) && v > 0 ? v : 0;
}
