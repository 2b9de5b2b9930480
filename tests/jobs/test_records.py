"""Job rows: one claimer wins, stale work is claimed again, cancel and finish are honoured."""

from __future__ import annotations

from datetime import timedelta

from labelwright.jobs import records
from labelwright.store.tables import Job, utcnow


def _job(ctx, job_id: int) -> Job:
    with ctx.db.session(readonly=True) as sess:
        return sess.get(Job, job_id)


def test_a_job_is_claimed_once(any_ctx):
    job_id = records.enqueue(
        any_ctx.db, "export", {"format": "coco"}, project_id=None, created_by=None
    )
    first = records.claim(any_ctx.db, {"export"}, "w1")
    assert first is not None and first.id == job_id and first.params == {"format": "coco"}
    assert records.claim(any_ctx.db, {"export"}, "w2") is None
    row = _job(any_ctx, job_id)
    assert (row.state, row.worker, row.attempts) == ("running", "w1", 1)


def test_only_asked_kinds_are_claimed(any_ctx):
    records.enqueue(any_ctx.db, "synth", {}, project_id=None, created_by=None)
    assert records.claim(any_ctx.db, {"export"}, "w1") is None


def test_a_stale_running_job_is_claimed_again_then_given_up(any_ctx):
    job_id = records.enqueue(any_ctx.db, "export", {}, project_id=None, created_by=None)
    now = utcnow()
    assert records.claim(any_ctx.db, {"export"}, "w1", now=now)
    fresh = now + records.STALE_AFTER / 2
    assert records.claim(any_ctx.db, {"export"}, "w2", now=fresh) is None
    later = now + records.STALE_AFTER + timedelta(seconds=1)
    again = records.claim(any_ctx.db, {"export"}, "w2", now=later)
    assert again is not None and again.attempts == 2
    # The first worker's late progress is refused: it no longer owns the job.
    assert records.beat(any_ctx.db, job_id, "w1", done=5) is False
    assert records.beat(any_ctx.db, job_id, "w2", done=5) is True
    for attempt in range(records.MAX_ATTEMPTS - 1):
        later += records.STALE_AFTER + timedelta(seconds=1)
        claimed = records.claim(any_ctx.db, {"export"}, f"w{attempt + 3}", now=later)
        assert claimed is None or claimed.attempts <= records.MAX_ATTEMPTS
    row = _job(any_ctx, job_id)
    assert row.state == "failed" and "gave up" in row.error


def test_progress_checkpoint_and_finish(any_ctx):
    job_id = records.enqueue(any_ctx.db, "export", {}, project_id=None, created_by=None)
    records.claim(any_ctx.db, {"export"}, "w1")
    assert records.beat(any_ctx.db, job_id, "w1", done=3, total=10, note="a.jpg", result={"at": 3})
    row = _job(any_ctx, job_id)
    assert (row.done, row.total, row.note, row.result) == (3, 10, "a.jpg", {"at": 3})
    records.finish(any_ctx.db, job_id, "w1", records.DONE, result={"ok": True})
    row = _job(any_ctx, job_id)
    assert (row.state, row.done, row.result) == ("done", 10, {"ok": True})
    assert row.finished_at is not None
    # Someone else's finish (a worker that lost the job) changes nothing.
    records.finish(any_ctx.db, job_id, "w9", records.FAILED, error="late")
    assert _job(any_ctx, job_id).state == "done"


def test_cancel_queued_and_running(any_ctx):
    queued = records.enqueue(any_ctx.db, "export", {}, project_id=None, created_by=None)
    assert records.request_cancel(any_ctx.db, queued) == "cancelled"
    assert records.claim(any_ctx.db, {"export"}, "w1") is None
    running = records.enqueue(any_ctx.db, "export", {}, project_id=None, created_by=None)
    records.claim(any_ctx.db, {"export"}, "w1")
    assert records.request_cancel(any_ctx.db, running) == "running"
    assert records.beat(any_ctx.db, running, "w1", done=1) is False
