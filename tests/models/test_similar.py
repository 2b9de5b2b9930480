"""Find similar: copies of a pattern in a generated image, at their known places."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("cv2")

from PIL import Image as PILImage

from labelwright.domain.shapes import BBox
from labelwright.models.protocol import ModelError, PredictOptions
from labelwright.models.registry import load_model
from labelwright.models.similar import FindSimilar

PLACES = [(30, 40), (300, 100), (520, 380), (100, 500)]


def pattern_scene(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A dim noisy 800x600 image with the same 50x40 pattern pasted at PLACES."""
    rng = np.random.default_rng(seed)
    image = rng.integers(0, 60, (600, 800, 3)).astype(np.uint8)
    pattern = np.zeros((40, 50, 3), np.uint8)
    pattern[:, :, 0] = np.linspace(0, 255, 50, dtype=np.uint8)[None, :]
    pattern[10:30, 15:35] = (250, 250, 20)
    pattern[18:22] = (20, 200, 240)
    for x, y in PLACES:
        image[y : y + 40, x : x + 50] = pattern
    return image, pattern


def test_every_other_copy_in_the_example_image_is_boxed() -> None:
    image, _ = pattern_scene()
    model = FindSimilar(example=image, box=[30, 40, 50, 40], label="widget")
    [found] = model.predict([image], PredictOptions())
    places = sorted((round(p.shape.x), round(p.shape.y)) for p in found)
    assert places == sorted(PLACES[1:])  # the example itself is left out
    assert all(p.label == "widget" and p.score > 0.95 for p in found)
    assert found[0].shape.w == pytest.approx(50, abs=1) and found[0].shape.h == pytest.approx(
        40, abs=1
    )


def test_copies_in_another_image_are_found_even_when_scaled() -> None:
    image, pattern = pattern_scene()
    other = np.random.default_rng(3).integers(0, 60, (400, 500, 3)).astype(np.uint8)
    bigger = np.asarray(PILImage.fromarray(pattern).resize((55, 44), PILImage.BILINEAR))
    other[200:244, 100:155] = bigger
    other[50:90, 400:450] = pattern
    model = FindSimilar(example=image, box=BBox(x=30, y=40, w=50, h=40), include_example=True)
    same, elsewhere = model.predict([image, other], PredictOptions())
    assert len(same) == 4
    boxes = sorted((round(p.shape.x), round(p.shape.y), round(p.shape.w)) for p in elsewhere)
    assert len(boxes) == 2
    assert boxes[0][:2] == pytest.approx((100, 200), abs=3) and boxes[0][2] == pytest.approx(
        55, abs=3
    )
    assert boxes[1] == (400, 50, 50)


def test_nothing_is_proposed_on_an_image_without_the_pattern() -> None:
    image, _ = pattern_scene()
    empty = np.random.default_rng(5).integers(0, 60, (300, 300, 3)).astype(np.uint8)
    assert FindSimilar(example=image, box=[30, 40, 50, 40]).predict([empty], PredictOptions()) == [
        []
    ]


def test_the_example_may_be_a_file_and_labels_filter(tmp_path: Path) -> None:
    image, _ = pattern_scene()
    path = tmp_path / "example.png"
    PILImage.fromarray(image).save(path)
    model = load_model(
        "find-similar", {"example": str(path), "box": {"x": 30, "y": 40, "w": 50, "h": 40}}
    )
    assert len(model.predict([image], PredictOptions())[0]) == 3
    assert model.predict([image], PredictOptions(labels=frozenset({"car"}))) == [[]]


@pytest.mark.parametrize(
    ("box", "message"),
    [
        ([798, 598, 50, 50], "covers less than 4x4 pixels"),
        ([1, 2, 3], "setting 'box' must be x, y, w, h"),
        ({"x": 1}, "setting 'box' must be x, y, w, h"),
    ],
)
def test_unusable_example_boxes_are_refused(box, message: str) -> None:
    image, _ = pattern_scene()
    with pytest.raises(ModelError, match=message):
        FindSimilar(example=image, box=box)


def test_a_flat_example_is_refused() -> None:
    flat = np.full((100, 100, 3), 7, np.uint8)
    with pytest.raises(ModelError, match="one flat colour"):
        FindSimilar(example=flat, box=[10, 10, 20, 20])
