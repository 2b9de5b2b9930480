"""Segment Anything through ONNX: prompt encoding, plumbing, and refusing bad files.

The encoder and decoder here are tiny constant graphs with the real models' input and
output names, so the test checks what this code feeds and picks, not SAM's quality.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("cv2")

from labelwright.domain.shapes import BBox
from labelwright.models.protocol import ModelError, PredictOptions, Prompt
from labelwright.models.registry import load_model
from labelwright.models.sam import SamOnnx, encoder_input, prompt_points
from tests.models.onnx_graphs import constant_model, inputs_model

WIDTH, HEIGHT = 100, 80
IMAGE = np.full((HEIGHT, WIDTH, 3), 128, np.uint8)


@pytest.fixture
def sam_files(tmp_path: Path) -> tuple[Path, Path]:
    encoder = constant_model(
        tmp_path / "encoder.onnx",
        {"image_embeddings": np.ones((1, 8, 4, 4))},
        input_name="image",
        input_shape=(1, 3, 64, 64),
    )
    masks = np.full((1, 2, HEIGHT, WIDTH), -1.0)
    masks[0, 0] = 1.0  # everything
    masks[0, 1, 10:40, 20:50] = 1.0  # the better candidate: a 30x30 square
    decoder = inputs_model(
        tmp_path / "decoder.onnx",
        {
            "image_embeddings": (1, 8, 4, 4),
            "point_coords": (1, "points", 2),
            "point_labels": (1, "points"),
            "mask_input": (1, 1, 256, 256),
            "has_mask_input": (1,),
            "orig_im_size": (2,),
        },
        {"masks": masks, "iou_predictions": np.array([[0.3, 0.8]])},
    )
    return encoder, decoder


def test_the_best_scoring_mask_is_answered_with_its_outline(sam_files) -> None:
    encoder, decoder = sam_files
    model = SamOnnx(encoder=encoder, decoder=decoder)
    assert model.side == 64
    found = model.segment(IMAGE, Prompt(positive=[(30.0, 20.0)]), PredictOptions())
    assert found.score == pytest.approx(0.8)
    assert found.mask.sum() == 900 and found.mask[10:40, 20:50].all()
    xs = [p[0] for p in found.rings[0]]
    assert (min(xs), max(xs)) == (20.25, 49.75)


def test_the_embedding_is_computed_once_per_image(sam_files) -> None:
    model = SamOnnx(encoder=sam_files[0], decoder=sam_files[1])
    calls = []
    session = model.encoder

    class Counting:
        def __getattr__(self, name):
            return getattr(session, name)

        def run(self, *args):
            calls.append(1)
            return session.run(*args)

    model.encoder = Counting()
    for x in (30.0, 60.0):
        model.segment(IMAGE, Prompt(positive=[(x, 20.0)]), PredictOptions())
    model.segment(IMAGE.copy() + 1, Prompt(positive=[(1.0, 1.0)]), PredictOptions())
    assert len(calls) == 2


def test_prompts_become_sam_points_and_labels() -> None:
    prompt = Prompt(box=BBox(x=10, y=20, w=30, h=40), positive=[(5, 6)], negative=[(7, 8)])
    coords, labels = prompt_points(prompt, 0.5)
    assert coords.tolist() == [[[2.5, 3], [3.5, 4], [5, 10], [20, 30]]]
    assert labels.tolist() == [[1, 0, 2, 3]]
    coords, labels = prompt_points(Prompt(positive=[(4, 4)]), 2.0)
    assert coords.tolist() == [[[8, 8], [0, 0]]] and labels.tolist() == [[1, -1]]


def test_the_encoder_input_is_resized_normalised_and_padded() -> None:
    tensor = encoder_input(np.full((50, 100, 3), (123, 116, 103), np.uint8), 64)
    assert tensor.shape == (1, 3, 64, 64) and tensor.dtype == np.float32
    # 100x50 becomes 64x32; the mean colour normalises to about 0, padding is exactly 0.
    assert np.abs(tensor[0, :, :32, :]).max() < 0.02
    assert (tensor[0, :, 32:, :] == 0).all()


def test_missing_paths_are_refused_by_name(tmp_path: Path, sam_files) -> None:
    with pytest.raises(ModelError, match=r"encoder '.*nothing.onnx' does not exist"):
        SamOnnx(encoder=tmp_path / "nothing.onnx", decoder=sam_files[1])
    with pytest.raises(ModelError, match=r"setting 'decoder' must be the path of an .onnx file"):
        SamOnnx(encoder=sam_files[0], decoder="")
    with pytest.raises(ModelError, match=r"decoder '.*' is not a file"):
        SamOnnx(encoder=sam_files[0], decoder=tmp_path)


def test_files_that_are_not_sam_models_are_refused(tmp_path: Path, sam_files) -> None:
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"\x08\x07garbage")
    with pytest.raises(ModelError, match=r"junk.onnx is not a model ONNX Runtime can load"):
        SamOnnx(encoder=junk, decoder=sam_files[1])
    # A valid ONNX file that is not a SAM decoder: its inputs are named otherwise.
    with pytest.raises(
        ModelError, match=r"not a Segment Anything decoder: it lacks image_embeddings, point_coords"
    ):
        SamOnnx(encoder=sam_files[0], decoder=sam_files[0])
    flat = constant_model(
        tmp_path / "flat.onnx", {"e": np.ones(3)}, input_name="x", input_shape=(64, 64)
    )
    with pytest.raises(ModelError, match=r"takes \[64, 64\]; expected a \(1, 3, S, S\)"):
        SamOnnx(encoder=flat, decoder=sam_files[1])


def test_the_registry_builds_it_and_refuses_it_without_paths(sam_files) -> None:
    model = load_model("sam-onnx", {"encoder": str(sam_files[0]), "decoder": str(sam_files[1])})
    assert isinstance(model, SamOnnx)
    with pytest.raises(ModelError, match=r"bad settings .*it takes: encoder, decoder"):
        load_model("sam-onnx", {})
