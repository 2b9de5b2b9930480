"""Team and project figures: throughput, active time, rejections, gold accuracy, agreement.

Everything is computed from what the store already keeps (submitted annotations, leases
with their active editing time, review decisions, gold answers, overlap agreements), so
the report is always current and needs no bookkeeping of its own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select

from labelwright.domain.roles import ProjectRole
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.quality.gold import GoldScore, score_against_gold, total_gold_score
from labelwright.services import projects
from labelwright.services.annotations import head_of
from labelwright.services.context import Context
from labelwright.store.tables import (
    Annotation,
    Assignment,
    GoldAnswer,
    Item,
    ItemAgreementRow,
    Review,
    User,
)

READERS = frozenset({ProjectRole.manager, ProjectRole.reviewer})


@dataclass
class PersonFigures:
    """One annotator's work and quality in a project."""

    user_id: int
    username: str
    items: int = 0
    objects: int = 0
    active_hours: float = 0.0
    reviewed: int = 0
    rejected: int = 0
    gold_items: int = 0
    gold_f1: float | None = None
    gold_mean_iou: float | None = None
    agreement: float | None = None

    @property
    def items_per_hour(self) -> float | None:
        """Submitted items per hour of active editing."""
        return self.items / self.active_hours if self.active_hours > 0 else None

    @property
    def objects_per_hour(self) -> float | None:
        """Submitted objects per hour of active editing."""
        return self.objects / self.active_hours if self.active_hours > 0 else None

    @property
    def rejection_rate(self) -> float | None:
        """Share of this person's reviewed items that were rejected."""
        return self.rejected / self.reviewed if self.reviewed else None

    def as_dict(self) -> dict[str, Any]:
        """Plain data, derived figures included."""
        return {
            **asdict(self),
            "items_per_hour": self.items_per_hour,
            "objects_per_hour": self.objects_per_hour,
            "rejection_rate": self.rejection_rate,
        }


@dataclass
class DayFigures:
    """What happened in a project on one day (UTC)."""

    day: str
    submitted: int = 0
    accepted: int = 0
    rejected: int = 0

    @property
    def acceptance(self) -> float | None:
        """Accepted share of the day's decisions."""
        decided = self.accepted + self.rejected
        return self.accepted / decided if decided else None


@dataclass
class ProjectReport:
    """The whole report."""

    project_id: int
    states: dict[str, int] = field(default_factory=dict)
    people: list[PersonFigures] = field(default_factory=list)
    days: list[DayFigures] = field(default_factory=list)
    agreement: float | None = None
    agreement_items: int = 0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for the API."""
        return {
            "project_id": self.project_id,
            "states": self.states,
            "people": [p.as_dict() for p in self.people],
            "days": [{**asdict(d), "acceptance": d.acceptance} for d in self.days],
            "agreement": self.agreement,
            "agreement_items": self.agreement_items,
        }


def _day(value) -> str:
    return (value.date() if hasattr(value, "date") else date.fromisoformat(str(value))).isoformat()


def _people(sess, project_id: int) -> dict[int, PersonFigures]:
    people: dict[int, PersonFigures] = {}
    rows = sess.execute(
        select(Annotation.user_id, User.username, func.count(), func.sum(Annotation.object_count))
        .join(User, User.id == Annotation.user_id)
        .where(Annotation.project_id == project_id, Annotation.submitted.is_(True))
        .group_by(Annotation.user_id, User.username)
    )
    for user_id, username, items, objects in rows:
        people[user_id] = PersonFigures(user_id, username, items=items, objects=int(objects or 0))
    active = sess.execute(
        select(Assignment.user_id, func.sum(Assignment.active_seconds))
        .where(Assignment.project_id == project_id, Assignment.kind == "annotate")
        .group_by(Assignment.user_id)
    )
    for user_id, seconds in active:
        if user_id in people:
            people[user_id].active_hours = float(seconds or 0.0) / 3600.0
    return people


def _reviews(sess, project_id: int, people: dict[int, PersonFigures]) -> list[DayFigures]:
    # A decision on an item counts for each person who submitted work on it.
    authors: dict[int, list[int]] = defaultdict(list)
    for item_id, user_id in sess.execute(
        select(Annotation.item_id, Annotation.user_id).where(
            Annotation.project_id == project_id, Annotation.submitted.is_(True)
        )
    ):
        authors[item_id].append(user_id)
    days: dict[str, DayFigures] = {}
    for item_id, decision, created in sess.execute(
        select(Review.item_id, Review.decision, Review.created_at).where(
            Review.project_id == project_id
        )
    ):
        day = days.setdefault(_day(created), DayFigures(_day(created)))
        setattr(day, decision + "ed", getattr(day, decision + "ed") + 1)
        for user_id in authors.get(item_id, []):
            if user_id in people:
                people[user_id].reviewed += 1
                people[user_id].rejected += decision == "reject"
    for updated in sess.scalars(
        select(Annotation.updated_at).where(
            Annotation.project_id == project_id, Annotation.submitted.is_(True)
        )
    ):
        days.setdefault(_day(updated), DayFigures(_day(updated))).submitted += 1
    return [days[k] for k in sorted(days)]


def _gold(sess, project_id: int, people: dict[int, PersonFigures]) -> None:
    scores: dict[int, list[GoldScore]] = defaultdict(list)
    golds = {
        g.item_id: AnnotationDoc.model_validate(g.body)
        for g in sess.scalars(select(GoldAnswer).where(GoldAnswer.project_id == project_id))
    }
    if not golds:
        return
    answers = sess.scalars(
        select(Annotation).where(Annotation.item_id.in_(golds), Annotation.submitted.is_(True))
    )
    for answer in answers:
        doc = AnnotationDoc.model_validate(head_of(sess, answer).body or {})
        scores[answer.user_id].append(score_against_gold(doc, golds[answer.item_id]))
    for user_id, found in scores.items():
        if user_id in people:
            total = total_gold_score(found)
            person = people[user_id]
            person.gold_items, person.gold_f1 = len(found), total.f1
            person.gold_mean_iou = total.mean_iou


def _agreement(sess, project_id: int, people: dict[int, PersonFigures], report) -> None:
    rows = sess.execute(
        select(ItemAgreementRow.score, ItemAgreementRow.per_user).where(
            ItemAgreementRow.project_id == project_id
        )
    ).all()
    if not rows:
        return
    report.agreement = sum(score for score, _ in rows) / len(rows)
    report.agreement_items = len(rows)
    mine: dict[int, list[float]] = defaultdict(list)
    for _, per_user in rows:
        for user_id, score in (per_user or {}).items():
            mine[int(user_id)].append(float(score))
    for user_id, found in mine.items():
        if user_id in people:
            people[user_id].agreement = sum(found) / len(found)


def project_report(ctx: Context, user: User, project_id: int) -> ProjectReport:
    """Per-person and per-day figures of a project (managers and reviewers)."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, READERS)
        report = ProjectReport(project_id)
        report.states = dict(
            sess.execute(
                select(Item.state, func.count())
                .where(Item.project_id == project_id)
                .group_by(Item.state)
            ).all()
        )
        people = _people(sess, project_id)
        report.days = _reviews(sess, project_id, people)
        _gold(sess, project_id, people)
        _agreement(sess, project_id, people, report)
        report.people = sorted(people.values(), key=lambda p: p.username)
    return report
