"""Progress of a project: items per state, objects and items per class, work per annotator."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from labelwright.domain.roles import ProjectRole
from labelwright.services import projects
from labelwright.services.annotations import can_oversee
from labelwright.services.labelschema import current_schema
from labelwright.store.tables import Annotation, AnnotationClass, User


class StatsScope(StrEnum):
    """Whose annotations the class and annotator figures count."""

    everyone = "everyone"  # managers, reviewers, admins
    own = "own"  # annotators: never a window on other people's work
    classes = "classes"  # clients: project-wide class totals, nobody's personal figures


@dataclass(frozen=True)
class ClassCount:
    """Objects of one class in the current annotations, and the items holding them."""

    class_id: str
    name: str
    color: str
    objects: int
    items: int
    in_schema: bool


@dataclass(frozen=True)
class AnnotatorCount:
    """One person's annotations: items saved, items submitted, objects drawn."""

    user_id: int
    username: str
    display_name: str
    items: int
    submitted: int
    objects: int


@dataclass
class ProjectStats:
    """Everything the project page's progress charts show."""

    scope: StatsScope
    items: int
    states: dict[str, int]
    classes: list[ClassCount] = field(default_factory=list)
    annotators: list[AnnotatorCount] = field(default_factory=list)


def scope_for(access: projects.Access) -> StatsScope:
    """Which figures the caller may see, from their role."""
    if can_oversee(access):
        return StatsScope.everyone
    if access.role == ProjectRole.client:
        return StatsScope.classes
    return StatsScope.own


def class_counts(
    sess: Session, project_id: int, only_user_id: int | None = None
) -> list[ClassCount]:
    """Objects and items per class, schema classes first (in schema order, zeros included)."""
    stmt = (
        select(
            AnnotationClass.class_id,
            func.sum(AnnotationClass.count),
            func.count(func.distinct(AnnotationClass.item_id)),
        )
        .where(AnnotationClass.project_id == project_id)
        .group_by(AnnotationClass.class_id)
    )
    if only_user_id is not None:
        stmt = stmt.join(Annotation, Annotation.id == AnnotationClass.annotation_id).where(
            Annotation.user_id == only_user_id
        )
    counted = {cid: (int(objects or 0), int(items)) for cid, objects, items in sess.execute(stmt)}
    schema = current_schema(sess, project_id).schema
    out = [
        ClassCount(c.id, c.name, c.color, *counted.pop(c.id, (0, 0)), in_schema=True)
        for c in schema.classes
    ]
    # Objects of classes no longer in the schema (none after a remap, but older data may hold some).
    for cid in sorted(counted):
        out.append(ClassCount(cid, cid, "", *counted[cid], in_schema=False))
    return out


def annotator_counts(
    sess: Session, project_id: int, only_user_id: int | None = None
) -> list[AnnotatorCount]:
    """Saved annotations per person, most items first."""
    saved = Annotation.revision > 0
    items = func.sum(case((saved, 1), else_=0))
    stmt = (
        select(
            User.id,
            User.username,
            User.display_name,
            items,
            func.sum(case((saved & Annotation.submitted.is_(True), 1), else_=0)),
            func.sum(case((saved, Annotation.object_count), else_=0)),
        )
        .join(User, User.id == Annotation.user_id)
        .where(Annotation.project_id == project_id)
        .group_by(User.id, User.username, User.display_name)
        .having(items > 0)
        .order_by(items.desc(), User.username)
    )
    if only_user_id is not None:
        stmt = stmt.where(Annotation.user_id == only_user_id)
    return [
        AnnotatorCount(uid, name, display, int(n or 0), int(sub or 0), int(obj or 0))
        for uid, name, display, n, sub, obj in sess.execute(stmt)
    ]


def project_stats(sess: Session, user: User, project_id: int) -> ProjectStats:
    """The progress figures of a project, limited to what the caller's role may see."""
    access = projects.require(sess, user, project_id, projects.READ)
    scope = scope_for(access)
    states = projects.state_counts(sess, project_id)
    stats = ProjectStats(scope=scope, items=sum(states.values()), states=states)
    own = user.id if scope == StatsScope.own else None
    stats.classes = class_counts(sess, project_id, own)
    if scope != StatsScope.classes:
        stats.annotators = annotator_counts(sess, project_id, own)
    return stats
