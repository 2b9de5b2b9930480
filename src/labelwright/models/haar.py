"""Frontal faces with OpenCV's Haar cascade `frontalface_alt2`, which ships inside OpenCV.

A Haar cascade gives no probability. The score is how many overlapping detection windows
agreed on the face (OpenCV's neighbour count `n`), mapped into [0, 1] as
`1 - exp(-n / 10)`: 3 windows score 0.26, 10 score 0.63, 30 score 0.95.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from labelwright.domain.shapes import BBox
from labelwright.models.images import check_images
from labelwright.models.protocol import Image, ModelError, Prediction, PredictOptions
from labelwright.models.specs import HAAR_FACES

CASCADE_FILE = "haarcascade_frontalface_alt2.xml"
NEIGHBOUR_SCALE = 10.0


def neighbour_score(neighbours: int) -> float:
    """A [0, 1) score from the number of detection windows that agreed."""
    return 1.0 - math.exp(-neighbours / NEIGHBOUR_SCALE)


class HaarFaces:
    """Frontal face boxes from a Haar cascade; large images are searched at reduced size."""

    spec = HAAR_FACES

    def __init__(
        self,
        *,
        scale_factor: float = 1.1,
        min_neighbors: int = 3,
        min_size: int = 24,
        max_side: int = 1280,
    ) -> None:
        import cv2

        if not scale_factor > 1.0:
            raise ModelError(f"setting 'scale_factor' must be above 1, got {scale_factor!r}")
        if min_neighbors < 1 or min_size < 1 or max_side < 64:
            raise ModelError(
                "settings 'min_neighbors' and 'min_size' must be at least 1 and 'max_side' "
                f"at least 64, got {min_neighbors!r}, {min_size!r}, {max_side!r}"
            )
        path = Path(cv2.data.haarcascades) / CASCADE_FILE
        self.cascade = cv2.CascadeClassifier(str(path))
        if self.cascade.empty():
            raise ModelError(f"OpenCV's cascade {path} is missing or unreadable")
        self.scale_factor, self.min_neighbors = float(scale_factor), int(min_neighbors)
        self.min_size, self.max_side = int(min_size), int(max_side)

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Face boxes on each image, best first."""
        check_images(images)
        if options.labels is not None and "face" not in options.labels:
            return [[] for _ in images]
        return [self._faces(image, options.min_score) for image in images]

    def _faces(self, image: Image, min_score: float) -> list[Prediction]:
        """Face boxes on one image scoring at least `min_score`."""
        import cv2

        gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        shrink = min(1.0, self.max_side / max(gray.shape))
        if shrink < 1.0:
            gray = cv2.resize(gray, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
        gray = cv2.equalizeHist(gray)
        min_side = max(1, round(self.min_size * shrink))
        boxes, neighbours = self.cascade.detectMultiScale2(
            gray, self.scale_factor, self.min_neighbors, minSize=(min_side, min_side)
        )
        found = []
        for (x, y, w, h), count in zip(
            np.reshape(boxes, (-1, 4)), np.ravel(neighbours), strict=True
        ):
            score = neighbour_score(int(count))
            if score >= min_score:
                box = BBox(x=x / shrink, y=y / shrink, w=w / shrink, h=h / shrink)
                found.append(Prediction(label="face", shape=box, score=score))
        return sorted(found, key=lambda p: -p.score)
