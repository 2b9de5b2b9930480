"""Review comments pinned to items, review history, and gold items."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Response
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx
from labelwright.services import gold, review
from labelwright.services.context import Context
from labelwright.store.tables import GoldAnswer, Item, Review, ReviewComment, User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["review"])


class CommentIn(BaseModel):
    """A comment and where it points (default: the whole item)."""

    body: str = Field(max_length=10_000)
    anchor: dict[str, Any] | None = Field(
        None,
        description="{'kind': 'item'} | {'kind': 'point', x, y, frame} | "
        "{'kind': 'region', x, y, w, h, frame} | {'kind': 'object', object_id}",
    )


class CommentOut(BaseModel):
    """A comment with its anchor and whether it is still open."""

    id: int
    item_id: int
    author_id: int
    body: str
    anchor: dict[str, Any]
    status: str
    resolved_by: int | None
    resolved_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, c: ReviewComment) -> CommentOut:
        """The API view of a stored comment."""
        return cls(
            id=c.id,
            item_id=c.item_id,
            author_id=c.author_id,
            body=c.body,
            anchor=c.anchor,
            status=c.status,
            resolved_by=c.resolved_by,
            resolved_at=c.resolved_at,
            created_at=c.created_at,
        )


class CommentStatusIn(BaseModel):
    """Resolve a comment, or open it again."""

    status: Literal["open", "resolved"]


class ReviewOut(BaseModel):
    """One review decision; `reviewer_id` is null for automatic ones (see `reason`)."""

    id: int
    item_id: int
    reviewer_id: int | None
    decision: str
    reason: str
    comment: str
    created_at: datetime

    @classmethod
    def of(cls, r: Review) -> ReviewOut:
        """The API view of a stored review."""
        return cls(
            id=r.id,
            item_id=r.item_id,
            reviewer_id=r.reviewer_id,
            decision=r.decision,
            reason=r.reason,
            comment=r.comment,
            created_at=r.created_at,
        )


class GoldIn(BaseModel):
    """The known answer: an annotation body, or the id of an annotation of the item to copy."""

    body: dict[str, Any] | None = None
    from_annotation: int | None = None


class GoldOut(BaseModel):
    """A gold item, its file name and its answer."""

    item_id: int
    file_name: str
    body: dict[str, Any]
    created_by: int | None
    created_at: datetime

    @classmethod
    def of(cls, g: GoldAnswer, file_name: str) -> GoldOut:
        """The API view of a stored gold answer."""
        return cls(
            item_id=g.item_id,
            file_name=file_name,
            body=g.body,
            created_by=g.created_by,
            created_at=g.created_at,
        )


@router.get("/items/{item_id}/comments", response_model=list[CommentOut])
def list_comments(
    project_id: int,
    item_id: int,
    status: Literal["open", "resolved"] | None = Query(None),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> list[CommentOut]:
    """An item's comments, oldest first."""
    with ctx.db.session(readonly=True) as sess:
        found = review.list_comments(sess, user, project_id, item_id, status)
        return [CommentOut.of(c) for c in found]


@router.post("/items/{item_id}/comments", response_model=CommentOut, status_code=201)
def add_comment(
    project_id: int,
    item_id: int,
    body: CommentIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> CommentOut:
    """Pin a comment to the item, a point, a region or an object; it stays open until resolved."""
    made = review.add_comment(ctx, user, project_id, item_id, body.body, body.anchor)
    return CommentOut.of(made)


@router.patch("/comments/{comment_id}", response_model=CommentOut)
def set_comment_status(
    project_id: int,
    comment_id: int,
    body: CommentStatusIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> CommentOut:
    """Resolve a comment or open it again."""
    return CommentOut.of(review.set_comment_status(ctx, user, project_id, comment_id, body.status))


@router.get("/items/{item_id}/reviews", response_model=list[ReviewOut])
def review_history(
    project_id: int,
    item_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> list[ReviewOut]:
    """The item's review decisions, oldest first."""
    with ctx.db.session(readonly=True) as sess:
        return [ReviewOut.of(r) for r in review.history(sess, user, project_id, item_id)]


@router.get("/gold", response_model=list[GoldOut])
def list_gold(
    project_id: int, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> list[GoldOut]:
    """The project's gold items with their answers (managers only)."""
    with ctx.db.session(readonly=True) as sess:
        return [GoldOut.of(g, name) for g, name in gold.list_gold(sess, user, project_id)]


@router.put("/items/{item_id}/gold", response_model=GoldOut)
def set_gold(
    project_id: int,
    item_id: int,
    body: GoldIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> GoldOut:
    """Make the item gold with this known answer (managers); replaces an earlier answer."""
    made = gold.set_gold(
        ctx, user, project_id, item_id, body=body.body, from_annotation=body.from_annotation
    )
    with ctx.db.session(readonly=True) as sess:
        return GoldOut.of(made, sess.get(Item, item_id).file_name)


@router.delete("/items/{item_id}/gold", status_code=204)
def remove_gold(
    project_id: int,
    item_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Make a gold item ordinary again (managers)."""
    gold.remove_gold(ctx, user, project_id, item_id)
    return Response(status_code=204)
