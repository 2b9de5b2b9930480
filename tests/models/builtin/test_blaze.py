"""The SSD pieces shared by the face and pose detectors."""

from __future__ import annotations

import numpy as np
import pytest

from labelwright.models.builtin.blaze import (
    Detection,
    Letterbox,
    SsdConfig,
    decode,
    letterboxed,
    ssd_anchors,
    weighted_nms,
)
from labelwright.models.builtin.faces import DETECTORS
from labelwright.models.builtin.pose import DETECTOR


@pytest.mark.parametrize(
    ("config", "count"),
    # the models' output row counts: 48x48x1; 16x16x2 + 8x8x6; 28x28x2 + 14x14x2 + 7x7x6
    [(DETECTORS["full"], 2304), (DETECTORS["short"], 896), (DETECTOR, 2254)],
)
def test_anchor_count_matches_the_model_outputs(config, count):
    anchors = ssd_anchors(config)
    assert anchors.shape == (count, 2)
    assert anchors.min() > 0 and anchors.max() < 1


def test_first_anchors_are_the_top_left_cell_centre():
    anchors = ssd_anchors(DETECTORS["short"])
    assert anchors[0].tolist() == anchors[1].tolist() == [0.5 / 16, 0.5 / 16]
    assert anchors[2].tolist() == [1.5 / 16, 0.5 / 16]


def test_letterbox_centres_the_image_and_decoding_undoes_it():
    config = SsdConfig(
        input_size=100, strides=(50,), anchors_per_layer=1, keypoints=1, min_score=0.5
    )
    image = np.full((50, 200, 3), 255, np.uint8)  # 4:1, so 100x25 inside 100x100
    tensor, fit = letterboxed(image, config)
    assert tensor.shape == (1, 100, 100, 3)
    assert fit == Letterbox(scale=0.5, pad_x=0, pad_y=37)
    assert tensor[0, 37:62].min() == pytest.approx(1.0) and tensor[0, :37].max() == 0.0
    anchors = np.array([[0.5, 0.5]], np.float32)
    # a 20x10 (input pixels) box centred on the anchor, keypoint 10 px right of it
    raw = np.array([[0, 0, 20, 10, 10, 0]], np.float32)
    (found,) = decode(raw, np.array([[5.0]]), anchors, config, fit)
    # input (40..60, 45..55) minus padding (0, 37), over the scale 0.5
    assert found.box.tolist() == pytest.approx([80, 16, 120, 36])
    assert found.keypoints.ravel().tolist() == pytest.approx([120, 26])
    assert found.score == pytest.approx(1 / (1 + np.exp(-5.0)))


def test_low_scores_are_dropped_before_decoding():
    config = SsdConfig(
        input_size=10, strides=(10,), anchors_per_layer=1, keypoints=0, min_score=0.5
    )
    assert (
        decode(
            np.zeros((1, 4)), np.array([[-1.0]]), np.array([[0.5, 0.5]]), config, Letterbox(1, 0, 0)
        )
        == []
    )


def test_weighted_nms_merges_overlaps_by_score_and_keeps_the_rest():
    def made(box, score):
        return Detection(np.array(box, float), np.array([[box[0], box[1]]], float), score)

    merged = weighted_nms(
        [made([0, 0, 10, 10], 0.9), made([1, 0, 11, 10], 0.3), made([50, 50, 60, 60], 0.6)], 0.3
    )
    assert [d.score for d in merged] == [0.9, 0.6]
    assert merged[0].box.tolist() == pytest.approx([0.25, 0, 10.25, 10])  # (0*.9 + 1*.3)/1.2
    assert merged[0].keypoints.ravel().tolist() == pytest.approx([0.25, 0])
    assert merged[1].box.tolist() == [50, 50, 60, 60]
