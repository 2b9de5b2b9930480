"""Lines of text and what they say, from RapidOCR (PP-OCRv6 ONNX models ship in rapidocr 3.10)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from labelwright.domain.shapes import BBox, Polygon, RotatedBox, Shape
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
    shipped_file,
)
from labelwright.models.builtin.specs import TEXT
from labelwright.models.protocol import Image, Prediction, PredictOptions

MODEL_FILES = {
    "Det": "models/PP-OCRv6_det_small.onnx",
    "Rec": "models/PP-OCRv6_rec_small.onnx",
    "Cls": "models/ch_ppocr_mobile_v2.0_cls_mobile.onnx",
}
"""The detector, recogniser and orientation classifier inside the rapidocr wheel."""

SETTINGS = {
    "shape": Setting("rotated_box", choice("rotated_box", "polygon", "bbox"), per_call=True),
    "text_floor": Setting(0.5, number(0.0, 1.0)),
    "upside_down": Setting(True, flag),
}
"""`shape`: how a line's outline is given; `text_floor`: the recogniser's own cut-off;
`upside_down`: also read text turned by 180 degrees (runs the orientation classifier)."""


class RapidOcrText:
    """One prediction per line of text: its outline, score, and the `text` attribute."""

    spec = TEXT

    def __init__(self, **settings: Any) -> None:
        require(self.spec)
        self.settings = read_settings(self.spec, SETTINGS, settings)
        from rapidocr import RapidOCR

        # Naming the shipped files keeps rapidocr from ever trying its download path.
        paths = {
            f"{stage}.model_path": str(shipped_file(self.spec, "rapidocr", relative))
            for stage, relative in MODEL_FILES.items()
        }
        self._engine = RapidOCR(
            params={
                **paths,
                "Global.log_level": "error",
                "Global.text_score": self.settings["text_floor"],
                "Global.use_cls": self.settings["upside_down"],
            }
        )

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Read the text lines on each image."""
        check_images(self.spec, images)
        settings = call_settings(self.spec, SETTINGS, self.settings, options)
        return [kept(self._lines(image, settings["shape"]), options) for image in images]

    def _lines(self, image: Image, form: str) -> list[Prediction]:
        """The predictions for one image."""
        bgr = np.ascontiguousarray(image[:, :, ::-1])  # rapidocr reads arrays as OpenCV does
        result = self._engine(bgr)
        if result.boxes is None or result.txts is None:
            return []
        return [
            Prediction(
                label="text",
                shape=quad_shape(np.asarray(quad, dtype=float), form),
                score=float(score),
                attributes={"text": text},
            )
            for quad, text, score in zip(result.boxes, result.txts, result.scores, strict=True)
        ]


def quad_shape(quad: np.ndarray, form: str) -> Shape:
    """A text quad (top-left, top-right, bottom-right, bottom-left) as the asked shape kind."""
    if form == "polygon":
        return Polygon(rings=[[(float(x), float(y)) for x, y in quad]])
    if form == "bbox":
        (x0, y0), (x1, y1) = quad.min(axis=0), quad.max(axis=0)
        return BBox(x=float(x0), y=float(y0), w=float(x1 - x0), h=float(y1 - y0))
    top, bottom = quad[1] - quad[0], quad[2] - quad[3]
    left, right = quad[3] - quad[0], quad[2] - quad[1]
    along = (top + bottom) / 2
    # y points down, so atan2 gives the clockwise-on-screen angle the domain uses.
    angle = math.degrees(math.atan2(along[1], along[0]))
    centre = quad.mean(axis=0)
    return RotatedBox(
        cx=float(centre[0]),
        cy=float(centre[1]),
        w=float((np.hypot(*top) + np.hypot(*bottom)) / 2),
        h=float((np.hypot(*left) + np.hypot(*right)) / 2),
        angle=angle,
    )


def create(**settings: Any) -> RapidOcrText:
    """Load the OCR model."""
    return RapidOcrText(**settings)
