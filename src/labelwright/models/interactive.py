"""Interactive segmentation with OpenCV's GrabCut: a box and/or clicks in, a mask out.

GrabCut costs grow with the pixels it models, so it runs on the region around the prompt
only, shrunk so its longer side is at most `work_size` pixels (192 by default); the result
is scaled back up and pasted into a full-size mask. That keeps one click well under the
300 ms budget on a one-megapixel image (see `bench/interactive.py`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labelwright.domain.shapes import Point
from labelwright.models.images import check_image
from labelwright.models.masks import mask_rings
from labelwright.models.protocol import Image, ModelError, PredictOptions, Prompt, Segment
from labelwright.models.specs import GRABCUT

CLICK_RADIUS = 6
"""Radius in work pixels of the disc a click marks as surely inside (or outside)."""


@dataclass(frozen=True)
class Region:
    """A crop `x0..x1, y0..y1` of the image (pixel bounds, end exclusive)."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        """Width in pixels."""
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        """Height in pixels."""
        return self.y1 - self.y0


def check_prompt(prompt: Prompt, width: int, height: int) -> None:
    """Refuse a prompt with nothing to go on, or with clicks or a box off the image."""
    if prompt.box is None and not prompt.positive:
        raise ModelError("the prompt needs a box or at least one positive click")
    for name, points in (("positive", prompt.positive), ("negative", prompt.negative)):
        for x, y in points:
            if not (0 <= x <= width and 0 <= y <= height):
                raise ModelError(f"{name} click ({x}, {y}) is outside the {width}x{height} image")
    box = prompt.box
    if box is not None:
        if box.w < 2 or box.h < 2:
            raise ModelError(f"the box is {box.w}x{box.h}; draw at least 2x2 pixels")
        if box.x >= width or box.y >= height or box.x + box.w <= 0 or box.y + box.h <= 0:
            raise ModelError(f"the box {box.x},{box.y} {box.w}x{box.h} is outside the image")


def prompt_region(prompt: Prompt, width: int, height: int, reach: float) -> Region:
    """The crop to segment in: the box plus a margin, or the clicks plus `reach` of the image."""
    if prompt.box is not None:
        box = prompt.box
        margin_x, margin_y = max(8.0, 0.1 * box.w), max(8.0, 0.1 * box.h)
        x0, y0 = box.x - margin_x, box.y - margin_y
        x1, y1 = box.x + box.w + margin_x, box.y + box.h + margin_y
    else:
        pad = max(32.0, reach * max(width, height))
        xs = [p[0] for p in prompt.positive]
        ys = [p[1] for p in prompt.positive]
        x0, y0, x1, y1 = min(xs) - pad, min(ys) - pad, max(xs) + pad, max(ys) + pad
    return Region(
        max(0, int(x0)),
        max(0, int(y0)),
        min(width, int(np.ceil(x1))),
        min(height, int(np.ceil(y1))),
    )


def _disc(mask: np.ndarray, point: Point, radius: int, value: int) -> None:
    """Paint a filled disc of `value` into the GrabCut label mask."""
    import cv2

    cv2.circle(mask, (round(point[0]), round(point[1])), radius, value, thickness=-1)


def initial_labels(
    prompt: Prompt, region: Region, scale: float, size: tuple[int, int]
) -> np.ndarray:
    """GrabCut's starting labels on the shrunken crop, from the box and the clicks."""
    import cv2

    width, height = size

    def local(point: Point) -> Point:
        return ((point[0] - region.x0) * scale, (point[1] - region.y0) * scale)

    if prompt.box is not None:
        labels = np.full((height, width), cv2.GC_BGD, np.uint8)
        x0, y0 = local((prompt.box.x, prompt.box.y))
        x1, y1 = local((prompt.box.x + prompt.box.w, prompt.box.y + prompt.box.h))
        labels[max(0, int(y0)) : int(np.ceil(y1)), max(0, int(x0)) : int(np.ceil(x1))] = (
            cv2.GC_PR_FGD
        )
    else:
        labels = np.full((height, width), cv2.GC_PR_BGD, np.uint8)
        labels[[0, -1], :] = cv2.GC_BGD  # the crop's edge is taken to be background
        labels[:, [0, -1]] = cv2.GC_BGD
        for point in prompt.positive:  # the object is probably near each click
            _disc(labels, local(point), max(width, height) // 3, cv2.GC_PR_FGD)
    for point in prompt.positive:
        _disc(labels, local(point), CLICK_RADIUS, cv2.GC_FGD)
    for point in prompt.negative:
        _disc(labels, local(point), CLICK_RADIUS, cv2.GC_BGD)
    if not np.isin(labels, (cv2.GC_BGD, cv2.GC_PR_BGD)).any():
        # A box over the whole image leaves GrabCut no background to learn from: lend it
        # the image's edge as probable background.
        labels[[0, -1], :] = np.where(labels[[0, -1], :] == cv2.GC_FGD, cv2.GC_FGD, cv2.GC_PR_BGD)
        labels[:, [0, -1]] = np.where(labels[:, [0, -1]] == cv2.GC_FGD, cv2.GC_FGD, cv2.GC_PR_BGD)
    return labels


def keep_clicked_regions(mask: np.ndarray, clicks: list[Point]) -> np.ndarray:
    """The connected regions of `mask` under a click; the largest region when none is."""
    import cv2

    count, regions = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    if count <= 2:
        return mask
    height, width = mask.shape
    chosen = {int(regions[min(int(y), height - 1), min(int(x), width - 1)]) for x, y in clicks} - {
        0
    }
    if not chosen:
        sizes = np.bincount(regions.ravel(), minlength=count)
        sizes[0] = 0
        chosen = {int(sizes.argmax())}
    return np.isin(regions, list(chosen))


class GrabCut:
    """GrabCut segmentation from a prompt, run on a shrunken crop around it."""

    spec = GRABCUT

    def __init__(self, *, work_size: int = 192, iterations: int = 4, reach: float = 0.25) -> None:
        if not 32 <= work_size <= 2048:
            raise ModelError(f"setting 'work_size' must be 32..2048 pixels, got {work_size!r}")
        if not 1 <= iterations <= 20:
            raise ModelError(f"setting 'iterations' must be 1..20, got {iterations!r}")
        if not 0 < reach <= 1:
            raise ModelError(f"setting 'reach' must be in (0, 1], got {reach!r}")
        self.work_size, self.iterations, self.reach = int(work_size), int(iterations), reach

    def segment(self, image: Image, prompt: Prompt, options: PredictOptions) -> Segment:
        """The object the prompt points at, as a full-image mask and its outline."""
        width, height = check_image(image)
        check_prompt(prompt, width, height)
        region = prompt_region(prompt, width, height, self.reach)
        crop_mask = self._segment_crop(image, prompt, region)
        clicks = [(x - region.x0, y - region.y0) for x, y in prompt.positive]
        crop_mask = keep_clicked_regions(crop_mask, clicks)
        mask = np.zeros((height, width), dtype=bool)
        mask[region.y0 : region.y1, region.x0 : region.x1] = crop_mask
        return Segment(mask=mask, rings=mask_rings(mask), score=1.0)

    def _segment_crop(self, image: Image, prompt: Prompt, region: Region) -> np.ndarray:
        """GrabCut on the shrunken crop, scaled back up to the crop's size."""
        import cv2

        crop = image[region.y0 : region.y1, region.x0 : region.x1]
        scale = min(1.0, self.work_size / max(region.width, region.height))
        size = (max(2, round(region.width * scale)), max(2, round(region.height * scale)))
        small = cv2.resize(crop, size, interpolation=cv2.INTER_AREA) if scale < 1 else crop
        labels = initial_labels(prompt, region, size[0] / region.width, size)
        background, foreground = np.zeros((1, 65)), np.zeros((1, 65))
        try:
            cv2.grabCut(
                np.ascontiguousarray(small),
                labels,
                None,
                background,
                foreground,
                self.iterations,
                cv2.GC_INIT_WITH_MASK,
            )
        except cv2.error as error:  # e.g. a prompt that leaves no background to learn from
            raise ModelError(f"GrabCut could not segment this prompt: {error.err}") from error
        inside = np.isin(labels, (cv2.GC_FGD, cv2.GC_PR_FGD)).astype(np.float32)
        if scale >= 1:
            return inside > 0.5
        # Linear upscaling of the 0/1 map then a 0.5 cut gives smooth, not blocky, edges.
        upscaled = cv2.resize(inside, (region.width, region.height), interpolation=cv2.INTER_LINEAR)
        return upscaled > 0.5
