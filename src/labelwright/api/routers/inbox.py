"""The signed-in person's inbox: mentions in comments and rejections of their work."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx
from labelwright.services import inbox
from labelwright.services.context import Context
from labelwright.store.tables import User

router = APIRouter(prefix="/api/inbox", tags=["inbox"])


class EntryOut(BaseModel):
    """One inbox entry: who mentioned or rejected what, where."""

    id: int
    kind: str
    project_id: int
    project: str
    item_id: int | None
    file_name: str | None
    comment_id: int | None
    review_id: int | None
    actor: str | None
    excerpt: str
    read: bool
    created_at: datetime


class InboxOut(BaseModel):
    """A page of the inbox, newest first, and how many entries are unread in all."""

    entries: list[EntryOut]
    unread: int
    next_before: int | None = Field(description="pass as `before` for the next page")


class MarkIn(BaseModel):
    """Entries to mark (all of the caller's when `ids` is left out)."""

    ids: list[int] | None = Field(None, max_length=1000)
    read: bool = True


class MarkOut(BaseModel):
    """How many entries changed."""

    changed: int


@router.get("", response_model=InboxOut)
def list_inbox(
    unread: bool = Query(False, description="only unread entries"),
    kind: str | None = Query(None, description="mention or rejection"),
    before: int | None = Query(None, ge=1, description="entries older than this id"),
    limit: int = Query(50, ge=1, le=200),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> InboxOut:
    """The caller's mentions and rejections, newest first."""
    with ctx.db.session(readonly=True) as sess:
        found = inbox.list_entries(
            sess, user, unread_only=unread, kind=kind, before=before, limit=limit
        )
        count = inbox.unread_count(sess, user)
    return InboxOut(
        entries=[EntryOut(**asdict(e)) for e in found],
        unread=count,
        next_before=found[-1].id if len(found) == limit else None,
    )


@router.post("/read", response_model=MarkOut)
def mark_read(
    body: MarkIn, user: User = Depends(current_user), ctx: Context = Depends(get_ctx)
) -> MarkOut:
    """Mark entries read (or unread again with `read: false`)."""
    return MarkOut(changed=inbox.mark_read(ctx, user, body.ids, read=body.read))
