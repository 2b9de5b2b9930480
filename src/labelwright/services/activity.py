"""Project activity: events written in the transaction of the change, read back by id.

Every change worth telling people about (an item submitted, accepted or rejected, a
comment, a batch completed, a delivery ready, a job finished) adds one `activity_events`
row inside the transaction that made the change, so an event exists exactly when its
change does, whichever server process made it. The live stream (`api/routers/activity`)
polls the table by id; webhook deliveries are queued in the same transaction (and sent by
`services/webhooks`); presence
(who works on which item) is read from the live leases, which heartbeats keep fresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState, ProjectRole
from labelwright.services import inbox, projects
from labelwright.store.db import Database
from labelwright.store.tables import (
    ActivityEvent,
    Assignment,
    Batch,
    Item,
    Job,
    Review,
    ReviewComment,
    User,
    Webhook,
    WebhookDelivery,
    utcnow,
)

ITEM_SUBMITTED = "item.submitted"
ITEM_ACCEPTED = "item.accepted"
ITEM_REJECTED = "item.rejected"
COMMENT_ADDED = "comment.added"
BATCH_COMPLETED = "batch.completed"
DELIVERY_READY = "delivery.ready"
JOB_FINISHED = "job.finished"
KINDS = (
    ITEM_SUBMITTED,
    ITEM_ACCEPTED,
    ITEM_REJECTED,
    COMMENT_ADDED,
    BATCH_COMPLETED,
    DELIVERY_READY,
    JOB_FINISHED,
)
# Clients follow progress and deliveries; who did what and what was said stays in the team.
CLIENT_KINDS = frozenset({ITEM_ACCEPTED, BATCH_COMPLETED, DELIVERY_READY})
DONE_STATES = (ItemState.accepted.value, ItemState.delivered.value)
MAX_PAGE = 500


@dataclass(frozen=True)
class EventView:
    """An event as readers see it, with the item's state as it is now."""

    id: int
    kind: str
    project_id: int
    item_id: int | None
    item_state: str | None
    actor_id: int | None
    actor: str | None
    payload: dict[str, Any]
    created_at: datetime

    def as_dict(self) -> dict[str, Any]:
        """Plain data for JSON (the stream's `data:` and the events endpoint)."""
        return {
            "id": self.id,
            "kind": self.kind,
            "project_id": self.project_id,
            "item_id": self.item_id,
            "item_state": self.item_state,
            "actor_id": self.actor_id,
            "actor": self.actor,
            "payload": self.payload,
            "created_at": self.created_at.isoformat(),
        }


def record(
    sess: Session,
    project_id: int,
    kind: str,
    *,
    item_id: int | None = None,
    actor_id: int | None = None,
    payload: dict[str, Any] | None = None,
) -> ActivityEvent:
    """Add an event to the caller's transaction and queue it for the project's webhooks."""
    if kind not in KINDS:
        raise ValueError(f"unknown activity event kind {kind!r}")
    event = ActivityEvent(
        project_id=project_id,
        kind=kind,
        item_id=item_id,
        actor_id=actor_id,
        payload=payload or {},
        created_at=utcnow(),
    )
    sess.add(event)
    sess.flush()
    _queue_webhooks(sess, event)
    return event


def _queue_webhooks(sess: Session, event: ActivityEvent) -> None:
    """One pending delivery per active webhook of the project that asked for this kind."""
    hooks = sess.scalars(
        select(Webhook).where(Webhook.project_id == event.project_id, Webhook.active.is_(True))
    )
    for hook in hooks:
        if event.kind in (hook.events or []):
            sess.add(
                WebhookDelivery(
                    webhook_id=hook.id,
                    event_id=event.id,
                    state="pending",
                    attempts=0,
                    next_attempt_at=event.created_at,
                    last_error="",
                    log=[],
                    created_at=event.created_at,
                )
            )


# --- the points where work changes hands ---------------------------------------------------


def item_submitted(sess: Session, item: Item, user_id: int) -> ActivityEvent:
    """One person handed in their annotation of an item."""
    return record(
        sess,
        item.project_id,
        ITEM_SUBMITTED,
        item_id=item.id,
        actor_id=user_id,
        payload={"file_name": item.file_name, "batch_id": item.batch_id},
    )


