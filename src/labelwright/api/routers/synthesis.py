"""Synthetic images: render a recipe's 3D scenes into a project, as a background job."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx, wake_runner
from labelwright.api.schemas import JobOut
from labelwright.services import synthesis_jobs
from labelwright.services.context import Context
from labelwright.services.synthesis import MAX_COUNT
from labelwright.store.tables import Job, User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["synthesis"])


class SynthesisIn(BaseModel):
    """A scene recipe (see docs/synthetic.md) and which of its images to render."""

    recipe: dict[str, Any] = Field(
        description="the recipe as JSON; mesh, texture and background files it names must "
        "lie in <data dir>/recipes"
    )
    count: int = Field(ge=1, le=MAX_COUNT)
    start: int = Field(0, ge=0, description="index of the first image (image i is seeded by i)")


@router.post("/synthesis", response_model=JobOut, status_code=202)
def start_synthesis(
    project_id: int,
    body: SynthesisIn,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> JobOut:
    """Queue the rendering (managers); the images arrive as accepted items with exact labels."""
    job_id = synthesis_jobs.queue_synthesis(
        ctx, user, project_id, body.recipe, count=body.count, start=body.start
    )
    wake_runner(request)
    with ctx.db.session(readonly=True) as sess:
        return JobOut.of(sess.get(Job, job_id))
