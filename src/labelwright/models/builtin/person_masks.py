"""Where people are, from MediaPipe's selfie segmentation (ships in mediapipe 0.10.21)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from labelwright.domain.shapes import Polygon
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
from labelwright.models.builtin.litert import TfliteModel
from labelwright.models.builtin.mask_shapes import mask_polygons, mask_shape, region_mean
from labelwright.models.builtin.pose import BlazePose
from labelwright.models.builtin.specs import PERSON_MASKS
from labelwright.models.protocol import Image, Prediction, PredictOptions

SETTINGS = {
    # "general" is the 256x256 model; "landscape" the faster 144x256 one for wide frames
    "variant": Setting("general", choice("general", "landscape")),
    # The segmenter assumes someone is there (it paints a cat as a person): check first.
    "person_check": Setting("pose", choice("pose", "none")),
    "output": Setting("mask", choice("mask", "polygon"), per_call=True),
    "threshold": Setting(0.5, number(0.01, 0.99), per_call=True),
    "min_area": Setting(0.001, number(0.0, 1.0), per_call=True),
    "tolerance": Setting(1.5, number(0.0, 50.0), per_call=True),
}
"""`threshold`: person probability that counts as person; `min_area`: the smallest region kept,
as a fraction of the image; `tolerance`: how far (pixels) a polygon may stray from the mask."""


class MediaPipePersonMasks:
    """The person pixels of each image: one semantic mask, or one polygon per region.

    The segmentation does not separate people, so a mask covers everyone (`instance` false);
    polygons split it into connected regions. The score is the mean probability inside.
    """

    spec = PERSON_MASKS

    def __init__(self, **settings: Any) -> None:
        require(self.spec)
        self.settings = read_settings(self.spec, SETTINGS, settings)
        variant = self.settings["variant"]
        name = "selfie_segmentation" if variant == "general" else "selfie_segmentation_landscape"
        self._model = TfliteModel(self.spec, name)
        self._pose = BlazePose() if self.settings["person_check"] == "pose" else None

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Segment the people on each image."""
        check_images(self.spec, images)
        settings = call_settings(self.spec, SETTINGS, self.settings, options)
        return [kept(self._people(image, settings), options) for image in images]

    def probabilities(self, image: Image) -> np.ndarray:
        """The float32 (height, width) person probability of one image."""
        import cv2

        _, in_height, in_width, _ = self._model.input_shape
        # As MediaPipe's graph does: stretched to the input size, values in [0, 1].
        tensor = cv2.resize(image, (in_width, in_height), interpolation=cv2.INTER_AREA) / 255.0
        (output,) = self._model.run(tensor[None]).values()
        height, width = image.shape[:2]
        return cv2.resize(output[0, :, :, 0], (width, height), interpolation=cv2.INTER_LINEAR)

    def _people(self, image: Image, settings: dict[str, Any]) -> list[Prediction]:
        """The predictions for one image."""
        if (
            self._pose is not None
            and not self._pose.predict([image], PredictOptions(min_score=0))[0]
        ):
            return []
        probability = self.probabilities(image)
        person = probability >= settings["threshold"]
        min_pixels = settings["min_area"] * person.size
        if settings["output"] == "polygon":
            polygons = mask_polygons(person, min_area=min_pixels, tolerance=settings["tolerance"])
            return [
                Prediction(label="person", shape=p, score=_polygon_score(probability, p))
                for p in polygons
            ]
        if person.sum() < max(min_pixels, 1):
            return []
        score = region_mean(probability, person)
        return [Prediction(label="person", shape=mask_shape(person, instance=False), score=score)]


def _polygon_score(probability: np.ndarray, polygon: Polygon) -> float:
    """Mean person probability inside a polygon's outline."""
    import cv2

    inside = np.zeros(probability.shape, dtype=np.uint8)
    outline = np.round(np.array(polygon.rings[0]) - 0.5).astype(np.int32)
    cv2.fillPoly(inside, [outline], 1)
    return region_mean(probability, inside.astype(bool))


def create(**settings: Any) -> MediaPipePersonMasks:
    """Load the person segmentation model."""
    return MediaPipePersonMasks(**settings)