def item_reviewed(sess: Session, item: Item, review: Review) -> ActivityEvent:
    """A review decision: the event, the rejected people's inbox, and a completed batch."""
    sess.flush()  # the review row needs its id for the inbox
    kind = ITEM_ACCEPTED if review.decision == "accept" else ITEM_REJECTED
    event = record(
        sess,
        item.project_id,
        kind,
        item_id=item.id,
        actor_id=review.reviewer_id,
        payload={
            "file_name": item.file_name,
            "batch_id": item.batch_id,
            "reason": review.reason,
            "comment": review.comment,
        },
    )
    if kind == ITEM_REJECTED:
        inbox.on_rejection(sess, item, review)
    elif review.comment:
        inbox.on_mentions(sess, item, review.comment, actor_id=review.reviewer_id, review=review)
    if kind == ITEM_ACCEPTED and item.batch_id is not None:
        _complete_batch_if_done(sess, item.batch_id)
    return event


def comment_added(sess: Session, comment: ReviewComment) -> ActivityEvent:
    """A comment on an item: the event, and an inbox note for each member it mentions."""
    sess.flush()
    item = sess.get(Item, comment.item_id)
    event = record(
        sess,
        comment.project_id,
        COMMENT_ADDED,
        item_id=comment.item_id,
        actor_id=comment.author_id,
        payload={"comment_id": comment.id, "body": comment.body[:500], "anchor": comment.anchor},
    )
    if item is not None:
        inbox.on_mentions(sess, item, comment.body, actor_id=comment.author_id, comment=comment)
    return event


def _complete_batch_if_done(sess: Session, batch_id: int) -> None:
    batch = sess.get(Batch, batch_id)
    if batch is None or batch.completed_at is not None:
        return
    open_items = sess.scalar(
        select(func.count())
        .select_from(Item)
        .where(
            Item.project_id == batch.project_id,
            Item.batch_id == batch_id,
            Item.state.not_in(DONE_STATES),
        )
    )
    if open_items:
        return
    batch.completed_at = utcnow()
    total = sess.scalar(select(func.count()).select_from(Item).where(Item.batch_id == batch_id))
    record(
        sess,
        batch.project_id,
        BATCH_COMPLETED,
        payload={"batch_id": batch.id, "name": batch.name, "items": total},
    )


def job_finished(db: Database, job_id: int) -> None:
    """Record that a background job ended (the job runner calls this after closing it)."""
    with db.session() as sess:
        job = sess.get(Job, job_id)
        if job is None or job.project_id is None:
            return
        record(
            sess,
            job.project_id,
            JOB_FINISHED,
            actor_id=job.created_by,
            payload={"job_id": job.id, "kind": job.kind, "state": job.state, "error": job.error},
        )


# --- reading -------------------------------------------------------------------------


def last_event_id(sess: Session, project_id: int) -> int:
    """The newest event id of a project (0 when it has none)."""
    found = sess.scalar(
        select(func.max(ActivityEvent.id)).where(ActivityEvent.project_id == project_id)
    )
    return int(found or 0)


def events_after(
    sess: Session, project_id: int, after: int, *, limit: int = 100, for_client: bool = False
) -> list[EventView]:
    """A project's events with ids above `after`, oldest first (no access check)."""
    stmt = _event_query(project_id, for_client).where(ActivityEvent.id > after)
    return _views(sess, stmt.limit(max(1, min(limit, MAX_PAGE))), for_client)


def newest_events(
    sess: Session, project_id: int, *, limit: int = 100, for_client: bool = False
) -> list[EventView]:
    """A project's newest events, oldest of them first (no access check)."""
    stmt = _event_query(project_id, for_client).order_by(None).order_by(ActivityEvent.id.desc())
    return _views(sess, stmt.limit(max(1, min(limit, MAX_PAGE))), for_client)[::-1]


def _event_query(project_id: int, for_client: bool) -> Select:
    """Events of a project in id order, with the item's current state and the actor's name."""
    stmt = (
        select(ActivityEvent, Item.state, User.username)
        .outerjoin(Item, Item.id == ActivityEvent.item_id)
        .outerjoin(User, User.id == ActivityEvent.actor_id)
        .where(ActivityEvent.project_id == project_id)
        .order_by(ActivityEvent.id)
    )
    return stmt.where(ActivityEvent.kind.in_(CLIENT_KINDS)) if for_client else stmt


def _views(sess: Session, stmt: Select, for_client: bool) -> list[EventView]:
    return [_view(event, state, name, for_client) for event, state, name in sess.execute(stmt)]


