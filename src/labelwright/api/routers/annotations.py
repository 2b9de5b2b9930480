"""Annotations (If-Match saves, history, restore) and model predictions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Header, Response
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx
from labelwright.services import annotations, items, predictions, projects
from labelwright.services.annotations import Head, RawJson, etag, parse_if_match
from labelwright.services.context import Context
from labelwright.services.errors import PreconditionRequired
from labelwright.store.tables import User

router = APIRouter(prefix="/api/projects/{project_id}", tags=["annotations"])
PRECONDITION = {
    412: {"description": "Stale revision: `error.details.current` holds the current one"},
    428: {"description": "If-Match is missing"},
}


class AnnotationOut(BaseModel):
    """An annotation's current revision; send `revision` back as If-Match: "rev-N"."""

    annotation_id: int | None
    item_id: int
    user_id: int
    revision: int
    submitted: bool
    body: dict[str, Any]


class RevisionOut(BaseModel):
    """One entry of an annotation's history."""

    number: int
    origin: str
    object_count: int
    created_by: int | None
    created_at: datetime


class PredictionIn(BaseModel):
    """A model's proposal: the same body as an annotation, with scores."""

    model: str
    run: str
    body: dict[str, Any]


class PredictionOut(BaseModel):
    """A stored prediction."""

    id: int
    item_id: int
    model: str
    run: str
    object_count: int
    created_at: datetime
    body: dict[str, Any]


class AcceptIn(BaseModel):
    """Which of a prediction's objects to take: those scoring at least min_score."""

    min_score: float = Field(0.0, ge=0.0, le=1.0)


def _model(head: Head) -> AnnotationOut:
    return AnnotationOut(**vars(head))


def _out(head: Head) -> Response:
    """One annotation as JSON with its ETag, encoded with orjson (bodies can be megabytes);
    a body still in its stored JSON text is copied in as it is, never parsed."""
    fields = {k: v for k, v in vars(head).items() if k != "body"}
    body = head.body
    encoded = body.text.encode() if isinstance(body, RawJson) else orjson.dumps(body)
    content = orjson.dumps(fields)[:-1] + b',"body":' + encoded + b"}"
    return Response(content, media_type="application/json", headers={"ETag": etag(head.revision)})


def expected_revision(if_match: str | None) -> int:
    """The revision an If-Match header names; 428 when the header is missing."""
    expected = parse_if_match(if_match)
    if expected is None:
        raise PreconditionRequired(
            'send If-Match with the revision you edited (e.g. If-Match: "rev-3"; "rev-0" '
            "for a first save), so a concurrent save is never overwritten"
        )
    return expected


