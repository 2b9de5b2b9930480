"""Pre-labeling jobs: predictions stored per model and run, idempotent reruns, clear refusals."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage
from skimage import data
from sqlalchemy import select

from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shapes import BBox
from labelwright.hookspecs import hookimpl
from labelwright.models.protocol import ModelEntry, ModelSpec, Prediction, PredictOptions
from labelwright.models.registry import default_registry
from labelwright.services import jobs, projects, users
from labelwright.services.errors import Invalid
from labelwright.services.intake import import_paths
from labelwright.services.labelschema import append_schema
from labelwright.services.prelabel import PrelabelRequest, queue_prelabel, uncertainty
from labelwright.store.tables import Item
from labelwright.store.tables import Prediction as PredictionRow

SCHEMA = LabelSchema(
    classes=[LabelClass(id="face", name="Face", color="#ff0000", shape_kinds=["bbox"])]
)
TOY = ModelSpec(
    name="toy-boxes", description="a box at the top left", labels=("face",), kinds=("bbox",)
)


class ToyModel:
    """One half-sure box per image, so active learning has something to rank."""

    spec = TOY

    def __init__(self, **settings) -> None:
        self.score = float(settings.get("score", 0.5))

    def predict(self, images, options: PredictOptions) -> list[list[Prediction]]:
        return [[Prediction("face", BBox(x=1, y=1, w=10, h=10), self.score)] for _ in images]


class ToyPlugin:
    @hookimpl
    def labelwright_models(self) -> list[ModelEntry]:
        return [ModelEntry("toy-boxes", f"{__name__}:ToyModel", TOY)]


@pytest.fixture(scope="module", autouse=True)
def toy_registered():
    registry = default_registry()
    if "toy-boxes" not in registry.names():
        registry.register(ToyPlugin(), name="toy-boxes-plugin")


def _project(ctx, tmp_path: Path, photos=("astronaut", "camera", "coffee")):
    with ctx.db.session() as sess:
        boss = users.create_user(sess, "boss", "a long enough password", is_admin=True)
        project = projects.create_project(sess, "faces", creator=boss)
        append_schema(sess, project.id, SCHEMA, 1, boss)
        project_id = project.id
    paths = []
    for name in photos:
        pixels = getattr(data, name)()
        if pixels.ndim == 2:
            pixels = np.stack([pixels] * 3, axis=-1)
        path = tmp_path / f"{name}.png"
        PILImage.fromarray(pixels).save(path)
        paths.append(path)
    import_paths(ctx, project_id, paths)
    return boss, project_id


def _predictions(ctx, model: str) -> list[PredictionRow]:
    with ctx.db.session(readonly=True) as sess:
        return list(sess.scalars(select(PredictionRow).where(PredictionRow.model == model)))


def _run(ctx, boss, project_id, request: PrelabelRequest):
    job_id = queue_prelabel(ctx, boss, project_id, request)
    return jobs.run_inline(ctx, job_id)


def test_a_job_stores_predictions_and_a_rerun_adds_nothing(any_ctx, tmp_path):
    boss, project_id = _project(any_ctx, tmp_path)
    job = _run(any_ctx, boss, project_id, PrelabelRequest(model="toy-boxes", executor="inline"))
    assert job.state == "done", job.error
    assert job.result["images"] == 3 and job.result["objects"] == 3 and job.done == 3
    stored = _predictions(any_ctx, "toy-boxes")
    assert len(stored) == 3 and {p.run for p in stored} == {"1"}
    assert stored[0].body["objects"][0]["source"] == "model:toy-boxes"
    with any_ctx.db.session(readonly=True) as sess:
        assert {i.state for i in sess.scalars(select(Item))} == {"prelabeled"}
    again = _run(any_ctx, boss, project_id, PrelabelRequest(model="toy-boxes", executor="inline"))
    assert again.state == "done" and again.result.get("images", 0) == 0
    assert len(_predictions(any_ctx, "toy-boxes")) == 3


def test_active_learning_ranks_unsure_items_first(ctx, tmp_path):
    boss, project_id = _project(ctx, tmp_path, photos=("astronaut",))
    request = PrelabelRequest(
        model="toy-boxes", executor="inline", active_learning=True, settings={"score": 0.6}
    )
    assert _run(ctx, boss, project_id, request).state == "done"
    with ctx.db.session(readonly=True) as sess:
        assert sess.scalars(select(Item.priority)).one() == pytest.approx(uncertainty([0.6]))
    assert uncertainty([0.5]) == 1.0 and uncertainty([1.0, 0.0]) == 0.0 and uncertainty([]) == 0.0


@pytest.mark.parametrize(
    ("request_", "message"),
    [
        (PrelabelRequest(model="no-such-model"), "no-such-model"),
        (PrelabelRequest(model="grabcut"), "interactive"),
        (PrelabelRequest(model="toy-boxes", min_score=2), "min_score"),
        (PrelabelRequest(model="toy-boxes", states=("done",)), "unknown item states"),
        (PrelabelRequest(model="toy-boxes", label_map={"face": "nope"}), "nope"),
    ],
)
def test_bad_requests_are_refused_before_queueing(ctx, tmp_path, request_, message):
    boss, project_id = _project(ctx, tmp_path, photos=("camera",))
    with pytest.raises(Invalid, match=message):
        queue_prelabel(ctx, boss, project_id, request_)


@pytest.mark.skipif(importlib.util.find_spec("cv2") is None, reason="needs labelwright[models]")
def test_the_haar_face_model_on_a_local_pool_finds_the_astronaut(ctx, tmp_path):
    boss, project_id = _project(ctx, tmp_path, photos=("astronaut", "coffee"))
    request = PrelabelRequest(model="haar-faces", executor="local", workers=2, batch_size=1)
    job = _run(ctx, boss, project_id, request)
    assert job.state == "done", job.error
    counts = {}
    with ctx.db.session(readonly=True) as sess:
        for prediction in sess.scalars(select(PredictionRow)):
            counts[sess.get(Item, prediction.item_id).file_name] = prediction.object_count
    assert counts["astronaut.png"] >= 1 and counts["coffee.png"] == 0


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is None or importlib.util.find_spec("cv2") is None,
    reason="needs labelwright[ray,models]",
)
def test_the_same_job_on_a_local_ray_cluster(ctx, tmp_path):
    import ray

    boss, project_id = _project(ctx, tmp_path, photos=("astronaut", "coffee", "camera"))
    request = PrelabelRequest(model="haar-faces", executor="ray", workers=2)
    try:
        job = _run(ctx, boss, project_id, request)
    finally:
        ray.shutdown()
    assert job.state == "done", job.error
    assert job.result["executor"] == "ray" and job.result["images"] == 3
