"""Consensus for overlap items: when the last annotator submits, measure and merge.

The merged annotation is kept as a prediction of the model `consensus` (apart from
human work, like any proposal), the agreement is recorded per item and per person, and
an item whose annotators agree less than the project's threshold always goes to review.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.quality.agreement import item_agreement
from labelwright.quality.consensus import merge_annotations
from labelwright.services.annotations import head_of
from labelwright.services.labelschema import current_schema
from labelwright.store.tables import Annotation, Item, ItemAgreementRow, Prediction, Project

CONSENSUS_MODEL = "consensus"


def agreement_threshold(project: Project) -> float:
    """Overlap items agreeing less than this go to review whatever the sample says."""
    return min(1.0, max(0.0, float((project.settings or {}).get("agreement_threshold", 0.5))))


def _submitted(sess: Session, item_id: int) -> list[tuple[int, AnnotationDoc]]:
    rows = sess.scalars(
        select(Annotation)
        .where(Annotation.item_id == item_id, Annotation.submitted.is_(True))
        .order_by(Annotation.user_id)
    ).all()
    # An annotation with no saved body (submitted without a save) is an empty answer.
    return [(a.user_id, AnnotationDoc.model_validate(head_of(sess, a).body or {})) for a in rows]


def _per_user(result, people: list[int]) -> dict[str, float]:
    """Each person's mean agreement with the others, from the pairwise scores."""
    scores: dict[int, list[float]] = {p: [] for p in people}
    for (i, j), pair in result.pairs.items():
        scores[people[i]].append(pair.counts.score)
        scores[people[j]].append(pair.counts.score)
    return {str(p): sum(s) / len(s) for p, s in scores.items() if s}


def on_submitted(sess: Session, project: Project, item: Item, t: datetime) -> bool:
    """Merge and measure an overlap item's annotations; True when it must be reviewed."""
    answers = _submitted(sess, item.id)
    if len(answers) < 2:
        return False
    people = [user_id for user_id, _ in answers]
    schema = current_schema(sess, project.id).schema
    threshold = agreement_threshold(project)
    merged = merge_annotations(
        [doc for _, doc in answers], review_threshold=threshold, schema=schema
    )
    agreement = item_agreement([doc for _, doc in answers])
    row = sess.get(ItemAgreementRow, item.id) or ItemAgreementRow(
        item_id=item.id, project_id=project.id
    )
    row.score, row.annotators, row.computed_at = agreement.score, len(answers), t
    row.per_user = _per_user(agreement, people)
    sess.add(row)
    run = f"submit-{t.strftime('%Y%m%dT%H%M%S.%f')}"
    sess.add(
        Prediction(
            project_id=project.id,
            item_id=item.id,
            model=CONSENSUS_MODEL,
            run=run,
            body=merged.annotation.model_dump(mode="json"),
            object_count=len(merged.annotation.objects),
            created_at=t,
        )
    )
    return merged.needs_review or agreement.score < threshold
