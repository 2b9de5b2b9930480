"""Durable job rows: queue, claim by one worker, heartbeat, progress, cancel, finish.

Any number of server processes may run workers over one database: a job is claimed
with a conditional update (only one claimer wins), and a running job whose heartbeat
went stale (its process died) is claimed again, so crashed work resumes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update

from labelwright.store.db import Database
from labelwright.store.tables import Job, utcnow

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"
FINISHED = frozenset({DONE, FAILED, CANCELLED})
STALE_AFTER = timedelta(seconds=60)
"""A running job with no heartbeat for this long has lost its worker."""
MAX_ATTEMPTS = 3
"""A job that keeps killing its worker is failed after this many claims."""


@dataclass(frozen=True)
class Claimed:
    """What a worker needs to run a job it claimed."""

    id: int
    kind: str
    project_id: int | None
    created_by: int | None
    params: dict[str, Any]
    result: dict[str, Any]
    attempts: int


def enqueue(
    db: Database,
    kind: str,
    params: dict[str, Any],
    *,
    project_id: int | None,
    created_by: int | None,
    total: int | None = None,
) -> int:
    """Record a queued job; returns its id."""
    with db.session() as sess:
        job = Job(
            kind=kind,
            state=QUEUED,
            params=params,
            project_id=project_id,
            created_by=created_by,
            total=total,
        )
        sess.add(job)
        sess.flush()
        return job.id


def claim(
    db: Database, kinds: set[str], worker: str, *, now: datetime | None = None
) -> Claimed | None:
    """Claim the oldest queued (or abandoned running) job of these kinds, or None."""
    now = now or utcnow()
    stale = now - STALE_AFTER
    claimable = or_(
        Job.state == QUEUED,
        (Job.state == RUNNING) & (or_(Job.heartbeat_at.is_(None), Job.heartbeat_at < stale)),
    )
    with db.session() as sess:
        candidates = sess.scalars(
            select(Job.id).where(Job.kind.in_(kinds), claimable).order_by(Job.id).limit(5)
        ).all()
        for job_id in candidates:
            # The condition is checked again in the update: of two claimers only one matches.
            won = sess.execute(
                update(Job)
                .where(Job.id == job_id, claimable)
                .values(
                    state=RUNNING,
                    worker=worker,
                    heartbeat_at=now,
                    started_at=now,
                    attempts=Job.attempts + 1,
                )
            ).rowcount
            if won:
                job = sess.get(Job, job_id)
                sess.refresh(job)
                if job.cancel_requested:
                    _finish(job, CANCELLED, "cancelled")
                    continue
                if job.attempts > MAX_ATTEMPTS:
                    _finish(job, FAILED, f"gave up after {MAX_ATTEMPTS} attempts")
                    continue
                return Claimed(
                    id=job.id,
                    kind=job.kind,
                    project_id=job.project_id,
                    created_by=job.created_by,
                    params=dict(job.params or {}),
                    result=dict(job.result or {}),
                    attempts=job.attempts,
                )
    return None


def beat(
    db: Database,
    job_id: int,
    worker: str,
    *,
    done: int | None = None,
    total: int | None = None,
    note: str | None = None,
    result: dict[str, Any] | None = None,
) -> bool:
    """Save progress and keep the claim fresh; False means stop (cancelled or taken over)."""
    values: dict[str, Any] = {"heartbeat_at": utcnow()}
    if done is not None:
        values["done"] = done
    if total is not None:
        values["total"] = total
    if note is not None:
        values["note"] = note[:300]
    if result is not None:
        values["result"] = result
    with db.session() as sess:
        owned = sess.execute(
            update(Job)
            .where(Job.id == job_id, Job.worker == worker, Job.state == RUNNING)
            .values(**values)
        ).rowcount
        if not owned:
            return False
        return not sess.scalar(select(Job.cancel_requested).where(Job.id == job_id))


def finish(
    db: Database,
    job_id: int,
    worker: str,
    state: str,
    *,
    result: dict[str, Any] | None = None,
    error: str = "",
) -> None:
    """Close a job this worker holds as done, failed or cancelled."""
    with db.session() as sess:
        job = sess.get(Job, job_id)
        if job is None or job.worker != worker or job.state != RUNNING:
            return  # taken over by another worker after a stall; theirs is the word
        if result is not None:
            job.result = result
        _finish(job, state, error)


def _finish(job: Job, state: str, error: str = "") -> None:
    job.state = state
    job.error = error
    job.finished_at = utcnow()
    if state == DONE and job.total is not None:
        job.done = job.total


def request_cancel(db: Database, job_id: int) -> str:
    """Ask a job to stop; a queued job is cancelled at once. Returns the job's state."""
    with db.session() as sess:
        job = sess.get(Job, job_id)
        if job is None:
            raise KeyError(job_id)
        if job.state == QUEUED:
            _finish(job, CANCELLED, "cancelled before it started")
        elif job.state == RUNNING:
            job.cancel_requested = True
        return job.state
