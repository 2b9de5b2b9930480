"""Faces, pose and person masks (MediaPipe's models on LiteRT) on photos that ship in packages."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image

from labelwright.domain.geometry import area_of, iou
from labelwright.domain.shapes import BBox, Keypoints, Mask, Polygon
from labelwright.models.protocol import Model, ModelError, PredictOptions

from .conftest import ASTRONAUT_FACE

pytest.importorskip("ai_edge_litert")
pytest.importorskip("cv2")
pytest.importorskip("mediapipe.modules", reason="mediapipe==0.10.21 (weights) not installed")

from labelwright.models.builtin import faces, person_masks, pose
from labelwright.models.builtin.specs import FACE_SKELETON, POSE_SKELETON

DEFAULT = PredictOptions()


@pytest.fixture(scope="module")
def face_model():
    return faces.create()


@pytest.fixture(scope="module")
def pose_model():
    return pose.create()


@pytest.fixture(scope="module")
def mask_model():
    return person_masks.create()


def test_models_meet_the_protocol(face_model, pose_model, mask_model):
    for model in (face_model, pose_model, mask_model):
        assert isinstance(model, Model)


def test_astronaut_face_box_and_keypoints(face_model, astronaut):
    box, points = face_model.predict([astronaut], DEFAULT)[0]
    assert isinstance(box.shape, BBox) and box.label == "face"
    assert iou(box.shape, ASTRONAUT_FACE) >= 0.5
    assert box.score > 0.8
    assert isinstance(points.shape, Keypoints) and len(points.shape.points) == len(FACE_SKELETON)
    named = dict(zip(FACE_SKELETON, points.shape.points, strict=True))
    # She faces the camera: her right eye is on the image's left, both above the nose tip,
    # which is above the mouth; eyes, nose and mouth lie inside the face box.
    assert named["right_eye"][0] < named["nose_tip"][0] < named["left_eye"][0]
    assert named["right_eye"][1] < named["nose_tip"][1] < named["mouth_center"][1]
    for name in ("right_eye", "left_eye", "nose_tip", "mouth_center"):
        x, y, v = named[name]
        assert v == 2 and box.shape.x < x < box.shape.x + box.shape.w
        assert box.shape.y < y < box.shape.y + box.shape.h


def test_no_face_on_a_cat_or_a_coffee_cup(face_model, chelsea, coffee):
    assert face_model.predict([chelsea, coffee], PredictOptions(min_score=0.0)) == [[], []]


def test_second_face_and_batch_order(face_model, astronaut, grace_hopper, coffee):
    found = face_model.predict([grace_hopper, coffee, astronaut], DEFAULT)
    assert [len(f) for f in found] == [2, 0, 2]
    hopper = found[0][0].shape
    # Grace Hopper's face spans roughly x 170-360, y 150-330 of the 512x600 portrait (by eye).
    assert iou(hopper, BBox(x=170, y=150, w=190, h=180)) >= 0.5


def test_faces_without_keypoints_and_a_bad_setting(face_model, astronaut):
    only_boxes = face_model.predict([astronaut], PredictOptions(settings={"keypoints": False}))
    assert [p.shape.kind for p in only_boxes[0]] == ["bbox"]
    with pytest.raises(ModelError, match="'range' is chosen when the model is loaded"):
        face_model.predict([astronaut], PredictOptions(settings={"range": "short"}))
    with pytest.raises(ModelError, match="setting 'range' must be one of"):
        faces.create(range="far")


def test_astronaut_pose(pose_model, astronaut):
    (person,) = pose_model.predict([astronaut], DEFAULT)[0]
    assert person.label == "person" and person.score > 0.5
    named = dict(zip(POSE_SKELETON, person.shape.points, strict=True))
    nose = named["nose"]
    face = ASTRONAUT_FACE
    assert (
        nose[2] == 2 and face.x < nose[0] < face.x + face.w and face.y < nose[1] < face.y + face.h
    )
    # Her shoulders are below her face, right shoulder on the image's left; the photo ends
    # at her chest, so her hips, knees and ankles are outside it (unlabeled).
    right, left = named["right_shoulder"], named["left_shoulder"]
    assert right[2] > 0 and left[2] > 0 and right[0] < nose[0] < left[0]
    assert min(right[1], left[1]) > face.y + face.h
    for name in ("left_hip", "right_hip", "left_ankle", "right_ankle"):
        assert named[name] == (0.0, 0.0, 0)


def test_no_pose_without_a_person(pose_model, chelsea, coffee):
    assert pose_model.predict([chelsea, coffee], PredictOptions(min_score=0.0)) == [[], []]


def test_person_mask_covers_the_astronaut(mask_model, astronaut):
    (person,) = mask_model.predict([astronaut], DEFAULT)[0]
    assert isinstance(person.shape, Mask) and person.shape.instance is False
    assert person.shape.rle.size == (512, 512)
    assert person.score > 0.8
    # The whole face box is person; the person (with helmet) is 30-70% of the photo.
    assert iou(person.shape, ASTRONAUT_FACE) == pytest.approx(
        area_of(ASTRONAUT_FACE) / area_of(person.shape), rel=0.05
    )
    assert 0.3 < area_of(person.shape) / (512 * 512) < 0.7


def test_person_polygons_match_the_mask(mask_model, astronaut):
    (mask,) = mask_model.predict([astronaut], DEFAULT)[0]
    polygons = mask_model.predict([astronaut], PredictOptions(settings={"output": "polygon"}))[0]
    assert polygons and all(isinstance(p.shape, Polygon) for p in polygons)
    biggest = max(polygons, key=lambda p: area_of(p.shape))
    assert iou(biggest.shape, mask.shape) > 0.9


def test_no_person_mask_on_a_cat(mask_model, chelsea, coffee):
    # The segmenter alone paints the cat as a person; the pose check stops that.
    assert mask_model.predict([chelsea, coffee], PredictOptions(min_score=0.0)) == [[], []]
    unchecked = person_masks.create(person_check="none")
    assert unchecked.predict([chelsea], DEFAULT)[0], "without the check the cat counts as a person"


def test_bad_image_changes_nothing(mask_model):
    with pytest.raises(ModelError, match="image 0 must be an RGB uint8 array"):
        mask_model.predict([np.zeros((10, 10), np.uint8)], DEFAULT)


def test_pose_follows_a_turned_photo(pose_model, astronaut):
    """The landmark crop is turned upright, so a turned person's landmarks turn with them."""
    turned = np.asarray(Image.fromarray(astronaut).rotate(90, expand=True))
    (upright,) = pose_model.predict([astronaut], DEFAULT)[0]
    (tilted,) = pose_model.predict([turned], DEFAULT)[0]
    # PIL turns counter-clockwise on screen, about the centre, into a larger canvas.
    theta = math.radians(90)
    old_c, new_c = np.array([256.0, 256.0]), np.array(turned.shape[1::-1]) / 2
    for index in (POSE_SKELETON.index("nose"), POSE_SKELETON.index("left_shoulder")):
        dx, dy = np.array(upright.shape.points[index][:2]) - old_c
        turn = np.array(
            [
                dx * math.cos(theta) + dy * math.sin(theta),
                -dx * math.sin(theta) + dy * math.cos(theta),
            ]
        )
        expected = new_c + turn
        assert np.hypot(*(np.array(tilted.shape.points[index][:2]) - expected)) < 25
