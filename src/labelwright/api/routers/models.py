"""Models: the catalog, pre-labeling jobs, and the editor's assist tools."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from labelwright.api.deps import current_user, get_ctx, wake_runner
from labelwright.api.schemas import JobOut
from labelwright.domain.shapes import BBox, Point
from labelwright.models.protocol import Prompt
from labelwright.services import assist, prelabel
from labelwright.services.context import Context
from labelwright.store.tables import Job, User

router = APIRouter(tags=["models"])
PROJECT = "/api/projects/{project_id}"


class ModelOut(BaseModel):
    """A registered model: what it emits and whether this installation can run it."""

    name: str
    kind: str
    description: str
    labels: list[str]
    kinds: list[str]
    skeleton: list[str]
    version: str
    available: bool
    missing: list[str]
    extra: str | None


class PrelabelIn(BaseModel):
    """Which model to run on which items; predictions are stored per model and run."""

    model: str = Field(max_length=200)
    run: str = Field("", max_length=200, description="run name (default: the model version)")
    settings: dict[str, Any] = Field(
        default_factory=dict, description="model settings; file paths are inside <data>/models"
    )
    states: list[str] = Field(default_factory=list, description="only items in these states")
    item_ids: list[int] = Field(default_factory=list, max_length=100_000)
    min_score: float = Field(0.25, ge=0, le=1)
    labels: list[str] = Field(default_factory=list, description="only these model labels")
    label_map: dict[str, str | None] = Field(
        default_factory=dict, description="model label -> class id (null drops the label)"
    )
    batch_size: int = Field(8, ge=1, le=256)
    executor: str | None = Field(None, pattern="^(local|ray|inline)$")
    active_learning: bool = Field(False, description="rank items by model uncertainty")


class SegmentIn(BaseModel):
    """A box and/or clicks on the item's image; the answer is a mask and its outline."""

    model: str = Field("grabcut", max_length=200)
    box: BBox | None = None
    positive: list[Point] = Field(default_factory=list, max_length=100)
    negative: list[Point] = Field(default_factory=list, max_length=100)


class SegmentOut(BaseModel):
    """A mask as COCO RLE and its outline rings (first outer, then holes)."""

    model: str
    score: float
    rle: dict[str, Any]
    rings: list[list[Point]]


class PredictIn(BaseModel):
    """Run a batch model on this item now (or find copies of an example box)."""

    model: str = Field(max_length=200)
    min_score: float = Field(0.25, ge=0, le=1)
    example: BBox | None = Field(None, description="for find-similar: the example box")
    class_id: str | None = Field(
        None, max_length=200, description="for find-similar: the class its boxes get"
    )


class PredictOut(BaseModel):
    """The stored prediction; fetch it with the item's predictions."""

    prediction_id: int


@router.get("/api/models", response_model=list[ModelOut])
def list_models(user: User = Depends(current_user)) -> list[ModelOut]:
    """Every registered model, with what it emits and the extra that installs it."""
    return [ModelOut(**m) for m in prelabel.model_catalog()]


@router.post(PROJECT + "/prelabel", response_model=JobOut, status_code=202)
def start_prelabel(
    project_id: int,
    body: PrelabelIn,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> JobOut:
    """Queue a pre-labeling job (managers); watch it at /jobs/{job_id}, cancel it there."""
    wanted = prelabel.PrelabelRequest.of(body.model_dump())
    job_id = prelabel.queue_prelabel(ctx, user, project_id, wanted, confine=True)
    wake_runner(request)
    with ctx.db.session(readonly=True) as sess:
        return JobOut.of(sess.get(Job, job_id))


@router.post(PROJECT + "/items/{item_id}/segment", response_model=SegmentOut)
def segment_item(
    project_id: int,
    item_id: int,
    body: SegmentIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> SegmentOut:
    """Interactive segmentation: the object a box and clicks point at, as mask and polygon."""
    prompt = Prompt(box=body.box, positive=list(body.positive), negative=list(body.negative))
    answer = assist.segment(ctx, user, project_id, item_id, prompt, model=body.model)
    return SegmentOut(**answer)


@router.post(PROJECT + "/items/{item_id}/predict", response_model=PredictOut, status_code=201)
def predict_item(
    project_id: int,
    item_id: int,
    body: PredictIn,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> PredictOut:
    """Run a model on this item now; the result is stored as a prediction to accept or reject."""
    made = assist.predict_item(
        ctx,
        user,
        project_id,
        item_id,
        model=body.model,
        min_score=body.min_score,
        example_box=body.example,
        class_id=body.class_id,
    )
    return PredictOut(prediction_id=made)


class SimilarIn(BaseModel):
    """An example box on this item, and the class its look-alikes get."""

    box: BBox
    class_id: str = Field(max_length=200)
    threshold: float = Field(0.7, gt=0, le=1, description="how alike (normalised correlation)")


@router.post(PROJECT + "/items/{item_id}/find-similar", response_model=JobOut, status_code=202)
def find_similar_in_project(
    project_id: int,
    item_id: int,
    body: SimilarIn,
    request: Request,
    user: User = Depends(current_user),
    ctx: Context = Depends(get_ctx),
) -> JobOut:
    """Look for the example box's object in every item of the project (managers): a job
    whose boxes are stored as predictions of `find-similar`, to accept or reject."""
    job_id = assist.find_similar_across(
        ctx,
        user,
        project_id,
        item_id,
        box=body.box,
        class_id=body.class_id,
        threshold=body.threshold,
    )
    wake_runner(request)
    with ctx.db.session(readonly=True) as sess:
        return JobOut.of(sess.get(Job, job_id))
