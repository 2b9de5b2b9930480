"""Faces with six keypoints, from MediaPipe's BlazeFace (weights ship in mediapipe 0.10.21)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from labelwright.domain.shapes import BBox, Keypoint, Keypoints
from labelwright.models.builtin.blaze import (
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
    choice,
    flag,
    kept,
    number,
    read_settings,
    require,
)
from labelwright.models.builtin.litert import TfliteModel
from labelwright.models.builtin.specs import FACES
from labelwright.models.protocol import Image, Prediction, PredictOptions

DETECTORS = {
    # full range: faces up to ~5 m away, one 48x48 grid; short range: close-ups, 3x faster
    "full": SsdConfig(
        input_size=192, strides=(4,), anchors_per_layer=1, keypoints=6, min_score=0.5
    ),
    "short": SsdConfig(
        input_size=128, strides=(8, 16, 16, 16), anchors_per_layer=2, keypoints=6, min_score=0.5
    ),
}
"""MediaPipe's face_detection graph options for each model."""

SETTINGS = {
    "range": Setting("full", choice("full", "short")),
    "keypoints": Setting(True, flag, per_call=True),
    "detector_floor": Setting(0.5, number(0.0, 1.0), per_call=True),
}
"""`detector_floor` is the detector's own cut-off; `PredictOptions.min_score` filters after it."""


class BlazeFaces:
    """Face boxes and, per face, a keypoints object on the six-node face skeleton.

    For each face the predictions are the box, then (with `keypoints` on) its keypoints.
    """

    spec = FACES

    def __init__(self, **settings: Any) -> None:
        require(self.spec)
        self.settings = read_settings(self.spec, SETTINGS, settings)
        self._config = DETECTORS[self.settings["range"]]
        self._anchors = ssd_anchors(self._config)
        self._model = TfliteModel(self.spec, f"face_detection_{self.settings['range']}")

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Find the faces on each image."""
        check_images(self.spec, images)
        settings = call_settings(self.spec, SETTINGS, self.settings, options)
        return [kept(self._faces(image, settings), options) for image in images]

    def _faces(self, image: Image, settings: dict[str, Any]) -> list[Prediction]:
        """The predictions for one image."""
        height, width = image.shape[:2]
        tensor, fit = letterboxed(image, self._config)
        regressors, scores = self._model.run(tensor).values()
        if regressors.shape[-1] != 16:  # the two outputs come in either order
            regressors, scores = scores, regressors
        found = decode(regressors[0], scores[0], self._anchors, self._config, fit)
        found = [d for d in found if d.score >= settings["detector_floor"]]
        predictions = []
        for face in weighted_nms(found, self._config.nms_iou):
            x0, y0, x1, y1 = (float(v) for v in face.box)
            box = BBox(x=x0, y=y0, w=x1 - x0, h=y1 - y0)
            predictions.append(Prediction(label="face", shape=box, score=face.score))
            if settings["keypoints"]:
                points = [_keypoint(x, y, width, height) for x, y in face.keypoints.tolist()]
                shape = Keypoints(points=points)
                predictions.append(Prediction(label="face", shape=shape, score=face.score))
        return predictions


def _keypoint(x: float, y: float, width: int, height: int) -> Keypoint:
    """A detected point: visible (2) inside the image, unlabeled (0) outside it."""
    if 0 <= x <= width and 0 <= y <= height:
        return (x, y, 2)
    return (0.0, 0.0, 0)


def create(**settings: Any) -> BlazeFaces:
    """Load the face model."""
    return BlazeFaces(**settings)
