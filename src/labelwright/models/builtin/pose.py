"""Body pose keypoints from MediaPipe's BlazePose (full) models, shipped in mediapipe 0.10.21.

Two stages, as in MediaPipe's pose graph: an SSD finds the person and two alignment points
(hip centre, and a point fixing scale and rotation); the landmark model then reads a square,
upright crop around them and gives 33 landmarks with visibilities.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from labelwright.domain.shapes import Keypoint, Keypoints
from labelwright.models.builtin.blaze import (
    Detection,
    SsdConfig,
    decode,
    letterboxed,
    ssd_anchors,
    weighted_nms,
)
from labelwright.models.builtin.common import (
    Setting,
    call_settings,
    check_images,
    kept,
    number,
    read_settings,
    require,
)
from labelwright.models.builtin.litert import TfliteModel
from labelwright.models.builtin.specs import POSE, POSE_SKELETON
from labelwright.models.protocol import Image, Prediction, PredictOptions

DETECTOR = SsdConfig(
    input_size=224, strides=(8, 16, 32, 32, 32), anchors_per_layer=2, keypoints=4, min_score=0.5
)
"""MediaPipe's pose_detection graph options."""
CROP_SIZE = 256
ROI_SCALE = 1.25
"""The crop is this much larger than twice the hip-to-alignment-point distance."""

SETTINGS = {
    "detector_floor": Setting(0.5, number(0.0, 1.0), per_call=True),
    "presence_floor": Setting(0.5, number(0.0, 1.0), per_call=True),
    "visible_above": Setting(0.5, number(0.0, 1.0), per_call=True),
}
"""`presence_floor`: the landmark model's pose presence below which the crop holds no person.
A landmark inside the image whose visibility reaches `visible_above` is visible (2), else
occluded (1); one outside the image is unlabeled (0)."""


def _sigmoid(values: np.ndarray) -> np.ndarray:
    """The logistic function, safe for large inputs."""
    return 1.0 / (1.0 + np.exp(-np.clip(values.astype(np.float64), -80.0, 80.0)))


def crop_transform(person: Detection) -> np.ndarray:
    """The 2x3 affine map from crop pixels to image pixels for a detected person.

    The crop is centred on the hip centre, turned so that the alignment point is straight
    up, and as wide as ROI_SCALE times twice their distance.
    """
    (x0, y0), (x1, y1) = person.keypoints[0], person.keypoints[1]
    side = ROI_SCALE * 2.0 * math.hypot(x1 - x0, y1 - y0)
    # Turn (clockwise on screen) that takes the crop's "up" onto the hip-to-point direction.
    rotation = math.pi / 2 - math.atan2(-(y1 - y0), x1 - x0)
    cos, sin = math.cos(rotation), math.sin(rotation)
    unit = side / CROP_SIZE
    linear = np.array([[cos, -sin], [sin, cos]]) * unit
    offset = np.array([x0, y0]) - linear @ np.array([CROP_SIZE / 2, CROP_SIZE / 2])
    return np.hstack([linear, offset[:, None]])


class BlazePose:
    """The 33 landmarks of the most prominent person on each image (one person per image).

    The score is the landmark model's pose presence for the crop.
    """

    spec = POSE

    def __init__(self, **settings: Any) -> None:
        require(self.spec)
        self.settings = read_settings(self.spec, SETTINGS, settings)
        self._anchors = ssd_anchors(DETECTOR)
        self._detector = TfliteModel(self.spec, "pose_detection")
        # Only the full landmark model ships in the wheel (MediaPipe's model_complexity=1).
        self._landmarks = TfliteModel(self.spec, "pose_landmark_full")

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Find the pose of the main person on each image."""
        check_images(self.spec, images)
        settings = call_settings(self.spec, SETTINGS, self.settings, options)
        return [kept(self._pose_of(image, settings), options) for image in images]

    def _person(self, image: Image, floor: float) -> Detection | None:
        """The most confident person detection, or None."""
        tensor, fit = letterboxed(image, DETECTOR)
        outputs = sorted(self._detector.run(tensor).values(), key=lambda a: a.shape[-1])
        scores, regressors = outputs
        found = decode(regressors[0], scores[0], self._anchors, DETECTOR, fit)
        found = weighted_nms([d for d in found if d.score >= floor], DETECTOR.nms_iou)
        return found[0] if found else None

    def landmarks(self, image: Image, floor: float) -> tuple[np.ndarray, np.ndarray, float] | None:
        """Pixel positions (33, 2), visibilities (33,) and pose presence, or None if no one."""
        import cv2

        person = self._person(image, floor)
        if person is None:
            return None
        to_image = crop_transform(person)
        crop = cv2.warpAffine(
            image,
            to_image,
            (CROP_SIZE, CROP_SIZE),
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_CONSTANT,
        )
        outputs = self._landmarks.run((crop / 255.0)[None])
        flat = next(a for a in outputs.values() if a.shape == (1, 195))
        presence = next(a for a in outputs.values() if a.shape == (1, 1))
        marks = flat.reshape(39, 5)[: len(POSE_SKELETON)]  # 6 more are crop helpers
        xy = marks[:, :2] @ to_image[:, :2].T + to_image[:, 2]
        return xy, _sigmoid(marks[:, 3]), float(presence.reshape(-1)[0])

    def _pose_of(self, image: Image, settings: dict[str, Any]) -> list[Prediction]:
        """The person prediction for one image, if a person was found."""
        found = self.landmarks(image, settings["detector_floor"])
        if found is None or found[2] < settings["presence_floor"]:
            return []
        xy, visibility, presence = found
        points = _keypoints(xy, visibility, image.shape, settings["visible_above"])
        return [Prediction(label="person", shape=Keypoints(points=points), score=presence)]


def _keypoints(
    xy: np.ndarray, visibility: np.ndarray, shape: tuple[int, ...], visible_above: float
) -> list[Keypoint]:
    """Landmarks as COCO keypoints: 2 visible, 1 occluded (inside the image), 0 outside."""
    height, width = shape[:2]
    points: list[Keypoint] = []
    for (x, y), seen in zip(xy.tolist(), visibility.tolist(), strict=True):
        if not (0 <= x <= width and 0 <= y <= height):
            points.append((0.0, 0.0, 0))
        else:
            points.append((x, y, 2 if seen >= visible_above else 1))
    return points


def create(**settings: Any) -> BlazePose:
    """Load the pose model."""
    return BlazePose(**settings)
