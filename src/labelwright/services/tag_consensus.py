"""Image tags agreed across a project with Dawid–Skene, and each person's error rates.

A per-item vote cannot tell a careful annotator from a careless one; Dawid–Skene learns
how often each person gives each option for each true option, over every overlap item of
the project at once, and weighs their answers by it. Single-choice tag groups only (a
multi-choice group is a set of yes/no questions, which majority per option answers).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select

from labelwright.domain.roles import ProjectRole
from labelwright.domain.schema import TagGroup
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.quality.dawid_skene import dawid_skene, majority_vote
from labelwright.services import projects
from labelwright.services.annotations import head_of
from labelwright.services.consensus import CONSENSUS_MODEL
from labelwright.services.context import Context
from labelwright.services.labelschema import current_schema
from labelwright.store.tables import Annotation, Prediction, User, utcnow

READERS = frozenset({ProjectRole.manager, ProjectRole.reviewer})


@dataclass
class GroupConsensus:
    """One tag group's estimate: per item the option, per person the error rates."""

    group_id: str
    options: list[str]
    items: dict[int, dict[str, Any]] = field(default_factory=dict)
    """item id -> {option, confidence, majority}"""
    annotators: dict[int, dict[str, Any]] = field(default_factory=dict)
    """user id -> {accuracy, confusion (rows: true option, columns: given option), answers}"""
    iterations: int = 0
    converged: bool = True

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON keys are strings)."""
        return {
            "group_id": self.group_id,
            "options": self.options,
            "items": {str(k): v for k, v in self.items.items()},
            "annotators": {str(k): v for k, v in self.annotators.items()},
            "iterations": self.iterations,
            "converged": self.converged,
        }


def _answers(sess, project_id: int) -> dict[int, dict[int, AnnotationDoc]]:
    """Submitted annotations of items that more than one person answered: item -> user -> doc."""
    by_item: dict[int, dict[int, AnnotationDoc]] = {}
    rows = sess.scalars(
        select(Annotation).where(
            Annotation.project_id == project_id, Annotation.submitted.is_(True)
        )
    )
    for annotation in rows:
        body = head_of(sess, annotation).body or {}
        by_item.setdefault(annotation.item_id, {})[annotation.user_id] = (
            AnnotationDoc.model_validate(body)
        )
    return {item: docs for item, docs in by_item.items() if len(docs) > 1}


def _group(group: TagGroup, answers: dict[int, dict[int, AnnotationDoc]]) -> GroupConsensus:
    options = [o.id for o in group.options]
    index = {o: i for i, o in enumerate(options)}
    items = sorted(answers)
    people = sorted({u for docs in answers.values() for u in docs})
    column = {u: j for j, u in enumerate(people)}
    labels = np.full((len(items), len(people)), -1, dtype=int)
    for i, item in enumerate(items):
        for user_id, doc in answers[item].items():
            chosen = doc.tags.get(group.id, [])
            if len(chosen) == 1 and chosen[0] in index:
                labels[i, column[user_id]] = index[chosen[0]]
    answered = (labels >= 0).sum(axis=1) > 0
    out = GroupConsensus(group.id, options)
    if not answered.any():
        return out
    labels, items = labels[answered], [it for it, keep in zip(items, answered, strict=True) if keep]
    result = dawid_skene(labels, len(options))
    majority = majority_vote(labels, len(options))
    out.iterations, out.converged = result.iterations, result.converged
    for i, item in enumerate(items):
        out.items[item] = {
            "option": options[int(result.labels[i])],
            "confidence": round(float(result.posteriors[i].max()), 4),
            "majority": options[int(majority[i])] if majority[i] >= 0 else None,
        }
    for j, user_id in enumerate(people):
        given = int((labels[:, j] >= 0).sum())
        if not given:
            continue
        confusion = result.confusion[j]
        accuracy = float(np.sum(np.diag(confusion) * result.priors))
        out.annotators[user_id] = {
            "accuracy": round(accuracy, 4),
            "confusion": np.round(confusion, 4).tolist(),
            "answers": given,
        }
    return out


def tag_consensus(ctx: Context, user: User, project_id: int) -> list[GroupConsensus]:
    """Dawid–Skene over every single-choice tag group of the project's overlap items."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, READERS)
        schema = current_schema(sess, project_id).schema
        answers = _answers(sess, project_id)
    return [_group(g, answers) for g in schema.tag_groups if not g.multiple]


def apply_tag_consensus(ctx: Context, user: User, project_id: int) -> int:
    """Write the estimated tags into each item's consensus (a new consensus prediction run).

    Only items whose newest consensus disagrees with the estimate get a new run; returns
    how many did (0 when no overlap item has tag answers yet). Managers only.
    """
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
    estimates = tag_consensus(ctx, user, project_id)
    wanted: dict[int, dict[str, list[str]]] = {}
    for group in estimates:
        for item_id, estimate in group.items.items():
            wanted.setdefault(item_id, {})[group.group_id] = [estimate["option"]]
    run = f"tags-{utcnow().strftime('%Y%m%dT%H%M%S.%f')}"
    changed = 0
    with ctx.db.session() as sess:
        for item_id, tags in wanted.items():
            newest = sess.scalars(
                select(Prediction)
                .where(Prediction.item_id == item_id, Prediction.model == CONSENSUS_MODEL)
                .order_by(Prediction.id.desc())
                .limit(1)
            ).first()
            body = dict(newest.body) if newest is not None else {"objects": [], "relations": []}
            merged = {**(body.get("tags") or {}), **tags}
            if merged == (body.get("tags") or {}):
                continue
            body["tags"] = merged
            sess.add(
                Prediction(
                    project_id=project_id,
                    item_id=item_id,
                    model=CONSENSUS_MODEL,
                    run=run,
                    body=body,
                    object_count=len(body.get("objects") or []),
                )
            )
            changed += 1
    return changed
