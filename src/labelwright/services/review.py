"""Review: decisions on record, review sampling, and comments pinned to items and objects.

Every accept or reject is a `reviews` row, whether a reviewer made it or the item was
accepted without review because the project reviews only a share of each annotator's
work. Comments stay open until someone resolves them, so a rejected item comes back to
its annotator with the open issues in view.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwright.domain.comments import Anchor
from labelwright.domain.roles import ItemState, ProjectRole
from labelwright.services import activity, projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, NotFound
from labelwright.store.tables import Item, Project, Review, ReviewComment, User, utcnow

COMMENTERS = frozenset({ProjectRole.manager, ProjectRole.annotator, ProjectRole.reviewer})
MAX_COMMENT = 10_000
COMMENT_STATES = ("open", "resolved")
_ANCHOR = TypeAdapter(Anchor)


def review_share(project: Project) -> float:
    """The share of each annotator's submitted items that goes to review (default: all)."""
    value = (project.settings or {}).get("review_share", 1.0)
    return min(1.0, max(0.0, float(value)))


def sampled_for_review(item_id: int, annotator_ids: Iterable[int], share: float) -> bool:
    """Whether an item is in the reviewed share: a stable draw per (annotator, item).

    Hashing instead of a random draw makes the sample reproducible and gives each
    annotator the same expected share; an item any of its annotators draws is reviewed.
    """
    if share >= 1.0:
        return True
    for user_id in annotator_ids:
        digest = hashlib.sha256(f"review:{user_id}:{item_id}".encode()).digest()
        if int.from_bytes(digest[:8], "big") / 2**64 < share:
            return True
    return False


def record_review(
    sess: Session,
    item: Item,
    decision: str,
    *,
    reviewer_id: int | None,
    reason: str = "review",
    comment: str = "",
    t: datetime | None = None,
) -> Review:
    """Keep one review decision on record."""
    review = Review(
        project_id=item.project_id,
        item_id=item.id,
        reviewer_id=reviewer_id,
        decision=decision,
        reason=reason,
        comment=comment,
        created_at=t or utcnow(),
    )
    sess.add(review)
    activity.item_reviewed(sess, item, review)
    return review


def route_submitted(
    sess: Session,
    project: Project,
    item: Item,
    annotator_ids: list[int],
    t: datetime,
    *,
    must_review: bool = False,
) -> None:
    """Send a newly submitted item to review, or accept it when it is not in the sample."""
    if must_review or sampled_for_review(item.id, annotator_ids, review_share(project)):
        return
    item.state, item.updated_at = ItemState.accepted.value, t
    record_review(sess, item, "accept", reviewer_id=None, reason="not_sampled", t=t)


def history(sess: Session, user: User, project_id: int, item_id: int) -> list[Review]:
    """An item's review decisions, oldest first (anyone who labels or reviews)."""
    projects.require(sess, user, project_id, COMMENTERS)
    _item(sess, project_id, item_id)
    return list(sess.scalars(select(Review).where(Review.item_id == item_id).order_by(Review.id)))


# --- comments ------------------------------------------------------------------------


def _item(sess: Session, project_id: int, item_id: int) -> Item:
    item = sess.get(Item, item_id)
    if item is None or item.project_id != project_id:
        raise NotFound(f"item {item_id} does not exist in project {project_id}")
    return item


def _anchor(raw: Any) -> dict[str, Any]:
    try:
        return _ANCHOR.validate_python(raw or {"kind": "item"}).model_dump()
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'anchor'}: {e['msg']}" for e in exc.errors()
        )
        raise Invalid(f"comment anchor: {problems}") from None


def _body(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise Invalid("comment: write something")
    if len(text) > MAX_COMMENT:
        raise Invalid(f"comment: at most {MAX_COMMENT} characters (got {len(text)})")
    return text


def add_comment(
    ctx: Context, user: User, project_id: int, item_id: int, body: str, anchor: Any = None
) -> ReviewComment:
    """Pin an open comment to an item, a point, a region or an object."""
    text, where = _body(body), _anchor(anchor)
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, COMMENTERS)
        _item(sess, project_id, item_id)
        comment = ReviewComment(
            project_id=project_id, item_id=item_id, author_id=user.id, body=text, anchor=where
        )
        sess.add(comment)
        sess.flush()
        activity.comment_added(sess, comment)
        return comment


def list_comments(
    sess: Session, user: User, project_id: int, item_id: int, status: str | None = None
) -> list[ReviewComment]:
    """An item's comments, oldest first; optionally only open or only resolved ones."""
    projects.require(sess, user, project_id, COMMENTERS)
    _item(sess, project_id, item_id)
    query = select(ReviewComment).where(ReviewComment.item_id == item_id)
    if status is not None:
        if status not in COMMENT_STATES:
            raise Invalid(f"status {status!r}: use one of {', '.join(COMMENT_STATES)}")
        query = query.where(ReviewComment.status == status)
    return list(sess.scalars(query.order_by(ReviewComment.id)))


def set_comment_status(
    ctx: Context, user: User, project_id: int, comment_id: int, status: str
) -> ReviewComment:
    """Resolve a comment (the fix is in) or open it again."""
    if status not in COMMENT_STATES:
        raise Invalid(f"status {status!r}: use one of {', '.join(COMMENT_STATES)}")
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, COMMENTERS)
        comment = sess.get(ReviewComment, comment_id)
        if comment is None or comment.project_id != project_id:
            raise NotFound(f"comment {comment_id} does not exist in project {project_id}")
        comment.status = status
        resolved = status == "resolved"
        comment.resolved_by = user.id if resolved else None
        comment.resolved_at = utcnow() if resolved else None
        return comment
