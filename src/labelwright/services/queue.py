"""The work queue: leases on items for annotation and review, with overlap, expiry and skips.

A lease (an `assignments` row) reserves one of an item's `overlap` annotation slots, or
its single review slot, for one person until `expires_at`; heartbeats keep it alive.
An item is open to an annotator while it is new, prelabeled or annotating, they hold no
live lease on it, have not skipped it, have not submitted it, and its live annotate
leases plus submitted annotations are fewer than the overlap. Claims run with the
SQLite write lock, or on PostgreSQL with the candidate item row locked (SKIP LOCKED)
and re-checked after the lock, so no slot is ever handed to two people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, exists, func, select
from sqlalchemy.orm import Session

from labelwright.domain.roles import InvalidTransition, ItemState, ProjectRole, check_transition
from labelwright.services import activity, consensus, projects
from labelwright.services import review as review_log
from labelwright.services.context import Context
from labelwright.services.errors import Conflict, Forbidden, Invalid, NotFound
from labelwright.store import tables
from labelwright.store.tables import Annotation, Assignment, GoldAnswer, Item, Project, User

ANNOTATE = frozenset({ProjectRole.manager, ProjectRole.annotator})
REVIEW = frozenset({ProjectRole.manager, ProjectRole.reviewer})
WORKERS = ANNOTATE | REVIEW
ROLES_FOR_KIND = {"annotate": ANNOTATE, "review": REVIEW}
DECISIONS = {"accept": ItemState.accepted, "reject": ItemState.rejected}
DEFAULT_LEASE_SECONDS = 300
MAX_NOTE = 10_000
OPEN_FOR_ANNOTATION = (ItemState.new.value, ItemState.prelabeled.value, ItemState.annotating.value)
OPEN_FOR_REVIEW = (ItemState.submitted.value, ItemState.in_review.value)


@dataclass(frozen=True)
class Lease:
    """An item reserved for one person until expires_at (renew it with heartbeats)."""

    assignment_id: int
    item_id: int
    kind: str
    expires_at: datetime


@dataclass(frozen=True)
class Outcome:
    """Where a lease and its item stand after a skip, submit, review or release."""

    assignment_id: int
    item_id: int
    kind: str
    status: str
    item_state: str


def _draw() -> float:
    """A uniform draw in [0, 1) (a function so tests can fix it)."""
    return random.random()


def now() -> datetime:
    """The store's clock (tables.utcnow, patchable in tests) as an aware UTC datetime."""
    return aware(tables.utcnow()).astimezone(UTC)


