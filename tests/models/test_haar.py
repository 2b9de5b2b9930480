"""The Haar cascade face detector on scikit-image's astronaut photograph."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cv2")

from skimage import data

from labelwright.domain.geometry import iou
from labelwright.domain.shapes import BBox
from labelwright.models.haar import HaarFaces, neighbour_score
from labelwright.models.protocol import ModelError, PredictOptions
from labelwright.models.registry import load_model

# Measured by eye on a 3x enlargement of the 512x512 image with a 10-pixel grid: the face
# runs from the left cheek at x = 180 to the right cheek at x = 268, and from the
# hairline over the brows at y = 75 down to the chin at y = 167.
FACE = BBox(x=180, y=75, w=88, h=92)


def test_the_astronauts_face_is_found() -> None:
    [found] = HaarFaces().predict([data.astronaut()], PredictOptions())
    assert len(found) == 1
    assert found[0].label == "face" and iou(found[0].shape, FACE) >= 0.5
    assert 0.25 <= found[0].score < 1


def test_a_large_image_is_searched_at_reduced_size_with_boxes_scaled_back() -> None:
    import cv2

    big = cv2.resize(data.astronaut(), (2048, 2048), interpolation=cv2.INTER_LINEAR)
    [found] = HaarFaces(max_side=512).predict([big], PredictOptions())
    scaled = BBox(x=FACE.x * 4, y=FACE.y * 4, w=FACE.w * 4, h=FACE.h * 4)
    assert len(found) == 1 and iou(found[0].shape, scaled) >= 0.5


def test_images_without_faces_and_filtered_labels_give_nothing() -> None:
    model = load_model("haar-faces")
    blank = np.full((200, 300, 3), 90, np.uint8)
    assert model.predict([blank], PredictOptions()) == [[]]
    only_cars = PredictOptions(labels=frozenset({"car"}))
    assert model.predict([data.astronaut()], only_cars) == [[]]


def test_the_score_grows_with_agreeing_windows() -> None:
    assert neighbour_score(3) == pytest.approx(0.259, abs=1e-3)
    assert neighbour_score(10) < neighbour_score(30) < 1


def test_a_batch_with_an_unusable_image_is_refused_naming_it() -> None:
    floats = np.zeros((10, 10, 3), np.float32)
    with pytest.raises(ModelError, match=r"image 1 is not a non-empty uint8 array: float32"):
        HaarFaces().predict([data.astronaut(), floats], PredictOptions())


def test_settings_are_checked() -> None:
    with pytest.raises(ModelError, match="'scale_factor' must be above 1"):
        HaarFaces(scale_factor=1.0)
    with pytest.raises(ModelError, match="'max_side'"):
        load_model("haar-faces", {"max_side": 10})