def _view(event: ActivityEvent, state: str | None, actor: str | None, anonymous: bool) -> EventView:
    payload = dict(event.payload or {})
    if anonymous:
        payload.pop("comment", None)
    return EventView(
        id=event.id,
        kind=event.kind,
        project_id=event.project_id,
        item_id=event.item_id,
        item_state=state,
        actor_id=None if anonymous else event.actor_id,
        actor=None if anonymous else actor,
        payload=payload,
        created_at=event.created_at,
    )


def presence(sess: Session, project_id: int, t: datetime | None = None) -> list[dict[str, Any]]:
    """Who holds a live lease on which item right now, by item id."""
    t = t or utcnow()
    rows = sess.execute(
        select(Assignment.item_id, Assignment.kind, Assignment.user_id, User.username)
        .join(User, User.id == Assignment.user_id)
        .where(
            Assignment.project_id == project_id,
            Assignment.status == "active",
            Assignment.expires_at > t,
        )
        .order_by(Assignment.item_id, User.username)
    )
    return [
        {"item_id": item_id, "kind": kind, "user_id": user_id, "username": username}
        for item_id, kind, user_id, username in rows
    ]


@dataclass(frozen=True)
class Reader:
    """What a caller may read of a project's activity."""

    project_id: int
    client: bool  # clients see progress and deliveries only: no names, no presence


def reader(sess: Session, user: User, project_id: int) -> Reader:
    """Check that the caller is a member (any role) and say what they may see."""
    access = projects.require(sess, user, project_id, projects.READ)
    return Reader(project_id, client=access.role == ProjectRole.client and not user.is_admin)


def read_events(
    sess: Session, user: User, project_id: int, after: int, limit: int = 100
) -> list[EventView]:
    """A project's events after an id, for any member (clients see fewer kinds)."""
    who = reader(sess, user, project_id)
    return events_after(sess, project_id, after, limit=limit, for_client=who.client)


SETTLE_SECONDS = 10.0
"""How long an event id may stay invisible after a higher one is seen (PostgreSQL assigns
ids at insert and transactions commit in any order, so id 10 can appear after id 11)."""


class Follower:
    """Follows one project's events poll by poll for one reader, late commits included.

    Every poll reads the events above the highest id sent; ids below it that were not
    seen yet are looked for again until SETTLE_SECONDS have passed since a poll first
    saw a higher id. Presence is reported when it changed since the last poll.
    """

    def __init__(self, db: Database, who: Reader, after: int) -> None:
        self.db, self.who = db, who
        self.highest = after  # the highest id sent
        self.settled = after  # every id up to this one was sent or will never appear
        self.recent: set[int] = set()  # ids sent above `settled`
        self.marks: list[tuple[float, int]] = []  # (time of a poll, highest id then)
        self._presence: list[dict[str, Any]] | None = None

    def poll(self, now: float) -> tuple[list[EventView], list[dict[str, Any]] | None]:
        """New events in id order, and the presence list when it changed (else None)."""
        with self.db.session(readonly=True) as sess:
            found = self._late(sess) + self._new(sess)
            present = None if self.who.client else presence(sess, self.who.project_id)
        found.sort(key=lambda e: e.id)
        for event in found:
            self.recent.add(event.id)
            self.highest = max(self.highest, event.id)
        self._settle(now)
        changed = present is not None and present != self._presence
        if changed:
            self._presence = present
        return found, present if changed else None

    def _new(self, sess: Session) -> list[EventView]:
        return events_after(
            sess, self.who.project_id, self.highest, limit=MAX_PAGE, for_client=self.who.client
        )

    def _late(self, sess: Session) -> list[EventView]:
        if self.settled >= self.highest:
            return []
        stmt = _event_query(self.who.project_id, self.who.client).where(
            ActivityEvent.id > self.settled,
            ActivityEvent.id < self.highest,
            ActivityEvent.id.not_in(self.recent or {0}),
        )
        return _views(sess, stmt.limit(MAX_PAGE), self.who.client)

    def _settle(self, now: float) -> None:
        self.marks.append((now, self.highest))
        while self.marks and now - self.marks[0][0] >= SETTLE_SECONDS:
            self.settled = max(self.settled, self.marks.pop(0)[1])
        self.recent = {i for i in self.recent if i > self.settled}