def aware(value: datetime) -> datetime:
    """A datetime with a zone: SQLite hands back naive ones, written in UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


def lease_seconds(project: Project) -> int:
    """How long a lease lasts without a heartbeat (project setting 'lease_seconds')."""
    value = (project.settings or {}).get("lease_seconds", DEFAULT_LEASE_SECONDS)
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return DEFAULT_LEASE_SECONDS
    return seconds if seconds > 0 else DEFAULT_LEASE_SECONDS


def _queue_order(project: Project) -> tuple:
    # 'priority': higher first, then oldest; anything else is the default 'oldest'.
    if (project.settings or {}).get("order") == "priority":
        return (Item.priority.desc(), Item.id)
    return (Item.id,)


def _is_postgres(sess: Session) -> bool:
    return sess.get_bind().dialect.name == "postgresql"


def _lease_of(a: Assignment) -> Lease:
    return Lease(a.id, a.item_id, a.kind, aware(a.expires_at))


def _outcome(a: Assignment, item: Item) -> Outcome:
    return Outcome(a.id, a.item_id, a.kind, a.status, item.state)


def _live(t: datetime):
    return and_(Assignment.status == "active", Assignment.expires_at > t)


def _move(item: Item, new: ItemState, t: datetime) -> None:
    try:
        check_transition(item.state, new)
    except InvalidTransition as exc:
        raise Conflict(f"item {item.id}: {exc}") from None
    item.state = new.value
    item.updated_at = t


# --- finding work ------------------------------------------------------------------


def _open_for_annotation(user_id: int, project: Project, t: datetime) -> Select:
    leases = (
        select(func.count())
        .select_from(Assignment)
        .where(Assignment.item_id == Item.id, Assignment.kind == "annotate", _live(t))
        .scalar_subquery()
    )
    done = (
        select(func.count())
        .select_from(Annotation)
        .where(Annotation.item_id == Item.id, Annotation.submitted.is_(True))
        .scalar_subquery()
    )
    mine = exists().where(
        Assignment.item_id == Item.id,
        Assignment.user_id == user_id,
        Assignment.kind == "annotate",
        _live(t) | (Assignment.status == "skipped"),
    )
    mine_done = exists().where(
        Annotation.item_id == Item.id,
        Annotation.user_id == user_id,
        Annotation.submitted.is_(True),
    )
    return (
        select(Item)
        .where(Item.project_id == project.id, Item.state.in_(OPEN_FOR_ANNOTATION))
        .where(~mine, ~mine_done, ~_is_gold(), leases + done < project.overlap)
        .order_by(*_queue_order(project))
    )


def _is_gold():
    return exists().where(GoldAnswer.item_id == Item.id)


def _open_gold(user_id: int, project: Project) -> Select:
    # Any number of people may answer a gold item, each once; its state never moves.
    answered = exists().where(
        Assignment.item_id == Item.id,
        Assignment.user_id == user_id,
        Assignment.kind == "annotate",
    )
    return (
        select(Item)
        .join(GoldAnswer, GoldAnswer.item_id == Item.id)
        .where(Item.project_id == project.id, ~answered)
        .order_by(func.random())
    )


def gold_rate(project: Project) -> float:
    """The share of an annotator's next items drawn from the project's gold items."""
    return min(0.5, max(0.0, float((project.settings or {}).get("gold_rate", 0.0))))


def _rejected_back_to(user_id: int, project: Project) -> Select:
    # A rejected item goes back to the people whose submitted annotation was rejected.
    theirs = exists().where(
        Annotation.item_id == Item.id,
        Annotation.user_id == user_id,
        Annotation.submitted.is_(True),
    )
    return (
        select(Item)
        .where(Item.project_id == project.id, Item.state == ItemState.rejected.value, theirs)
        .order_by(*_queue_order(project))
    )


def _open_for_review(user_id: int, project: Project, t: datetime) -> Select:
    reviewed_now = exists().where(
        Assignment.item_id == Item.id, Assignment.kind == "review", _live(t)
    )
    skipped = exists().where(
        Assignment.item_id == Item.id,
        Assignment.user_id == user_id,
        Assignment.kind == "review",
        Assignment.status == "skipped",
    )
    # Nobody reviews their own work.
    own_work = exists().where(
        Annotation.item_id == Item.id,
        Annotation.user_id == user_id,
        Annotation.submitted.is_(True),
    )
    return (
        select(Item)
        .where(Item.project_id == project.id, Item.state.in_(OPEN_FOR_REVIEW))
        .where(~reviewed_now, ~skipped, ~own_work)
        .order_by(*_queue_order(project))
    )


def _claim(sess: Session, stmt: Select) -> Item | None:
    """The first item `stmt` finds, safe against concurrent claimers."""
    if not _is_postgres(sess):
        return sess.scalars(stmt.limit(1)).first()  # the write lock is already held
    passed: list[int] = []
    while True:
        locked = stmt.where(Item.id.not_in(passed)).limit(1)
        candidate = sess.scalars(locked.with_for_update(skip_locked=True, of=Item)).first()
        if candidate is None:
            return None
        # A claimer that held this row may have committed after our snapshot; with the
        # row locked, a fresh statement sees its work, so ask again for this one item.
        fresh = stmt.where(Item.id == candidate.id).execution_options(populate_existing=True)
        if sess.scalars(fresh).first() is not None:
            return candidate
        passed.append(candidate.id)


def _lock_item(sess: Session, item_id: int) -> Item:
    stmt = select(Item).where(Item.id == item_id).execution_options(populate_existing=True)
    if _is_postgres(sess):
        stmt = stmt.with_for_update()
    return sess.scalars(stmt).one()


def _live_count(sess: Session, user: User, project: Project, kind: str, t: datetime) -> int:
    return sess.scalar(
        select(func.count())
        .select_from(Assignment)
        .where(
            Assignment.project_id == project.id,
            Assignment.user_id == user.id,
            Assignment.kind == kind,
            _live(t),
        )
    )


def _resume(
    sess: Session, user: User, project: Project, kind: str, t: datetime, *, newest: bool = False
) -> Lease | None:
    order = Assignment.id.desc() if newest else Assignment.id
    held = sess.scalars(
        select(Assignment)
        .where(
            Assignment.project_id == project.id,
            Assignment.user_id == user.id,
            Assignment.kind == kind,
            _live(t),
        )
        .order_by(order)
        .limit(1)
    ).first()
    if held is None:
        return None
    held.expires_at = max(aware(held.expires_at), t + timedelta(seconds=lease_seconds(project)))
    held.updated_at = t
    return _lease_of(held)


def _take_annotation_slot(sess: Session, user: User, project: Project, t: datetime) -> Item | None:
    # Gold items come unmarked, at the project's rate, so people are scored on real work.
    rate = gold_rate(project)
    if rate and _draw() < rate:
        gold = sess.scalars(_open_gold(user.id, project).limit(1)).first()
        if gold is not None:
            return gold
    item = _claim(sess, _rejected_back_to(user.id, project))
    if item is not None:
        _move(item, ItemState.annotating, t)
        mine = _annotation_of(sess, item.id, user.id)
        if mine is not None:
            mine.submitted = False
        return item
    item = _claim(sess, _open_for_annotation(user.id, project, t))
    if item is not None and item.state != ItemState.annotating.value:
        _move(item, ItemState.annotating, t)
    return item


def _take_review_slot(sess: Session, user: User, project: Project, t: datetime) -> Item | None:
    item = _claim(sess, _open_for_review(user.id, project, t))
    if item is not None and item.state == ItemState.submitted.value:
        _move(item, ItemState.in_review, t)
    return item


MAX_LEASES_AHEAD = 1
"""Leases a person may hold beyond the one they work on (the editor's prefetched next item)."""


def next_item(
    ctx: Context, user: User, project_id: int, kind: str = "annotate", *, ahead: bool = False
) -> Lease | None:
    """The caller's current lease, or a new one on the next open item; None when none is left.

    `ahead` asks for the item after the current one while the current lease is still held,
    so the editor can load it in advance; it is handed out by the next plain call once the
    current one is submitted (the oldest live lease is resumed first).
    """
    if kind not in ROLES_FOR_KIND:
        raise Invalid(f"kind {kind!r}: must be 'annotate' or 'review'")
    with ctx.db.session() as sess:
        project = projects.require(sess, user, project_id, ROLES_FOR_KIND[kind]).project
        if _is_postgres(sess):  # one claim at a time per person, so nobody holds two leases
            sess.execute(select(User.id).where(User.id == user.id).with_for_update())
        t = now()
        held = _resume(sess, user, project, kind, t, newest=ahead)
        if held is not None and (not ahead or _live_count(sess, user, project, kind, t) > 1):
            return held
        if ahead and held is None:
            return None  # nothing is being worked on, so there is nothing to be ahead of
        take = _take_annotation_slot if kind == "annotate" else _take_review_slot
        item = take(sess, user, project, t)
        if item is None:
            return None
        item.updated_at = t  # on PostgreSQL this also marks the row as changed under the lock
        lease = Assignment(
            project_id=project.id,
            item_id=item.id,
            user_id=user.id,
            kind=kind,
            status="active",
            expires_at=t + timedelta(seconds=lease_seconds(project)),
            skip_reason="",
            created_at=t,
            updated_at=t,
        )
        sess.add(lease)
        sess.flush()
        return _lease_of(lease)


# --- acting on a lease ---------------------------------------------------------------


@dataclass
class _Held:
    project: Project
    lease: Assignment
    item: Item


def _own_lease(
    sess: Session, user: User, project_id: int, assignment_id: int, allowed: frozenset
) -> _Held:
    """The caller's own lease in the project, its item locked; 404 for anyone else's."""
    access = projects.require(sess, user, project_id, allowed)
    lease = sess.get(Assignment, assignment_id)
    if lease is None or lease.project_id != project_id or lease.user_id != user.id:
        raise NotFound(f"assignment {assignment_id} does not exist in project {project_id}")
    if not user.is_admin and access.role not in ROLES_FOR_KIND[lease.kind]:
        raise Forbidden(
            f"assignment {assignment_id} is a {lease.kind} lease; "
            f"your role {access.role.value} may not {lease.kind}"
        )
    return _Held(access.project, lease, _lock_item(sess, lease.item_id))


def _slot_still_free(sess: Session, held: _Held, t: datetime) -> bool:
    lease, item = held.lease, held.item
    if lease.kind == "annotate" and sess.get(GoldAnswer, item.id) is not None:
        return True  # a gold item has a slot for everyone
    others_live = and_(
        Assignment.item_id == item.id,
        Assignment.kind == lease.kind,
        Assignment.user_id != lease.user_id,
        _live(t),
    )
    others = sess.scalar(select(func.count()).select_from(Assignment).where(others_live))
    if lease.kind == "review":
        return item.state == ItemState.in_review.value and others == 0
    done = sess.scalar(
        select(func.count())
        .select_from(Annotation)
        .where(
            Annotation.item_id == item.id,
            Annotation.user_id != lease.user_id,
            Annotation.submitted.is_(True),
        )
    )
    return item.state == ItemState.annotating.value and others + done < held.project.overlap


def _ensure_held(sess: Session, held: _Held, t: datetime) -> None:
    """Conflict unless the lease is active and its slot still the caller's.

    An expired lease whose slot nobody took counts as held: work is never lost to a
    slow network or a long coffee break.
    """
    lease = held.lease
    if lease.status != "active":
        raise Conflict(
            f"your lease on item {lease.item_id} is {lease.status}; fetch the next item",
            assignment_id=lease.id,
            status=lease.status,
        )
    expires = aware(lease.expires_at)
    if expires <= t and not _slot_still_free(sess, held, t):
        raise Conflict(
            f"your lease on item {lease.item_id} expired at {expires.isoformat()} "
            "and someone else has the item now; fetch the next item",
            assignment_id=lease.id,
            expired_at=expires.isoformat(),
        )


def heartbeat(
    ctx: Context, user: User, project_id: int, assignment_id: int, active_seconds: float = 0.0
) -> Lease:
    """Extend the caller's lease to now + the project's lease time; count active time."""
    with ctx.db.session() as sess:
        held = _own_lease(sess, user, project_id, assignment_id, WORKERS)
        t = now()
        _ensure_held(sess, held, t)
        held.lease.expires_at = t + timedelta(seconds=lease_seconds(held.project))
        held.lease.updated_at = t
        if active_seconds > 0:
            held.lease.active_seconds = (held.lease.active_seconds or 0.0) + min(
                active_seconds, 3600.0
            )
        return _lease_of(held.lease)


def _note(text: str | None, what: str, *, required: bool) -> str:
    text = (text or "").strip()
    if required and not text:
        raise Invalid(f"{what}: say why (e.g. 'image is too blurry to label')")
    if len(text) > MAX_NOTE:
        raise Invalid(f"{what}: at most {MAX_NOTE} characters, got {len(text)}")
    return text


def skip(ctx: Context, user: User, project_id: int, assignment_id: int, reason: str) -> Outcome:
    """Give an item back with a reason; the caller never gets it again, others do."""
    reason = _note(reason, "skip reason", required=True)
    with ctx.db.session() as sess:
        held = _own_lease(sess, user, project_id, assignment_id, WORKERS)
        if held.lease.status != "active":
            raise Conflict(
                f"assignment {assignment_id} is {held.lease.status}; only an active lease "
                "can be skipped"
            )
        held.lease.status = "skipped"
        held.lease.skip_reason = reason
        held.lease.updated_at = now()
        return _outcome(held.lease, held.item)


def release(ctx: Context, user: User, project_id: int, assignment_id: int) -> Outcome:
    """Hand a lease back unfinished; the item stays open, to the caller too."""
    with ctx.db.session() as sess:
        held = _own_lease(sess, user, project_id, assignment_id, WORKERS)
        if held.lease.status != "active":
            raise Conflict(f"assignment {assignment_id} is {held.lease.status}, not active")
        held.lease.status = "released"
        held.lease.updated_at = now()
        return _outcome(held.lease, held.item)


def _annotation_of(sess: Session, item_id: int, user_id: int) -> Annotation | None:
    return sess.scalar(
        select(Annotation).where(Annotation.item_id == item_id, Annotation.user_id == user_id)
    )


def submit(ctx: Context, user: User, project_id: int, assignment_id: int) -> Outcome:
    """Hand in the caller's annotation; the item is submitted once `overlap` people have."""
    with ctx.db.session() as sess:
        held = _own_lease(sess, user, project_id, assignment_id, ANNOTATE)
        lease, item = held.lease, held.item
        if lease.kind != "annotate":
            raise Invalid(f"assignment {assignment_id} is a review lease; send a review decision")
        t = now()
        _ensure_held(sess, held, t)
        lease.status, lease.updated_at = "submitted", t
        annotation = _annotation_of(sess, item.id, user.id)
        if annotation is None:  # submitting without a save: an empty answer is an answer
            annotation = Annotation(
                project_id=project_id,
                item_id=item.id,
                user_id=user.id,
                revision=0,
                object_count=0,
                updated_at=t,
            )
            sess.add(annotation)
        annotation.submitted = True
        sess.flush()
        activity.item_submitted(sess, item, user.id)
        done = sess.scalar(
            select(func.count())
            .select_from(Annotation)
            .where(Annotation.item_id == item.id, Annotation.submitted.is_(True))
        )
        gold = sess.get(GoldAnswer, item.id) is not None
        if not gold and done >= held.project.overlap and item.state == ItemState.annotating.value:
            _move(item, ItemState.submitted, t)
            authors = sess.scalars(
                select(Annotation.user_id).where(
                    Annotation.item_id == item.id, Annotation.submitted.is_(True)
                )
            ).all()
            # Merging needs two answers: with one, no body is read while the write lock is held.
            must_review = done >= 2 and consensus.on_submitted(sess, held.project, item, t)
            review_log.route_submitted(
                sess, held.project, item, list(authors), t, must_review=must_review
            )
        return _outcome(lease, item)


def review(
    ctx: Context,
    user: User,
    project_id: int,
    assignment_id: int,
    decision: str,
    comment: str = "",
) -> Outcome:
    """Accept or reject the item under a review lease; rejected work goes back to its annotators."""
    if decision not in DECISIONS:
        raise Invalid(f"decision {decision!r}: must be 'accept' or 'reject'")
    comment = _note(comment, "review comment", required=False)
    with ctx.db.session() as sess:
        held = _own_lease(sess, user, project_id, assignment_id, REVIEW)
        lease, item = held.lease, held.item
        if lease.kind != "review":
            raise Invalid(f"assignment {assignment_id} is an annotate lease; submit it instead")
        t = now()
        _ensure_held(sess, held, t)
        _move(item, DECISIONS[decision], t)
        lease.status, lease.updated_at = "submitted", t
        review_log.record_review(sess, item, decision, reviewer_id=user.id, comment=comment, t=t)
        return _outcome(lease, item)
