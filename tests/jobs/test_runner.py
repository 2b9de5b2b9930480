"""The runner: handlers run to done, fail with a reason, stop when cancelled; a thread polls."""

from __future__ import annotations

import time

import pytest

from labelwright.jobs import records
from labelwright.jobs.runner import JobControl, JobFailed, JobRunner, run_one
from labelwright.store.tables import Job


def _job(ctx, job_id: int) -> Job:
    with ctx.db.session(readonly=True) as sess:
        return sess.get(Job, job_id)


def _queue(ctx, **params) -> int:
    return records.enqueue(ctx.db, "count", params, project_id=None, created_by=None)


def count_to(control: JobControl) -> dict:
    """A handler that counts to params['n'], checkpointing, and fails when asked."""
    n = control.params["n"]
    start = control.saved.get("at", 0)
    for i in range(start, n):
        if control.params.get("fail_at") == i:
            raise JobFailed(f"item {i} is unreadable")
        if control.params.get("crash_at") == i:
            raise RuntimeError("boom")
        control.progress(i + 1, n, f"step {i}", checkpoint={"at": i + 1}, force=True)
    return {"counted": n, "resumed_from": start}


def test_a_job_runs_to_done_with_progress(any_ctx):
    job_id = _queue(any_ctx, n=4)
    assert run_one(any_ctx.db, {"count": count_to}, "w1")
    row = _job(any_ctx, job_id)
    assert row.state == "done" and row.result == {"counted": 4, "resumed_from": 0}
    assert (row.done, row.total, row.note) == (4, 4, "step 3")
    assert not run_one(any_ctx.db, {"count": count_to}, "w1")


@pytest.mark.parametrize(
    ("params", "error"),
    [({"fail_at": 2}, "item 2 is unreadable"), ({"crash_at": 1}, "RuntimeError: boom")],
)
def test_failures_keep_their_reason(ctx, params, error):
    job_id = _queue(ctx, n=4, **params)
    run_one(ctx.db, {"count": count_to}, "w1")
    row = _job(ctx, job_id)
    assert row.state == "failed" and row.error == error


def test_a_cancelled_job_stops_at_its_next_report(ctx):
    job_id = _queue(ctx, n=1000)

    def cancel_early(control: JobControl) -> dict:
        records.request_cancel(ctx.db, control.job.id)
        return count_to(control)

    run_one(ctx.db, {"count": cancel_early}, "w1")
    row = _job(ctx, job_id)
    assert row.state == "cancelled" and row.done <= 1  # stopped at its first report


def test_a_resumed_job_continues_from_its_checkpoint(ctx):
    job_id = _queue(ctx, n=5)
    job = records.claim(ctx.db, {"count"}, "w1")
    records.beat(ctx.db, job.id, "w1", done=3, result={"at": 3})
    with ctx.db.session() as sess:  # the worker died: its heartbeat is long gone
        sess.get(Job, job_id).heartbeat_at = records.utcnow() - 2 * records.STALE_AFTER
    assert run_one(ctx.db, {"count": count_to}, "w2")
    assert _job(ctx, job_id).result == {"counted": 5, "resumed_from": 3}


def test_the_runner_thread_picks_up_queued_jobs(ctx):
    runner = JobRunner(ctx.db, {"count": count_to}, poll=0.05)
    runner.start()
    try:
        job_id = _queue(ctx, n=3)
        runner.wake()
        deadline = time.monotonic() + 10
        while _job(ctx, job_id).state != "done":
            assert time.monotonic() < deadline
            time.sleep(0.02)
    finally:
        runner.stop()
