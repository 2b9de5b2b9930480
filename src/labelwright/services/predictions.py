"""Model predictions: kept per model and run, apart from human work, and accepted on request."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from labelwright.domain.roles import ItemState, ProjectRole
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.services import annotations, projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, NotFound
from labelwright.services.items import item_with_image
from labelwright.store.tables import Prediction, User, utcnow

WRITERS = frozenset({ProjectRole.manager})
NAME_CHARS = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.:/@")


def check_name(label: str, value: str) -> str:
    """A model or run name, or Invalid: short, and safe in file names and URLs."""
    if not value or len(value) > 200 or not set(value) <= NAME_CHARS:
        raise Invalid(f"{label} {value!r}: use 1-200 letters, digits and - _ . : / @")
    return value


def add_prediction(
    ctx: Context,
    user: User,
    project_id: int,
    item_id: int,
    *,
    model: str,
    run: str,
    body: Any,
    roles: frozenset[ProjectRole] = WRITERS,
) -> Prediction:
    """Store a model's proposal for an item (validated like a save; one per model and run).

    Managers store predictions through the API; `roles` widens that for the editor's
    assist tools, which store what a model proposed for the person at work.
    """
    check_name("model", model)
    check_name("run", run)
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, roles)
        item, image = item_with_image(sess, project_id, item_id)
        doc = annotations.validate_for_image(sess, project_id, image, body)
        source = f"model:{model}"
        doc = doc.model_copy(
            update={"objects": [o.model_copy(update={"source": source}) for o in doc.objects]}
        )
        exists = sess.scalar(
            select(Prediction.id).where(
                Prediction.item_id == item_id, Prediction.model == model, Prediction.run == run
            )
        )
        if exists is not None:
            raise Invalid(f"item {item_id} already has a prediction of model {model!r} run {run!r}")
        prediction = Prediction(
            project_id=project_id,
            item_id=item_id,
            model=model,
            run=run,
            body=doc.model_dump(mode="json"),
            object_count=len(doc.objects),
        )
        sess.add(prediction)
        if item.state == ItemState.new:
            item.state = ItemState.prelabeled.value
            item.updated_at = utcnow()
        sess.flush()
        return prediction


def item_predictions(sess: Session, project_id: int, item_id: int) -> list[Prediction]:
    """Every prediction for an item, oldest first."""
    return list(
        sess.scalars(
            select(Prediction)
            .where(Prediction.project_id == project_id, Prediction.item_id == item_id)
            .order_by(Prediction.id)
        )
    )


def accept(
    ctx: Context,
    user: User,
    project_id: int,
    prediction_id: int,
    *,
    min_score: float,
    expected: int,
) -> annotations.Head:
    """Copy a prediction's objects scoring at least min_score into the caller's annotation.

    They are added to what the person already has, as a new revision; the prediction
    itself stays as it was.
    """
    if not 0.0 <= min_score <= 1.0:
        raise Invalid(f"min_score {min_score}: must be between 0 and 1")
    with ctx.db.session() as sess:
        projects.require(sess, user, project_id, annotations.ANNOTATORS)
        prediction = sess.get(Prediction, prediction_id)
        if prediction is None or prediction.project_id != project_id:
            raise NotFound(f"prediction {prediction_id} does not exist in project {project_id}")
        own = annotations.own_annotation(sess, project_id, prediction.item_id, user)
        current = AnnotationDoc.model_validate(annotations.head_of(sess, own).body)
        proposal = AnnotationDoc.model_validate(prediction.body)
        item_id = prediction.item_id
    taken = {o.id for o in current.objects}
    added = []
    for obj in proposal.objects:
        if obj.score is not None and obj.score < min_score:
            continue
        new_id = obj.id if obj.id not in taken else uuid.uuid4().hex
        taken.add(new_id)
        added.append(obj.model_copy(update={"id": new_id}))
    merged = current.model_copy(update={"objects": [*current.objects, *added]})
    return annotations.save(
        ctx,
        user,
        project_id,
        item_id=item_id,
        body=merged.model_dump(mode="json"),
        expected=expected,
        origin="predictions",
    )
