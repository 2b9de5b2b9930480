"""Background jobs of a project: queue, look up, list, cancel; and the handlers by kind.

A job is queued as a row and run by a `JobRunner` in some server process (or inline by
the CLI, which shows its own progress bar); the handler for each kind lives in the
service module that owns that use case and is imported only when a job of it runs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwright.jobs import records
from labelwright.jobs.runner import Handler, JobControl, JobRunner, run_claimed, worker_name
from labelwright.services import projects
from labelwright.services.activity import job_finished
from labelwright.services.context import Context
from labelwright.services.errors import Conflict, NotFound
from labelwright.store.tables import Job, User, utcnow

# kind -> "module:function(ctx, control) -> result dict"
KINDS: dict[str, str] = {
    "export": "labelwright.services.export_jobs:run_export_job",
    "import-dataset": "labelwright.services.dataset_import:run_import_job",
    "delivery": "labelwright.services.deliveries:run_delivery_job",
    "prelabel": "labelwright.services.prelabel:run_prelabel_job",
    "embed": "labelwright.services.embeddings:run_embed_job",
    "synth": "labelwright.services.synthesis_jobs:run_synth_job",
}


def handler_for(ctx: Context, kind: str) -> Handler:
    """The handler of a job kind, bound to this context (its module imported now)."""
    module_name, _, function = KINDS[kind].partition(":")
    run = getattr(importlib.import_module(module_name), function)
    return lambda control: run(ctx, control)


def handlers(ctx: Context) -> dict[str, Handler]:
    """Every kind's handler, each importing its module only when a job of it runs."""

    def lazy(kind: str) -> Handler:
        return lambda control: handler_for(ctx, kind)(control)

    return {kind: lazy(kind) for kind in KINDS}


def start_runner(ctx: Context) -> JobRunner:
    """Start a background runner for this process (the API server calls this on start)."""
    runner = JobRunner(ctx.db, handlers(ctx), on_finish=lambda job_id: job_finished(ctx.db, job_id))
    runner.start()
    return runner


def queue_job(
    ctx: Context,
    user: User,
    project_id: int,
    kind: str,
    params: dict[str, Any],
    roles: frozenset = projects.MANAGE,
) -> int:
    """Check access, record a queued job and return its id."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, roles)
    return records.enqueue(ctx.db, kind, params, project_id=project_id, created_by=user.id)


def run_inline(ctx: Context, job_id: int, progress: Callable[[Job], None] | None = None) -> Job:
    """Run a queued job in this process now (the CLI), reporting each progress beat."""
    worker = f"{worker_name()}:inline"
    with ctx.db.session() as sess:
        job = sess.get(Job, job_id)
        if job is None or job.state != records.QUEUED:
            raise Conflict(f"job {job_id} is not queued")
        job.state, job.worker, job.attempts = records.RUNNING, worker, job.attempts + 1
        job.heartbeat_at = job.started_at = utcnow()
        claimed = records.Claimed(
            job.id, job.kind, job.project_id, job.created_by, dict(job.params), {}, job.attempts
        )
    handler = handler_for(ctx, claimed.kind)
    if progress is not None:
        inner = handler

        def handler(control: JobControl) -> dict[str, Any]:
            original = control.progress

            def reporting(*args: Any, **kwargs: Any) -> None:
                original(*args, **kwargs)
                progress(_job_now(ctx, job_id))

            control.progress = reporting  # type: ignore[method-assign]
            return inner(control)

    run_claimed(ctx.db, claimed, handler, worker)
    job_finished(ctx.db, job_id)
    return _job_now(ctx, job_id)


def _job_now(ctx: Context, job_id: int) -> Job:
    with ctx.db.session(readonly=True) as sess:
        return sess.get(Job, job_id)


def get_job(sess: Session, user: User, project_id: int, job_id: int) -> Job:
    """A job of the project (any member may watch its progress)."""
    projects.require(sess, user, project_id, projects.READ)
    job = sess.get(Job, job_id)
    if job is None or job.project_id != project_id:
        raise NotFound(f"job {job_id} does not exist in project {project_id}")
    return job


def list_jobs(
    sess: Session, user: User, project_id: int, *, kind: str | None = None, limit: int = 50
) -> list[Job]:
    """The project's newest jobs first, optionally of one kind."""
    projects.require(sess, user, project_id, projects.READ)
    query = select(Job).where(Job.project_id == project_id)
    if kind:
        query = query.where(Job.kind == kind)
    return list(sess.scalars(query.order_by(Job.id.desc()).limit(max(1, min(limit, 500)))))


def cancel_job(ctx: Context, user: User, project_id: int, job_id: int) -> Job:
    """Ask a job to stop (managers, or whoever queued it); finished jobs are left as they are."""
    with ctx.db.session(readonly=True) as sess:
        job = get_job(sess, user, project_id, job_id)
        if job.created_by != user.id:
            projects.require(sess, user, project_id, projects.MANAGE)
        if job.state in records.FINISHED:
            raise Conflict(f"job {job_id} already ended ({job.state})")
    records.request_cancel(ctx.db, job_id)
    return _job_now(ctx, job_id)
