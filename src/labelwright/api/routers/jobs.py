"""Background jobs of a project: progress, listing and cancelling."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from labelwright.api.deps import current_user, get_ctx
from labelwright.api.schemas import JobOut
from labelwright.services import jobs
from labelwright.services.context import Context
from labelwright.store.tables import User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["jobs"])


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(
    project_id: int,
    kind: str | None = Query(None, max_length=32, description="only jobs of this kind"),
    limit: int = Query(50, ge=1, le=500),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> list[JobOut]:
    """The project's jobs, newest first (imports, exports, pre-labeling, synthesis)."""
    with ctx.db.session(readonly=True) as sess:
        return [
            JobOut.of(j) for j in jobs.list_jobs(sess, user, project_id, kind=kind, limit=limit)
        ]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(
    project_id: int,
    job_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> JobOut:
    """A job of this project, with its progress and result."""
    with ctx.db.session(readonly=True) as sess:
        return JobOut.of(jobs.get_job(sess, user, project_id, job_id))


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
def cancel_job(
    project_id: int,
    job_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> JobOut:
    """Ask a running job to stop (a queued one stops at once); managers or its creator."""
    return JobOut.of(jobs.cancel_job(ctx, user, project_id, job_id))
