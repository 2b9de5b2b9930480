"""GrabCut from boxes and clicks, on drawn images whose true masks are known."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("cv2")

from labelwright.domain.shapes import BBox
from labelwright.models.interactive import GrabCut, keep_clicked_regions
from labelwright.models.protocol import ModelError, PredictOptions, Prompt
from labelwright.models.registry import load_model

OPTIONS = PredictOptions()


def scene(width: int = 640, height: int = 480) -> tuple[np.ndarray, np.ndarray]:
    """A red ellipse on a noisy green-grey background, and its true mask."""
    rng = np.random.default_rng(7)
    image = rng.normal((90, 140, 90), 18, (height, width, 3)).clip(0, 255).astype(np.uint8)
    ys, xs = np.mgrid[:height, :width]
    truth = ((xs - 300) / 110.0) ** 2 + ((ys - 220) / 70.0) ** 2 <= 1
    image[truth] = rng.normal((200, 40, 50), 18, (int(truth.sum()), 3)).clip(0, 255)
    return image, truth


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def test_a_box_around_the_object_gives_its_mask_and_outline() -> None:
    image, truth = scene()
    found = GrabCut().segment(image, Prompt(box=BBox(x=180, y=140, w=240, h=160)), OPTIONS)
    assert found.mask.shape == truth.shape and found.mask.dtype == bool
    assert iou(found.mask, truth) > 0.9
    xs = [p[0] for p in found.rings[0]]
    assert min(xs) == pytest.approx(190, abs=6) and max(xs) == pytest.approx(410, abs=6)


def test_one_click_inside_the_object_finds_it() -> None:
    image, truth = scene()
    found = GrabCut().segment(image, Prompt(positive=[(300.0, 220.0)]), OPTIONS)
    assert iou(found.mask, truth) > 0.85


def test_a_negative_click_takes_its_part_out() -> None:
    image, truth = scene()
    # A second, blue blob inside the box: without help GrabCut may keep it with the object.
    image[200:240, 350:390] = (40, 60, 220)
    box = Prompt(box=BBox(x=180, y=140, w=240, h=160), negative=[(370.0, 220.0)])
    found = GrabCut().segment(image, box, OPTIONS)
    assert not found.mask[210:230, 360:380].any()
    assert iou(found.mask, truth & ~_square(truth.shape, 200, 240, 350, 390)) > 0.85


def _square(shape, y0, y1, x0, x1) -> np.ndarray:
    out = np.zeros(shape, bool)
    out[y0:y1, x0:x1] = True
    return out


def test_a_box_over_the_whole_image_still_segments() -> None:
    image, _ = scene(320, 240)
    found = GrabCut().segment(image, Prompt(box=BBox(x=0, y=0, w=320, h=240)), OPTIONS)
    assert found.mask.shape == (240, 320) and found.mask.any()


def test_only_the_clicked_region_is_kept() -> None:
    mask = np.zeros((10, 20), bool)
    mask[1:4, 1:4] = True
    mask[5:9, 10:19] = True
    assert keep_clicked_regions(mask, [(2.0, 2.0)]).sum() == 9
    assert keep_clicked_regions(mask, []).sum() == 36  # no click: the largest region


@pytest.mark.parametrize(
    ("prompt", "message"),
    [
        (Prompt(), "needs a box or at least one positive click"),
        (Prompt(negative=[(5.0, 5.0)]), "needs a box or at least one positive click"),
        (Prompt(positive=[(700.0, 5.0)]), r"positive click \(700.0, 5.0\) is outside"),
        (Prompt(box=BBox(x=10, y=10, w=1, h=30)), "draw at least 2x2 pixels"),
        (Prompt(box=BBox(x=900, y=10, w=10, h=30)), "outside the image"),
    ],
)
def test_prompts_with_nothing_to_go_on_are_refused(prompt: Prompt, message: str) -> None:
    image, _ = scene(320, 240)
    with pytest.raises(ModelError, match=message):
        GrabCut().segment(image, prompt, OPTIONS)


def test_images_that_are_not_rgb_arrays_are_refused() -> None:
    with pytest.raises(
        ModelError, match=r"image is not an RGB \(height, width, 3\) array: \(4, 4\)"
    ):
        GrabCut().segment(np.zeros((4, 4), np.uint8), Prompt(positive=[(1.0, 1.0)]), OPTIONS)


def test_settings_are_checked_and_the_registry_builds_it() -> None:
    with pytest.raises(ModelError, match="work_size"):
        GrabCut(work_size=8)
    model = load_model("grabcut", {"iterations": 2})
    assert model.iterations == 2 and model.spec.interactive
