"""AI assist in the editor: segment from clicks, run a model on one item, find similar objects.

These answer one person on one image while they wait, so they run in the server process
on a model kept warm per process (a few at most, keyed by name and settings).
"""

from __future__ import annotations

import base64
import io
import json
from functools import lru_cache
from typing import Any

from PIL import Image as PILImage

from labelwright.domain.roles import ProjectRole
from labelwright.domain.shapes import BBox
from labelwright.models.mapping import PredictionMapper
from labelwright.models.masks import mask_to_rle
from labelwright.models.protocol import ModelError, PredictOptions, Prompt
from labelwright.models.registry import get_model_entry, load_model
from labelwright.models.run import load_rgb
from labelwright.services import predictions, projects
from labelwright.services.context import Context
from labelwright.services.errors import Invalid
from labelwright.services.items import item_with_image
from labelwright.services.labelschema import current_schema
from labelwright.services.prelabel import PrelabelRequest, confine_paths, queue_prelabel
from labelwright.store.tables import User, utcnow

ASSISTANTS = frozenset({ProjectRole.manager, ProjectRole.annotator, ProjectRole.reviewer})


@lru_cache(maxsize=4)
def _warm(name: str, settings_json: str) -> Any:
    return load_model(name, json.loads(settings_json))


def _model(ctx: Context, name: str, settings: dict[str, Any], kind: str) -> Any:
    try:
        entry = get_model_entry(name)
    except ModelError as exc:
        raise Invalid(str(exc)) from None
    if entry.kind != kind:
        raise Invalid(f"model {name!r} is a {entry.kind} model, not {kind}")
    try:
        return _warm(name, json.dumps(confine_paths(ctx, settings), sort_keys=True))
    except ModelError as exc:
        raise Invalid(f"model {name!r}: {exc}") from None


def _pixels(ctx: Context, user: User, project_id: int, item_id: int) -> Any:
    """The item's image as RGB pixels (after EXIF orientation), for the caller to work on."""
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, ASSISTANTS)
        _, image = item_with_image(sess, project_id, item_id)
        key = image.blob_key
    try:
        return load_rgb(ctx.blobs.read_bytes(key))
    except ModelError as exc:
        raise Invalid(f"item {item_id}: {exc}") from None


def segment(
    ctx: Context,
    user: User,
    project_id: int,
    item_id: int,
    prompt: Prompt,
    *,
    model: str = "grabcut",
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A mask (COCO RLE) and outline rings for the object a box and clicks point at."""
    interactive = _model(ctx, model, settings or {}, "interactive")
    pixels = _pixels(ctx, user, project_id, item_id)
    try:
        answer = interactive.segment(pixels, prompt, PredictOptions())
    except ModelError as exc:
        raise Invalid(f"item {item_id}: {exc}") from None
    encoded = mask_to_rle(answer.mask).rle.model_dump()
    return {"rings": answer.rings, "rle": encoded, "score": answer.score, "model": model}


def predict_item(
    ctx: Context,
    user: User,
    project_id: int,
    item_id: int,
    *,
    model: str,
    min_score: float = 0.25,
    settings: dict[str, Any] | None = None,
    example_box: BBox | None = None,
    class_id: str | None = None,
) -> int:
    """Run a model on one item now and keep the answer as a prediction; returns its id.

    For find-similar, `example_box` is the example on this very image and `class_id` the
    class the found boxes get.
    """
    if not 0 <= min_score <= 1:
        raise Invalid(f"min_score {min_score}: must be between 0 and 1")
    settings = dict(settings or {})
    pixels = _pixels(ctx, user, project_id, item_id)
    with ctx.db.session(readonly=True) as sess:
        schema = current_schema(sess, project_id).schema
    if example_box is not None:
        settings = {**settings, "example": pixels, "box": example_box.model_dump()}
        if class_id is not None:
            chosen = schema.class_by_id(class_id)
            if chosen is None:
                raise Invalid(f"class {class_id!r} is not in the project's schema")
            settings["label"] = chosen.name
        try:
            runner = load_model(model, settings)
        except ModelError as exc:
            raise Invalid(f"model {model!r}: {exc}") from None
    else:
        runner = _model(ctx, model, settings, "batch")
    try:
        [found] = runner.predict([pixels], PredictOptions(min_score=min_score))
    except ModelError as exc:
        raise Invalid(f"item {item_id}: {exc}") from None
    objects = PredictionMapper(schema, runner.spec, model_name=model).to_objects(found).objects
    body = {"objects": [o.model_dump(mode="json") for o in objects]}
    run = f"assist-{utcnow().strftime('%Y%m%dT%H%M%S.%f')}"
    made = predictions.add_prediction(
        ctx, user, project_id, item_id, model=model, run=run, body=body, roles=ASSISTANTS
    )
    return made.id


def find_similar_across(
    ctx: Context,
    user: User,
    project_id: int,
    item_id: int,
    *,
    box: BBox,
    class_id: str,
    threshold: float = 0.7,
) -> int:
    """Queue a job proposing boxes of `class_id` wherever the example box's object appears in
    the project's other items (managers); returns the job id."""
    pixels = _pixels(ctx, user, project_id, item_id)
    with ctx.db.session(readonly=True) as sess:
        chosen = current_schema(sess, project_id).schema.class_by_id(class_id)
    if chosen is None:
        raise Invalid(f"class {class_id!r} is not in the project's schema")
    x0, y0 = max(0, int(box.x)), max(0, int(box.y))
    x1 = min(pixels.shape[1], round(box.x + box.w))
    y1 = min(pixels.shape[0], round(box.y + box.h))
    if x1 - x0 < 4 or y1 - y0 < 4:
        raise Invalid(f"item {item_id}: the example box is off the image or under 4 pixels")
    crop = io.BytesIO()
    PILImage.fromarray(pixels[y0:y1, x0:x1]).save(crop, "PNG")
    settings = {
        # The example travels inline, so workers anywhere (Ray) can read it.
        "example_b64": base64.b64encode(crop.getvalue()).decode(),
        "box": {"x": 0, "y": 0, "w": x1 - x0, "h": y1 - y0},
        "label": chosen.name,
        "threshold": threshold,
    }
    run = f"similar-{item_id}-{utcnow().strftime('%Y%m%dT%H%M%S')}"
    request = PrelabelRequest(model="find-similar", run=run, settings=settings)
    return queue_prelabel(ctx, user, project_id, request)