@router.get("/items/{item_id}/annotations", response_model=list[AnnotationOut])
def list_item_annotations(
    project_id: int,
    item_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> list[AnnotationOut]:
    """The item's annotations the caller may see (annotators: only their own)."""
    with ctx.db.session(readonly=True) as sess:
        access = projects.require(sess, user, project_id, annotations.ANNOTATORS)
        return [_model(h) for h in annotations.item_annotations(sess, access, user, item_id)]


@router.get("/items/{item_id}/annotation", response_model=AnnotationOut)
def get_my_annotation(
    project_id: int,
    item_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """The caller's own annotation of the item (revision 0 and empty before the first save)."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, annotations.ANNOTATORS)
        items.item_with_image(sess, project_id, item_id)
        return _out(annotations.own_head(sess, item_id, user, raw=True))


@router.put("/items/{item_id}/annotation", response_model=AnnotationOut, responses=PRECONDITION)
def save_my_annotation(
    project_id: int,
    item_id: int,
    body: dict[str, Any],
    if_match: str | None = Header(None),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Save a new revision of the caller's annotation of the item (If-Match required)."""
    head = annotations.save(
        ctx, user, project_id, item_id=item_id, body=body, expected=expected_revision(if_match)
    )
    return _out(head)


@router.get("/annotations/{annotation_id}", response_model=AnnotationOut)
def get_annotation(
    project_id: int,
    annotation_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """An annotation by id (annotators: only their own)."""
    with ctx.db.session(readonly=True) as sess:
        access = projects.require(sess, user, project_id, annotations.ANNOTATORS)
        found = annotations.visible_annotation(sess, access, user, annotation_id)
        return _out(annotations.raw_head_of(sess, found))


@router.put("/annotations/{annotation_id}", response_model=AnnotationOut, responses=PRECONDITION)
def save_annotation(
    project_id: int,
    annotation_id: int,
    body: dict[str, Any],
    if_match: str | None = Header(None),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Save a new revision of an annotation (reviewers and managers may fix anyone's)."""
    head = annotations.save(
        ctx,
        user,
        project_id,
        annotation_id=annotation_id,
        body=body,
        expected=expected_revision(if_match),
    )
    return _out(head)


@router.get("/annotations/{annotation_id}/revisions", response_model=list[RevisionOut])
def list_revisions(
    project_id: int,
    annotation_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> list[RevisionOut]:
    """The annotation's history, newest first."""
    with ctx.db.session(readonly=True) as sess:
        access = projects.require(sess, user, project_id, annotations.ANNOTATORS)
        found = annotations.visible_annotation(sess, access, user, annotation_id)
        return [
            RevisionOut(
                number=r.number,
                origin=r.origin,
                object_count=r.object_count,
                created_by=r.created_by,
                created_at=r.created_at,
            )
            for r in annotations.history(sess, found)
        ]


@router.get("/annotations/{annotation_id}/revisions/{number}", response_model=dict[str, Any])
def get_revision(
    project_id: int,
    annotation_id: int,
    number: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> dict:
    """The body of one revision."""
    with ctx.db.session(readonly=True) as sess:
        access = projects.require(sess, user, project_id, annotations.ANNOTATORS)
        found = annotations.visible_annotation(sess, access, user, annotation_id)
        return annotations.revision_body(sess, found, number)


@router.post(
    "/annotations/{annotation_id}/revisions/{number}/restore",
    response_model=AnnotationOut,
    responses=PRECONDITION,
)
def restore_revision(
    project_id: int,
    annotation_id: int,
    number: int,
    if_match: str | None = Header(None),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Make an earlier revision current again, as a new revision (If-Match required)."""
    head = annotations.restore(
        ctx, user, project_id, annotation_id, number, expected_revision(if_match)
    )
    return _out(head)


def _prediction_out(p) -> PredictionOut:
    return PredictionOut(
        id=p.id,
        item_id=p.item_id,
        model=p.model,
        run=p.run,
        object_count=p.object_count,
        created_at=p.created_at,
        body=p.body,
    )


@router.get("/items/{item_id}/predictions", response_model=list[PredictionOut])
def list_predictions(
    project_id: int,
    item_id: int,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> list[PredictionOut]:
    """Every model prediction for the item."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, annotations.ANNOTATORS)
        items.item_with_image(sess, project_id, item_id)
        return [_prediction_out(p) for p in predictions.item_predictions(sess, project_id, item_id)]


@router.post("/items/{item_id}/predictions", response_model=PredictionOut, status_code=201)
def add_prediction(
    project_id: int,
    item_id: int,
    body: PredictionIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> PredictionOut:
    """Store a model's proposal for the item (managers and model tokens)."""
    made = predictions.add_prediction(
        ctx, user, project_id, item_id, model=body.model, run=body.run, body=body.body
    )
    return _prediction_out(made)


@router.post(
    "/predictions/{prediction_id}/accept", response_model=AnnotationOut, responses=PRECONDITION
)
def accept_prediction(
    project_id: int,
    prediction_id: int,
    body: AcceptIn,
    if_match: str | None = Header(None),
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> Response:
    """Add the prediction's objects (at or above min_score) to the caller's annotation."""
    head = predictions.accept(
        ctx,
        user,
        project_id,
        prediction_id,
        min_score=body.min_score,
        expected=expected_revision(if_match),
    )
    return _out(head)
