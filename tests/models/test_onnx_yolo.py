"""YOLO ONNX decoding against constant-output models whose right answers are worked out here.

Every test feeds a 1280x720 image into a 640x640 input: the letterbox scales by 0.5 to
640x360 and pads 140 rows above and below, so an input-space point (x, y) is the image
point (2x, 2(y - 140)).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("onnxruntime")
pytest.importorskip("cv2")

from labelwright.domain.shapes import BBox, Keypoints, Mask, Polygon, RotatedBox
from labelwright.models.letterbox import Letterbox, letterbox_image
from labelwright.models.onnx_yolo import OnnxYolo
from labelwright.models.protocol import ModelError, PredictOptions
from labelwright.models.registry import load_model
from tests.models.onnx_graphs import constant_model

IMAGE = np.zeros((720, 1280, 3), np.uint8)
NAMES = "{0: 'cat', 1: 'dog', 2: 'car'}"


def to_image(x: float, y: float) -> tuple[float, float]:
    """The letterbox maths of the module docstring, for the expected answers."""
    return 2 * x, 2 * (y - 140)


def anchors(rows: list[list[float]]) -> np.ndarray:
    """A (1, channels, anchors) output from one list of channel values per anchor."""
    return np.asarray(rows, np.float32).T[None]


def test_letterbox_of_a_wide_image_pads_top_and_bottom() -> None:
    box = Letterbox.fit(1280, 720, 640, 640)
    assert (box.scale, box.pad_x, box.pad_y, box.new_width, box.new_height) == (
        0.5, 0, 140, 640, 360,
    )  # fmt: skip
    image = np.full((720, 1280, 3), 200, np.uint8)
    canvas, _ = letterbox_image(image, 640, 640)
    assert (canvas[:140] == 114).all() and (canvas[500:] == 114).all()
    assert (canvas[140:500] == 200).all()


def test_letterbox_of_a_tall_odd_image_matches_ultralytics_rounding() -> None:
    # 333x500 into 640: scale 1.28 gives 426x640; padding 214 splits as round(106.9) = 107
    # on the left and 107 on the right.
    box = Letterbox.fit(333, 500, 640, 640)
    assert (box.new_width, box.new_height, box.pad_x, box.pad_y) == (426, 640, 107, 0)
    xs, ys = box.to_image(np.array([107.0, 533.0]), np.array([0.0, 640.0]))
    assert xs == pytest.approx([0, 426 / 1.28]) and ys == pytest.approx([0, 500])


@pytest.fixture
def detect_model(tmp_path: Path) -> Path:
    #        cx   cy   w    h    cat  dog  car
    rows = [
        [320, 320, 100, 50, 0.0, 0.9, 0.0],  # dog, kept
        [322, 321, 100, 50, 0.0, 0.8, 0.0],  # dog over the first: suppressed
        [322, 321, 100, 50, 0.0, 0.0, 0.7],  # car in the same place: another class, kept
        [100, 300, 40, 40, 0.2, 0.0, 0.0],  # cat under the score floor
        [500, 300, 60, 60, 0.6, 0.0, 0.0],  # cat, kept
        [0, 0, 0, 0, 0.0, 0.0, 0.0],
    ]
    return constant_model(
        tmp_path / "detect.onnx",
        {"output0": anchors(rows)},
        metadata={"names": NAMES, "task": "detect"},
    )


def test_detect_boxes_are_decoded_suppressed_per_class_and_mapped_to_the_image(
    detect_model: Path,
) -> None:
    model = OnnxYolo(detect_model)
    assert model.spec.labels == ("cat", "dog", "car") and model.spec.kinds == ("bbox",)
    [found] = model.predict([IMAGE], PredictOptions(min_score=0.25))
    assert [(p.label, round(p.score, 2)) for p in found] == [
        ("dog", 0.9), ("car", 0.7), ("cat", 0.6),
    ]  # fmt: skip
    x, y = to_image(320 - 50, 320 - 25)
    assert found[0].shape == BBox(x=x, y=y, w=200, h=100)
    x, y = to_image(500 - 30, 300 - 30)
    assert found[2].shape == BBox(x=x, y=y, w=120, h=120)


def test_detect_honours_the_label_filter_and_score_floor(detect_model: Path) -> None:
    model = OnnxYolo(detect_model)
    [found] = model.predict([IMAGE], PredictOptions(min_score=0.1, labels=frozenset({"cat"})))
    assert [(p.label, round(p.score, 2)) for p in found] == [("cat", 0.6), ("cat", 0.2)]
    [found] = model.predict([IMAGE], PredictOptions(min_score=0.95))
    assert found == []


def test_boxes_past_the_image_edge_are_clipped(tmp_path: Path) -> None:
    rows = [[10, 150, 40, 40, 0.9]]  # reaches x = -10 and y = 130 (in the top padding)
    path = constant_model(tmp_path / "edge.onnx", {"output0": anchors(rows)})
    [found] = OnnxYolo(path, labels=["thing"]).predict([IMAGE], PredictOptions())
    box = found[0].shape
    assert (box.x, box.y) == (0, 0)
    assert (box.x + box.w, box.y + box.h) == to_image(30, 170)


def test_rotated_boxes_keep_their_angle_and_rotated_nms_uses_true_overlap(tmp_path: Path) -> None:
    quarter = math.pi / 4
    rows = [
        #  cx   cy   w    h   ship plane angle
        [300, 300, 200, 20, 0.9, 0.0, quarter],
        [300, 300, 200, 20, 0.8, 0.0, -quarter],  # crosses the first: small overlap, kept
        [301, 301, 200, 20, 0.7, 0.0, quarter],  # on top of the first: suppressed
        [300, 300, 200, 20, 0.0, 0.6, quarter],  # other class, kept
    ]
    path = constant_model(
        tmp_path / "obb.onnx",
        {"output0": anchors(rows)},
        metadata={"names": "{0: 'ship', 1: 'plane'}", "task": "obb"},
    )
    model = OnnxYolo(path)
    assert model.spec.kinds == ("rotated_box",)
    [found] = model.predict([IMAGE], PredictOptions())
    assert [(p.label, round(p.score, 2)) for p in found] == [
        ("ship", 0.9), ("ship", 0.8), ("plane", 0.6),
    ]  # fmt: skip
    cx, cy = to_image(300, 300)
    expected = RotatedBox(cx=cx, cy=cy, w=400, h=40, angle=45.0).model_dump()
    assert found[0].shape.model_dump() == pytest.approx(expected)
    assert found[1].shape.angle == pytest.approx(-45.0)


def test_obb_is_recognised_from_the_layout_without_task_metadata(tmp_path: Path) -> None:
    rows = [[300, 300, 200, 20, 0.9, 0.3]]
    path = constant_model(tmp_path / "obb.onnx", {"output0": anchors(rows)})
    model = OnnxYolo(path, labels=["ship"])
    assert model.layout.task == "obb"


def test_pose_keypoints_are_mapped_and_low_scores_are_unlabeled(tmp_path: Path) -> None:
    rows = [
        # cx  cy   w    h   person  x1  y1  s1   x2  y2   s2
        [320, 320, 100, 200, 0.9, 300, 250, 0.9, 340, 400, 0.1],
        [900, 900, 10, 10, 0.1, 0, 0, 0, 0, 0, 0],
    ]
    path = constant_model(
        tmp_path / "pose.onnx",
        {"output0": anchors(rows)},
        metadata={"names": "{0: 'person'}", "task": "pose", "kpt_shape": "[2, 3]"},
    )
    model = OnnxYolo(path, keypoint_names=["head", "foot"])
    assert model.spec.kinds == ("keypoints",) and model.spec.skeleton == ("head", "foot")
    [found] = model.predict([IMAGE], PredictOptions())
    assert len(found) == 1
    head, foot = to_image(300, 250), to_image(340, 400)
    assert found[0].shape == Keypoints(points=[(*head, 2), (*foot, 0)])


def test_pose_with_seventeen_points_gets_coco_node_names(tmp_path: Path) -> None:
    rows = [[320, 320, 100, 200, 0.9, *([320, 320, 1.0] * 17)]]
    path = constant_model(
        tmp_path / "pose.onnx", {"output0": anchors(rows)}, metadata={"names": "{0: 'person'}"}
    )
    model = OnnxYolo(path)
    assert model.layout.task == "pose" and model.layout.keypoint_shape == (17, 3)
    assert model.spec.skeleton[0] == "nose" and model.spec.skeleton[-1] == "right_ankle"


def segment_model(tmp_path: Path) -> Path:
    """One object whose mask is prototype 0: +6 inside cells x 60..99, y 60..79, else -6."""
    prototypes = np.full((1, 32, 160, 160), -6.0, np.float32)
    prototypes[0, 0, 60:80, 60:100] = 6.0
    coefficients = [1.0] + [0.0] * 31
    rows = [
        # the box (input px 240..360 x 236..324) cuts the prototype region (240..400) at 360
        [300, 280, 120, 88, 0.9, *coefficients],
        [300, 280, 120, 88, 0.1, *coefficients],
    ]
    return constant_model(
        tmp_path / "segment.onnx",
        {"output0": anchors(rows), "output1": prototypes},
        metadata={"names": "{0: 'blob'}", "task": "segment"},
    )


def test_segment_masks_are_cut_to_their_box_and_sized_to_the_image(tmp_path: Path) -> None:
    model = OnnxYolo(segment_model(tmp_path))
    assert model.spec.kinds == ("mask",)
    [found] = model.predict([IMAGE], PredictOptions())
    assert len(found) == 1 and isinstance(found[0].shape, Mask)
    assert tuple(found[0].shape.rle.size) == (720, 1280)
    pixels = _decode(found[0].shape)
    rows, cols = np.nonzero(pixels)
    # Prototype cells 60..79 are input rows 240..319, image rows 200..359; columns 240..360
    # (the box) are image columns 480..719. Bilinear edges may move a boundary by a pixel.
    assert abs(rows.min() - 200) <= 1 and abs(rows.max() - 359) <= 1
    assert abs(cols.min() - 480) <= 1 and cols.max() == 719
    assert abs(int(pixels.sum()) - 160 * 240) <= 2 * (160 + 240)


def test_segment_can_answer_polygons(tmp_path: Path) -> None:
    model = OnnxYolo(segment_model(tmp_path), mask_shape="polygon")
    assert model.spec.kinds == ("polygon",)
    [found] = model.predict([IMAGE], PredictOptions())
    polygon = found[0].shape
    assert isinstance(polygon, Polygon) and len(polygon.rings) == 1
    xs = [p[0] for p in polygon.rings[0]]
    ys = [p[1] for p in polygon.rings[0]]
    assert min(xs) == pytest.approx(480, abs=1.5) and max(xs) == pytest.approx(720, abs=1.5)
    assert min(ys) == pytest.approx(200, abs=1.5) and max(ys) == pytest.approx(360, abs=1.5)


def _decode(mask: Mask) -> np.ndarray:
    from pycocotools import mask as coco_mask

    rle = {"size": list(mask.rle.size), "counts": mask.rle.counts.encode()}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # pycocotools under NumPy 2
        return coco_mask.decode(rle).astype(bool)


def test_dynamic_input_takes_its_size_from_metadata_and_runs_batches(tmp_path: Path) -> None:
    rows = [[320, 320, 100, 50, 0.9]]
    output = np.concatenate([anchors(rows)] * 2)  # a batch of two images
    path = constant_model(
        tmp_path / "dynamic.onnx",
        {"output0": output},
        input_shape=("batch", 3, "height", "width"),
        metadata={"names": "['thing']", "imgsz": "[640, 640]"},
    )
    model = OnnxYolo(path)
    assert (model.layout.input_width, model.layout.fixed_batch) == (640, False)
    first, second = model.predict([IMAGE, IMAGE], PredictOptions())
    assert first[0].shape == second[0].shape == BBox(x=540, y=310, w=200, h=100)


def test_labels_are_required_when_the_file_has_no_names(tmp_path: Path) -> None:
    path = constant_model(tmp_path / "bare.onnx", {"output0": anchors([[1, 1, 1, 1, 0.5]])})
    with pytest.raises(ModelError, match=r"bare.onnx has no usable 'names' metadata"):
        OnnxYolo(path)


def test_missing_and_broken_files_are_refused_by_name(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"path '.*nowhere.onnx' does not exist"):
        OnnxYolo(tmp_path / "nowhere.onnx")
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"this is not a protobuf")
    with pytest.raises(ModelError, match=r"broken.onnx is not a model ONNX Runtime can load"):
        OnnxYolo(broken)


def test_a_file_that_is_not_yolo_shaped_is_refused(tmp_path: Path) -> None:
    path = constant_model(tmp_path / "flat.onnx", {"output0": np.zeros((1, 10))})
    with pytest.raises(ModelError, match=r"flat.onnx: first output has shape \[1, 10\]"):
        OnnxYolo(path, labels=["a"])


def test_the_registry_builds_it_from_settings(detect_model: Path) -> None:
    model = load_model("yolo-onnx", {"path": str(detect_model), "iou": 0.5})
    assert isinstance(model, OnnxYolo) and model.iou == 0.5
    with pytest.raises(ModelError, match=r"bad settings.*it takes: path, labels, task"):
        load_model("yolo-onnx", {"path": str(detect_model), "colour": "red"})
