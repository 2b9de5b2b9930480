"""Quality figures of a project: the team report and the ranked list of likely label errors."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query

from labelwright.api.deps import current_user, get_ctx
from labelwright.services import quality_checks, quality_report
from labelwright.services import tag_consensus as tag_consensus_service
from labelwright.services.context import Context
from labelwright.store.tables import User

router = APIRouter(prefix="/api/projects/{project_id}/quality", tags=["quality"])


@router.get("/report", response_model=dict[str, Any])
def report(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> dict[str, Any]:
    """Per annotator: items and objects per active hour, rejection rate, gold accuracy,
    agreement with peers; per day: submitted, accepted, rejected (managers and reviewers)."""
    return quality_report.project_report(ctx, user, project_id).as_dict()


@router.get("/findings", response_model=list[dict[str, Any]])
def findings(
    project_id: int,
    model: str | None = Query(None, max_length=200, description="compare with this model only"),
    limit: int = Query(500, ge=1, le=10_000),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> list[dict[str, Any]]:
    """Likely label errors, most serious first: rule checks and disagreements with models."""
    found = quality_checks.find_problems(ctx, user, project_id, model=model, limit=limit)
    return [quality_checks.as_dict(f) for f in found]


@router.get("/tag-consensus", response_model=list[dict[str, Any]])
def tag_consensus(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> list[dict[str, Any]]:
    """Per single-choice tag group: the Dawid–Skene estimate for each overlap item (with the
    plain majority beside it) and each annotator's accuracy and confusion matrix."""
    return [g.as_dict() for g in tag_consensus_service.tag_consensus(ctx, user, project_id)]


@router.post("/tag-consensus", response_model=dict[str, int])
def apply_tag_consensus(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> dict[str, int]:
    """Write the estimated tags into the items' consensus (managers); returns how many changed."""
    changed = tag_consensus_service.apply_tag_consensus(ctx, user, project_id)
    return {"items_changed": changed}
