"""Progress figures of a project, for the project page's charts."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx
from labelwright.services import stats
from labelwright.services.context import Context
from labelwright.store.tables import User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["stats"])


class ClassCountOut(BaseModel):
    """Objects of one class in the current annotations, and how many items hold them."""

    class_id: str
    name: str
    color: str = Field(description="#rrggbb, empty for a class no longer in the schema")
    objects: int
    items: int
    in_schema: bool


class AnnotatorCountOut(BaseModel):
    """One person's saved annotations, submitted ones, and the objects in them."""

    user_id: int
    username: str
    display_name: str
    items: int
    submitted: int
    objects: int


class StatsOut(BaseModel):
    """Items per state, objects per class and work per annotator.

    `scope` says whose annotations the figures count: `everyone` (managers, reviewers,
    admins), `own` (annotators see only their own work) or `classes` (clients: class
    totals, no per-person figures).
    """

    scope: stats.StatsScope
    items: int
    states: dict[str, int]
    classes: list[ClassCountOut]
    annotators: list[AnnotatorCountOut]


@router.get("/stats", response_model=StatsOut)
def get_stats(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> StatsOut:
    """The project's progress: per workflow state, per class and per annotator."""
    with ctx.db.session(readonly=True) as sess:
        figures = stats.project_stats(sess, user, project_id)
    return StatsOut(
        scope=figures.scope,
        items=figures.items,
        states=figures.states,
        classes=[ClassCountOut(**asdict(c)) for c in figures.classes],
        annotators=[AnnotatorCountOut(**asdict(a)) for a in figures.annotators],
    )
