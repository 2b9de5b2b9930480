"""The work queue: fetch the next item, keep its lease alive, skip, submit and review it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx
from labelwright.api.routers.items import item_out
from labelwright.api.schemas import ItemOut
from labelwright.services import items, queue
from labelwright.services.context import Context
from labelwright.store.tables import User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["queue"])


class LeaseOut(BaseModel):
    """A lease on one item: renew it with heartbeats before expires_at."""

    assignment_id: int
    item_id: int
    kind: Literal["annotate", "review"]
    expires_at: datetime


class NextOut(LeaseOut):
    """The item to work on next and the lease that reserves it for the caller."""

    item: ItemOut


class SkipIn(BaseModel):
    """Why the caller gives the item back (shown to managers)."""

    reason: str = Field(min_length=1, max_length=10_000, examples=["image is too blurry"])


class ReviewIn(BaseModel):
    """A reviewer's verdict on an item."""

    decision: Literal["accept", "reject"]
    comment: str = Field(default="", max_length=10_000)


class OutcomeOut(BaseModel):
    """Where a lease and its item stand after the action."""

    assignment_id: int
    item_id: int
    kind: Literal["annotate", "review"]
    status: Literal["active", "submitted", "skipped", "released"]
    item_state: str


def _lease_out(lease: queue.Lease) -> LeaseOut:
    return LeaseOut(
        assignment_id=lease.assignment_id,
        item_id=lease.item_id,
        kind=lease.kind,
        expires_at=lease.expires_at,
    )


def _outcome_out(outcome: queue.Outcome) -> OutcomeOut:
    return OutcomeOut(
        assignment_id=outcome.assignment_id,
        item_id=outcome.item_id,
        kind=outcome.kind,
        status=outcome.status,
        item_state=outcome.item_state,
    )


@router.post(
    "/queue/next",
    response_model=NextOut,
    responses={204: {"description": "Nothing is left for the caller to do"}},
)
def next_in_queue(
    project_id: int,
    kind: Literal["annotate", "review"] = Query("annotate", description="which queue"),
    ahead: bool = Query(
        False,
        description="lease the item after the current one (the editor loads it in advance); "
        "a later plain call hands it out once the current one is submitted",
    ),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> NextOut | Response:
    """Resume the caller's lease, or lease the next open item (204 when none is left)."""
    lease = queue.next_item(ctx, user, project_id, kind, ahead=ahead)
    if lease is None:
        return Response(status_code=204)
    with ctx.db.session(readonly=True) as sess:
        item = item_out(*items.item_with_image(sess, project_id, lease.item_id))
    return NextOut(**_lease_out(lease).model_dump(), item=item)


class HeartbeatIn(BaseModel):
    """What the editor saw since its last heartbeat."""

    active_seconds: float = Field(
        0.0, ge=0, le=3600, description="seconds of real editing since the last heartbeat"
    )


@router.post("/assignments/{assignment_id}/heartbeat", response_model=LeaseOut)
def heartbeat(
    project_id: int,
    assignment_id: int,
    body: HeartbeatIn | None = None,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> LeaseOut:
    """Keep the caller's lease alive (409 when it lapsed and someone else took the item)."""
    active = body.active_seconds if body else 0.0
    return _lease_out(queue.heartbeat(ctx, user, project_id, assignment_id, active))


@router.post("/assignments/{assignment_id}/skip", response_model=OutcomeOut)
def skip(
    project_id: int,
    assignment_id: int,
    body: SkipIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> OutcomeOut:
    """Give the item back with a reason; the caller will not be offered it again."""
    return _outcome_out(queue.skip(ctx, user, project_id, assignment_id, body.reason))


@router.post("/assignments/{assignment_id}/release", response_model=OutcomeOut)
def release(
    project_id: int,
    assignment_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> OutcomeOut:
    """Hand the lease back unfinished; the item stays open to everyone."""
    return _outcome_out(queue.release(ctx, user, project_id, assignment_id))


@router.post("/assignments/{assignment_id}/submit", response_model=OutcomeOut)
def submit(
    project_id: int,
    assignment_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> OutcomeOut:
    """Hand in the caller's annotation of the item (an unsaved one counts as empty)."""
    return _outcome_out(queue.submit(ctx, user, project_id, assignment_id))


@router.post("/assignments/{assignment_id}/review", response_model=OutcomeOut)
def review(
    project_id: int,
    assignment_id: int,
    body: ReviewIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> OutcomeOut:
    """Accept or reject the item under the caller's review lease."""
    outcome = queue.review(ctx, user, project_id, assignment_id, body.decision, body.comment)
    return _outcome_out(outcome)
