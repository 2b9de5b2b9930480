// Watching a background job: a progress bar that follows the server until the job finishes,
// a cancel button, and the final report of imports (added, duplicates, rejected, problems).

import { h, replace } from "../dom.js";
import { ApiError, messageOf } from "../errors.js";
import { isFinished, jobProgress, pollDelay, summariseReport } from "../jobs.js";
import { plural } from "../format.js";
import * as projectApi from "../project-api.js";

/** Problems listed in the page at most (the rest are counted). */
const SHOWN_PROBLEMS = 200;

/**
 * Ask about a job until it finishes; `onUpdate` sees every answer.
 * @param {number} projectId
 * @param {number} jobId
 * @param {object} [options]
 * @param {(job: projectApi.Job) => void} [options.onUpdate]
 * @param {AbortSignal} [options.signal]  stop asking (the promise then rejects with an AbortError)
 * @returns {Promise<projectApi.Job>}
 */
export async function waitForJob(projectId, jobId, { onUpdate, signal } = {}) {
  for (let attempt = 0; ; attempt++) {
    try {
      const job = await projectApi.getJob(projectId, jobId, signal);
      onUpdate?.(job);
      if (isFinished(job)) return job;
    } catch (err) {
      // A lost connection is retried; an answer saying no (404, 403) is final.
      if (!(err instanceof ApiError) || err.status !== 0) throw err;
    }
    await sleep(pollDelay(attempt), signal);
  }
}

/**
 * @param {number} ms
 * @param {AbortSignal} [signal]
 * @returns {Promise<void>}
 */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) reject(new DOMException("stopped", "AbortError"));
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(new DOMException("stopped", "AbortError"));
    }, { once: true });
  });
}

/**
 * A live view of one job: progress, then its outcome.
 * @param {number} projectId
 * @param {projectApi.Job | number} start  the job as last seen, or its id
 * @param {object} [options]
 * @param {string} [options.title]
 * @param {boolean} [options.canCancel]
 * @param {(job: projectApi.Job) => void} [options.onFinish]
 * @param {(result: Record<string, any>) => Node} [options.describe]  how to show the result
 *   (default: the import report)
 * @returns {{el: HTMLElement, stop: () => void}}
 */
export function jobView(projectId, start, { title = "Job", canCancel = false, onFinish, describe = reportView } = {}) {
  const controller = new AbortController();
  const jobId = typeof start === "number" ? start : start.id;
  const bar = h("progress", { class: "job-bar", max: 1, "aria-label": `${title} progress` });
  const text = h("p", { class: "job-status small", role: "status" }, "Waiting for the server…");
  const cancelBtn = h("button", { type: "button", class: "btn btn-quiet small", hidden: !canCancel, onclick: cancel }, "Cancel");
  const outcome = h("div", { class: "job-outcome" });
  const el = h("div", { class: "job", dataset: { jobId: String(jobId) } },
    h("div", { class: "job-head" }, h("strong", null, title), cancelBtn), bar, text, outcome);

  /** @param {projectApi.Job} job */
  function show(job) {
    const p = jobProgress(job);
    if (p.fraction === null) bar.removeAttribute("value");
    else bar.value = p.fraction;
    text.textContent = p.text;
    cancelBtn.hidden = !canCancel || isFinished(job) || Boolean(job.cancel_requested);
    if (!isFinished(job)) return;
    bar.hidden = job.state === "done";
    el.classList.add(`job-${job.state}`);
    replace(outcome, job.state === "done" || job.result ? describe(job.result ?? {}) : null);
  }

  async function cancel() {
    cancelBtn.disabled = true;
    try {
      show(await projectApi.cancelJob(projectId, jobId));
    } catch (err) {
      text.textContent = `Could not cancel: ${messageOf(err)}`;
      cancelBtn.disabled = false;
    }
  }

  if (typeof start !== "number") show(start);
  waitForJob(projectId, jobId, { onUpdate: show, signal: controller.signal })
    .then((job) => onFinish?.(job))
    .catch((err) => {
      if (err instanceof DOMException && err.name === "AbortError") return;
      text.textContent = `Lost track of the job: ${messageOf(err)}`;
    });
  return { el, stop: () => controller.abort() };
}

/**
 * The outcome of an import: figures, then every problem with its file and reason.
 * @param {Record<string, any>} report
 * @returns {HTMLElement}
 */
export function reportView(report) {
  const summary = summariseReport(report);
  const problems = summary.problems.slice(0, SHOWN_PROBLEMS);
  const hidden = summary.problemCount - problems.length;
  return h("div", { class: "report" },
    h("ul", { class: "report-counts" }, summary.counts.map((c) =>
      h("li", { class: c.tone ? `tone-${c.tone}` : null }, h("strong", null, c.count.toLocaleString("en")), ` ${c.label}`))),
    problems.length > 0 && h("ul", { class: "outcome-list", "aria-label": "Problems" },
      problems.map((p) => h("li", { class: "outcome outcome-rejected" },
        h("span", { class: "badge outcome-badge-rejected" }, p.reason),
        h("span", { class: "outcome-name", title: p.file }, p.file || "(dataset)"),
        p.detail && h("span", { class: "outcome-note" }, p.detail)))),
    hidden > 0 && h("p", { class: "muted small" }, `and ${plural(hidden, "more problem")} not listed.`));
}
