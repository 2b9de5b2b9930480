"""Decoding files for models (EXIF orientation) and batched prediction in input order."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image as PILImage

from labelwright.domain.shapes import BBox
from labelwright.models.protocol import ModelError, ModelSpec, Prediction, PredictOptions
from labelwright.models.run import load_rgb, predict_batches


def _jpeg_with_orientation(width: int, height: int, orientation: int) -> bytes:
    """A JPEG whose stored pixels are red on the left half, with an EXIF orientation tag."""
    pixels = np.zeros((height, width, 3), np.uint8)
    pixels[:, : width // 2] = (255, 0, 0)
    image = PILImage.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = orientation
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif, quality=95)
    return buffer.getvalue()


def test_load_rgb_applies_exif_orientation() -> None:
    # Orientation 6: the stored image is shown turned 90 degrees clockwise, so the stored
    # left half (red) becomes the top half.
    shown = load_rgb(_jpeg_with_orientation(40, 20, 6))
    assert shown.shape == (40, 20, 3) and shown.dtype == np.uint8
    assert shown[5, 10, 0] > 200 and shown[35, 10, 0] < 50


def test_load_rgb_makes_rgb_of_grey_and_transparent_pngs(tmp_path: Path) -> None:
    path = tmp_path / "grey.png"
    PILImage.fromarray(np.full((3, 4, 2), 128, np.uint8), "LA").save(path)
    assert load_rgb(path).shape == (3, 4, 3)


def test_load_rgb_names_the_file_it_cannot_use(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"missing.png cannot be read"):
        load_rgb(tmp_path / "missing.png")
    text = tmp_path / "notes.png"
    text.write_text("hello")
    with pytest.raises(ModelError, match=r"notes.png is not an image"):
        load_rgb(text)
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(_jpeg_with_orientation(64, 64, 1)[:300])
    with pytest.raises(ModelError, match=r"cut.jpg cannot be decoded as jpeg"):
        load_rgb(cut)
    with pytest.raises(ModelError, match=r"has 2048 pixels, over 1000"):
        load_rgb(_jpeg_with_orientation(64, 32, 1), max_pixels=1000)


class WidthModel:
    """Answers one box per image as wide as the image, and records its batch sizes."""

    spec = ModelSpec(name="width", description="", labels=("w",), kinds=("bbox",))

    def __init__(self) -> None:
        self.batches: list[int] = []

    def predict(self, images, options):
        self.batches.append(len(images))
        return [[Prediction("w", BBox(x=0, y=0, w=im.shape[1], h=1), 1.0)] for im in images]


def test_predict_batches_keeps_order_and_reports_failures_and_progress() -> None:
    model, seen = WidthModel(), []
    pairs = [(f"img{i}", np.zeros((2, i + 1, 3), np.uint8)) for i in range(5)]
    pairs.insert(2, ("bad", b"not an image"))
    results = list(predict_batches(model, pairs, 2, PredictOptions(), progress=seen.append))
    assert [r.key for r in results] == ["img0", "img1", "bad", "img2", "img3", "img4"]
    assert [r.predictions[0].shape.w for r in results if not r.error] == [1, 2, 3, 4, 5]
    assert results[2].error == "image bytes is not an image this platform reads " + (
        "(jpeg, png, gif, webp, tiff, bmp)"
    )
    assert (results[3].width, results[3].height) == (3, 2)
    assert model.batches == [2, 1, 2] and seen == [2, 4, 6]  # the failure takes a slot


def test_predict_batches_refuses_wrong_arrays_per_image_and_bad_batch_sizes() -> None:
    [result] = predict_batches(
        WidthModel(), [("grey", np.zeros((4, 4), np.uint8))], 8, PredictOptions()
    )
    assert result.error == "grey is not an RGB (height, width, 3) array: (4, 4)"
    with pytest.raises(ModelError, match="batch size must be at least 1"):
        list(predict_batches(WidthModel(), [], 0, PredictOptions()))


def test_a_model_answering_the_wrong_number_of_lists_is_a_model_error() -> None:
    class Short(WidthModel):
        def predict(self, images, options):
            return []

    with pytest.raises(ModelError, match=r"answered 0 lists for 1 images"):
        list(predict_batches(Short(), [("a", np.zeros((2, 2, 3), np.uint8))], 4, PredictOptions()))
