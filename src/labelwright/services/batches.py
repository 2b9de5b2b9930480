"""Client batches: images that arrive together with a name, a requirements note and a due date.

A client (or a manager) uploads a batch through the same intake as any import; the batch
then shows how its items move through the workflow, and when all of them are accepted
the batch is complete (`activity.BATCH_COMPLETED`) and ready to be delivered.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState, ProjectRole
from labelwright.services import projects
from labelwright.services.context import Context
from labelwright.services.errors import Forbidden, Invalid, NotFound
from labelwright.services.intake import ImportReport, import_paths
from labelwright.store.tables import Batch, Item, User, utcnow

MAX_NAME = 200
MAX_NOTE = 10_000
DONE_STATES = (ItemState.accepted.value, ItemState.delivered.value)


@dataclass
class BatchProgress:
    """A batch and how far its items have come."""

    id: int
    project_id: int
    name: str
    note: str
    due_date: date | None
    created_by: int | None
    created_at: datetime
    completed_at: datetime | None
    states: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Items in the batch."""
        return sum(self.states.values())

    @property
    def done(self) -> int:
        """Items accepted or delivered."""
        return sum(self.states.get(s, 0) for s in DONE_STATES)

    @property
    def overdue(self) -> bool:
        """Past its due date with items still open."""
        return bool(self.due_date and self.due_date < utcnow().date() and self.done < self.total)


def check_details(name: str | None, note: str | None) -> tuple[str, str]:
    """A batch's name and note, trimmed and checked."""
    name = (name or "").strip()
    note = (note or "").strip()
    if len(name) > MAX_NAME:
        raise Invalid(f"batch name: at most {MAX_NAME} characters (got {len(name)})")
    if len(note) > MAX_NOTE:
        raise Invalid(f"batch note: at most {MAX_NOTE} characters (got {len(note)})")
    return name, note


def check_due(due_date: date | None, *, today: date | None = None) -> date | None:
    """A new due date, which must not lie in the past."""
    today = today or utcnow().date()
    if due_date is not None and due_date < today:
        raise Invalid(f"due date {due_date.isoformat()} is in the past (today is {today})")
    return due_date


def upload_batch(
    ctx: Context,
    user: User,
    project_id: int,
    paths: Iterable[Path],
    *,
    name: str,
    note: str = "",
    due_date: date | None = None,
) -> ImportReport:
    """Import files as one named batch with its requirements (clients and managers)."""
    name, note = check_details(name, note)
    due_date = check_due(due_date)
    if not name:
        raise Invalid("batch name: name the batch so the team can refer to it")
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.UPLOAD)
    return import_paths(
        ctx,
        project_id,
        list(paths),
        user_id=user.id,
        batch_name=name,
        batch_note=note,
        due_date=due_date,
    )


def _progress_of(sess: Session, found: list[Batch]) -> list[BatchProgress]:
    out = {
        b.id: BatchProgress(
            b.id,
            b.project_id,
            b.name,
            b.note,
            b.due_date,
            b.created_by,
            b.created_at,
            b.completed_at,
        )
        for b in found
    }
    if not out:
        return []
    rows = sess.execute(
        select(Item.batch_id, Item.state, func.count())
        .where(Item.project_id == found[0].project_id, Item.batch_id.in_(list(out)))
        .group_by(Item.batch_id, Item.state)
    )
    for batch_id, state, count in rows:
        out[batch_id].states[state] = count
    return list(out.values())


def list_progress(sess: Session, user: User, project_id: int) -> list[BatchProgress]:
    """Every batch of the project with its items per state, newest first (any member)."""
    projects.require(sess, user, project_id, projects.READ)
    found = list(
        sess.scalars(select(Batch).where(Batch.project_id == project_id).order_by(Batch.id.desc()))
    )
    return _progress_of(sess, found)


def get_batch(sess: Session, project_id: int, batch_id: int) -> Batch:
    """A batch of the project, or NotFound."""
    batch = sess.get(Batch, batch_id)
    if batch is None or batch.project_id != project_id:
        raise NotFound(f"batch {batch_id} does not exist in project {project_id}")
    return batch


def batch_progress(sess: Session, user: User, project_id: int, batch_id: int) -> BatchProgress:
    """One batch with its items per state (any member)."""
    projects.require(sess, user, project_id, projects.READ)
    return _progress_of(sess, [get_batch(sess, project_id, batch_id)])[0]


def update_batch(
    ctx: Context,
    user: User,
    project_id: int,
    batch_id: int,
    *,
    name: str | None = None,
    note: str | None = None,
    due_date: date | None = None,
    clear_due: bool = False,
) -> BatchProgress:
    """Rename a batch or change its note or due date (managers, or the client who sent it)."""
    with ctx.db.session() as sess:
        access = projects.require(sess, user, project_id, projects.UPLOAD)
        batch = get_batch(sess, project_id, batch_id)
        own = access.role == ProjectRole.client and batch.created_by == user.id
        if not (user.is_admin or access.role == ProjectRole.manager or own):
            raise Forbidden(
                f"batch {batch_id}: only managers and the client who sent it may edit it"
            )
        new_name, new_note = check_details(
            batch.name if name is None else name, batch.note if note is None else note
        )
        if not new_name:
            raise Invalid("batch name: must not be empty")
        batch.name, batch.note = new_name, new_note
        if clear_due:
            batch.due_date = None
        elif due_date is not None:
            batch.due_date = check_due(due_date)
        sess.flush()
        return _progress_of(sess, [batch])[0]
