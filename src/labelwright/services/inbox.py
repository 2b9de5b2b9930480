"""Each person's inbox: comments that mention them (`@username`) and rejections of their work.

Entries are written in the transaction of the comment or the review decision, so the
inbox never misses one and never needs to scan comment text when it is read. Only
members of the project are notified; a mention of anyone else is plain text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from labelwright.services.context import Context
from labelwright.services.errors import Invalid
from labelwright.store.tables import (
    Annotation,
    InboxEntry,
    Item,
    Membership,
    Project,
    Review,
    ReviewComment,
    User,
    utcnow,
)

MENTION = "mention"
REJECTION = "rejection"
KINDS = (MENTION, REJECTION)
EXCERPT = 300
MAX_PAGE = 200
MAX_MARK = 1000
# A username after '@' (the characters users.USERNAME_RE allows), not inside an e-mail address.
_MENTION = re.compile(r"(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9_.@-]{0,63})")


def mentioned_names(text: str) -> list[str]:
    """The usernames `@name` mentions in a text, in order, each once.

    Sentence punctuation after a name ('@ann.', '@bob-') is not part of it; since usernames
    may contain '.', '-' and '@', both the token and the token without them are returned.
    """
    names: list[str] = []
    for match in _MENTION.finditer(text or ""):
        token = match.group(1)
        for candidate in (token, token.rstrip(".-@_")):
            if candidate and candidate not in names:
                names.append(candidate)
    return names


def _members_named(sess: Session, project_id: int, names: list[str]) -> list[int]:
    if not names:
        return []
    return list(
        sess.scalars(
            select(User.id)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.project_id == project_id,
                User.username.in_(names),
                User.is_active.is_(True),
            )
            .order_by(User.id)
        )
    )


def _excerpt(text: str) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"


def on_mentions(
    sess: Session,
    item: Item,
    text: str,
    *,
    actor_id: int | None,
    comment: ReviewComment | None = None,
    review: Review | None = None,
    skip: frozenset[int] = frozenset(),
) -> list[int]:
    """Note a mention for each member named in `text` (not the author); returns their ids."""
    named = _members_named(sess, item.project_id, mentioned_names(text))
    people = [u for u in named if u != actor_id and u not in skip]
    for user_id in people:
        sess.add(
            InboxEntry(
                user_id=user_id,
                project_id=item.project_id,
                kind=MENTION,
                item_id=item.id,
                comment_id=comment.id if comment else None,
                review_id=review.id if review else None,
                actor_id=actor_id,
                excerpt=_excerpt(text),
                created_at=utcnow(),
            )
        )
    return people


def on_rejection(sess: Session, item: Item, review: Review) -> list[int]:
    """Tell each person whose submitted work on the item was rejected; returns their ids."""
    authors = list(
        sess.scalars(
            select(Annotation.user_id)
            .where(Annotation.item_id == item.id, Annotation.submitted.is_(True))
            .order_by(Annotation.user_id)
        )
    )
    for user_id in authors:
        sess.add(
            InboxEntry(
                user_id=user_id,
                project_id=item.project_id,
                kind=REJECTION,
                item_id=item.id,
                review_id=review.id,
                actor_id=review.reviewer_id,
                excerpt=_excerpt(review.comment),
                created_at=utcnow(),
            )
        )
    # The people told of the rejection already see its comment; others named in it are told.
    on_mentions(
        sess,
        item,
        review.comment,
        actor_id=review.reviewer_id,
        review=review,
        skip=frozenset(authors),
    )
    return authors


# --- reading -------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One inbox entry as the API shows it."""

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


def _visible(user: User):
    # Entries of projects the person has since left are kept but not shown.
    member = select(Membership.project_id).where(Membership.user_id == user.id)
    return InboxEntry.user_id == user.id, InboxEntry.project_id.in_(member)


def list_entries(
    sess: Session,
    user: User,
    *,
    unread_only: bool = False,
    kind: str | None = None,
    before: int | None = None,
    limit: int = 50,
) -> list[Entry]:
    """The caller's inbox, newest first; `before` (an entry id) pages back."""
    if kind is not None and kind not in KINDS:
        raise Invalid(f"kind {kind!r}: use one of {', '.join(KINDS)}")
    stmt = (
        select(InboxEntry, Project.name, Item.file_name, User.username)
        .join(Project, Project.id == InboxEntry.project_id)
        .outerjoin(Item, Item.id == InboxEntry.item_id)
        .outerjoin(User, User.id == InboxEntry.actor_id)
        .where(*_visible(user))
    )
    if unread_only:
        stmt = stmt.where(InboxEntry.read_at.is_(None))
    if kind:
        stmt = stmt.where(InboxEntry.kind == kind)
    if before is not None:
        stmt = stmt.where(InboxEntry.id < before)
    stmt = stmt.order_by(InboxEntry.id.desc()).limit(max(1, min(limit, MAX_PAGE)))
    return [
        Entry(
            id=e.id,
            kind=e.kind,
            project_id=e.project_id,
            project=project,
            item_id=e.item_id,
            file_name=file_name,
            comment_id=e.comment_id,
            review_id=e.review_id,
            actor=actor,
            excerpt=e.excerpt,
            read=e.read_at is not None,
            created_at=e.created_at,
        )
        for e, project, file_name, actor in sess.execute(stmt)
    ]


def unread_count(sess: Session, user: User) -> int:
    """How many of the caller's entries are unread."""
    return int(
        sess.scalar(
            select(func.count())
            .select_from(InboxEntry)
            .where(*_visible(user), InboxEntry.read_at.is_(None))
        )
        or 0
    )


def mark_read(ctx: Context, user: User, ids: list[int] | None = None, *, read: bool = True) -> int:
    """Mark some of the caller's entries (or all, when `ids` is None) read or unread."""
    if ids is not None and len(ids) > MAX_MARK:
        raise Invalid(f"ids: at most {MAX_MARK} at a time (got {len(ids)})")
    with ctx.db.session() as sess:
        stmt = update(InboxEntry).where(InboxEntry.user_id == user.id)
        if ids is not None:
            stmt = stmt.where(InboxEntry.id.in_(ids))
        if read:
            stmt = stmt.where(InboxEntry.read_at.is_(None))
        stmt = stmt.values(read_at=utcnow() if read else None)
        return int(sess.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0)
