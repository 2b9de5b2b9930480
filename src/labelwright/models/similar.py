"""Find similar: from one example box, propose boxes around other copies of that object.

Normalised cross-correlation template matching (OpenCV `TM_CCOEFF_NORMED`) over a few
scales of the example, on images shrunk so the example is about 32 pixels on its shorter
side (matching cost falls with the square of that). Peaks above the threshold become
boxes; overlapping ones are thinned by non-maximum suppression. The score is the
correlation itself, from -1 to 1, clipped at 0. This finds copies of the same look
(icons, parts, repeated products), not other members of a visual category.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from labelwright.domain.shapes import BBox
from labelwright.models.images import check_image, check_images
from labelwright.models.nms import box_iou_one_to_many, nms
from labelwright.models.protocol import Image, ModelError, Prediction, PredictOptions
from labelwright.models.run import load_rgb
from labelwright.models.specs import FIND_SIMILAR

MATCH_SIDE = 32
"""The example's shorter side, in pixels, that images are shrunk towards before matching."""

DEFAULT_SCALES = (0.8, 0.9, 1.0, 1.1, 1.25)
MAX_PEAKS_PER_SCALE = 1000
SAME_OBJECT_IOU = 0.5


def _example_box(box: Any) -> BBox:
    """The example box from a BBox, a `{x, y, w, h}` mapping or an `[x, y, w, h]` list."""
    try:
        if isinstance(box, BBox):
            return box
        if isinstance(box, Mapping):
            return BBox.model_validate({"kind": "bbox", **box})
        x, y, w, h = box
        return BBox(x=x, y=y, w=w, h=h)
    except (TypeError, ValueError) as error:
        raise ModelError(f"setting 'box' must be x, y, w, h of the example, got {box!r}") from error


def _example_image(example: Any) -> Image:
    """The example image from an RGB array, a file path or file bytes."""
    if isinstance(example, np.ndarray):
        check_image(example, "setting 'example'")
        return example
    if isinstance(example, str | Path | bytes):
        return load_rgb(example)
    raise ModelError(f"setting 'example' must be an image array or file, got {type(example)}")


def _cut_template(image: Image, box: BBox) -> np.ndarray:
    """The example's pixels; ModelError when the box is off the image, tiny or flat."""
    height, width = image.shape[:2]
    x0, y0 = max(0, round(box.x)), max(0, round(box.y))
    x1, y1 = min(width, round(box.x + box.w)), min(height, round(box.y + box.h))
    if x1 - x0 < 4 or y1 - y0 < 4:
        raise ModelError(
            f"the example box {box.x},{box.y} {box.w}x{box.h} covers less than 4x4 pixels "
            f"of the {width}x{height} example image"
        )
    template = image[y0:y1, x0:x1]
    if float(template.std()) < 1.0:
        raise ModelError("the example box is one flat colour: there is nothing to match")
    return template


class FindSimilar:
    """A batch model that boxes every copy of one example, in any image it is given."""

    spec = FIND_SIMILAR

    def __init__(
        self,
        *,
        example: Any,
        box: Any,
        label: str = "object",
        threshold: float = 0.7,
        scales: Sequence[float] = DEFAULT_SCALES,
        iou: float = 0.3,
        max_results: int = 100,
        include_example: bool = False,
    ) -> None:
        if not 0 < threshold <= 1:
            raise ModelError(f"setting 'threshold' must be in (0, 1], got {threshold!r}")
        if not scales or any(not 0.1 <= s <= 10 for s in scales):
            raise ModelError(f"setting 'scales' must be factors in 0.1..10, got {scales!r}")
        self.example = _example_image(example)
        self.box = _example_box(box)
        self.template = _cut_template(self.example, self.box)
        self.label, self.threshold, self.scales = label, float(threshold), tuple(scales)
        self.iou, self.max_results = float(iou), int(max_results)
        self.include_example = include_example
        self.spec = dataclasses.replace(FIND_SIMILAR, labels=(label,))

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Boxes around copies of the example on each image, best first."""
        check_images(images)
        if options.labels is not None and self.label not in options.labels:
            return [[] for _ in images]
        floor = max(self.threshold, options.min_score)
        return [self._matches(image, floor) for image in images]

    def _matches(self, image: Image, floor: float) -> list[Prediction]:
        """Copies of the example on one image scoring at least `floor`."""
        boxes, scores = find_matches(image, self.template, self.scales, floor)
        keep = nms(boxes, scores, self.iou)
        boxes, scores = boxes[keep], scores[keep]
        if not self.include_example and self._is_example(image) and len(boxes):
            box = self.box
            own = np.array([box.x, box.y, box.x + box.w, box.y + box.h])
            away = box_iou_one_to_many(own, boxes) < SAME_OBJECT_IOU
            boxes, scores = boxes[away], scores[away]
        return [
            Prediction(
                label=self.label,
                shape=BBox(x=x0, y=y0, w=x1 - x0, h=y1 - y0),
                score=min(1.0, float(score)),
            )
            for (x0, y0, x1, y1), score in zip(
                boxes[: self.max_results].tolist(), scores[: self.max_results], strict=True
            )
        ]

    def _is_example(self, image: Image) -> bool:
        """Whether `image` is the example image itself (same pixels)."""
        return image is self.example or (
            image.shape == self.example.shape and np.array_equal(image, self.example)
        )


def find_matches(
    image: Image, template: np.ndarray, scales: Sequence[float], floor: float
) -> tuple[np.ndarray, np.ndarray]:
    """`(x1, y1, x2, y2)` boxes and scores of local correlation peaks at each scale."""
    import cv2

    shrink = min(1.0, MATCH_SIDE / min(template.shape[:2]))
    small = cv2.resize(image, None, fx=shrink, fy=shrink, interpolation=cv2.INTER_AREA)
    all_boxes, all_scores = [np.zeros((0, 4))], [np.zeros(0)]
    for scale in scales:
        t_height = max(2, round(template.shape[0] * shrink * scale))
        t_width = max(2, round(template.shape[1] * shrink * scale))
        if t_height > small.shape[0] or t_width > small.shape[1]:
            continue
        sized = cv2.resize(template, (t_width, t_height), interpolation=cv2.INTER_AREA)
        response = cv2.matchTemplate(small, sized, cv2.TM_CCOEFF_NORMED)
        ys, xs, values = _peaks(response, floor, (t_width, t_height))
        x0, y0 = xs / shrink, ys / shrink
        width, height = t_width / shrink, t_height / shrink
        all_boxes.append(np.stack([x0, y0, x0 + width, y0 + height], axis=1))
        all_scores.append(values)
    return np.concatenate(all_boxes), np.concatenate(all_scores)


def _peaks(
    response: np.ndarray, floor: float, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rows, columns and values of local maxima at or above `floor`, best first."""
    import cv2

    response = np.nan_to_num(response, nan=-1.0, posinf=-1.0, neginf=-1.0)
    # A peak is the best value within half a template of itself.
    kernel = np.ones((max(1, size[1] // 2) | 1, max(1, size[0] // 2) | 1), np.uint8)
    local_max = cv2.dilate(response, kernel)
    ys, xs = np.nonzero((response >= floor) & (response >= local_max))
    values = response[ys, xs]
    order = np.argsort(-values)[:MAX_PEAKS_PER_SCALE]
    return ys[order].astype(np.float64), xs[order].astype(np.float64), values[order]
