"""Segment Anything from a user's ONNX encoder and decoder, as an interactive model.

Settings: `encoder` and `decoder`, paths of `.onnx` files. The encoder takes the image as
`(1, 3, S, S)` float32, resized so its longer side is S (1024 for the published models),
normalised with ImageNet's mean and deviation and padded at the bottom and right. The
decoder is the one `segment_anything`'s `scripts/export_onnx_model.py` writes, with inputs
`image_embeddings`, `point_coords`, `point_labels`, `mask_input`, `has_mask_input` and
`orig_im_size`, and outputs `masks` (logits at the image's size) and `iou_predictions`.
Nothing is downloaded: the files must already be on disk.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from labelwright.models.images import check_image
from labelwright.models.interactive import check_prompt
from labelwright.models.masks import mask_rings
from labelwright.models.onnx_session import checked_path, open_session, run_session
from labelwright.models.protocol import Image, ModelError, PredictOptions, Prompt, Segment
from labelwright.models.specs import SAM_ONNX

PIXEL_MEAN = np.array([123.675, 116.28, 103.53], dtype=np.float32)
PIXEL_STD = np.array([58.395, 57.12, 57.375], dtype=np.float32)
DEFAULT_SIDE = 1024
LOW_RES_SIDE = 256  # the decoder's mask_input size (a quarter of 1024)
DECODER_INPUTS = (
    "image_embeddings",
    "point_coords",
    "point_labels",
    "mask_input",
    "has_mask_input",
    "orig_im_size",
)
DECODER_OUTPUTS = ("masks", "iou_predictions")
BOX_CORNER_LABELS = (2.0, 3.0)
POSITIVE, NEGATIVE, PADDING = 1.0, 0.0, -1.0


def resize_scale(width: int, height: int, side: int) -> float:
    """The factor that makes the image's longer side `side` pixels."""
    return side / max(width, height)


def encoder_input(image: Image, side: int) -> np.ndarray:
    """The image resized, normalised and padded into a `(1, 3, side, side)` tensor."""
    import cv2

    height, width = image.shape[:2]
    scale = resize_scale(width, height, side)
    size = (int(width * scale + 0.5), int(height * scale + 0.5))
    resized = cv2.resize(image, size, interpolation=cv2.INTER_LINEAR).astype(np.float32)
    padded = np.zeros((side, side, 3), dtype=np.float32)
    padded[: size[1], : size[0]] = (resized - PIXEL_MEAN) / PIXEL_STD
    return padded.transpose(2, 0, 1)[None]


def prompt_points(prompt: Prompt, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """SAM's `point_coords` `(1, n, 2)` and `point_labels` `(1, n)` for a prompt.

    Clicks are labelled 1 (positive) or 0 (negative), a box is its two corners labelled
    2 and 3, and without a box a padding point labelled -1 is added, as SAM expects.
    """
    coords: list[tuple[float, float]] = []
    labels: list[float] = []
    for point in prompt.positive:
        coords.append(point)
        labels.append(POSITIVE)
    for point in prompt.negative:
        coords.append(point)
        labels.append(NEGATIVE)
    if prompt.box is not None:
        box = prompt.box
        coords += [(box.x, box.y), (box.x + box.w, box.y + box.h)]
        labels += list(BOX_CORNER_LABELS)
    else:
        coords.append((0.0, 0.0))
        labels.append(PADDING)
    points = np.asarray(coords, dtype=np.float32) * np.float32(scale)
    points[np.asarray(labels) == PADDING] = 0.0
    return points[None], np.asarray(labels, dtype=np.float32)[None]


def _names(items: list[Any]) -> set[str]:
    """The names of a session's inputs or outputs."""
    return {item.name for item in items}


class SamOnnx:
    """Segment Anything through ONNX Runtime; the last image's embedding is kept for reuse."""

    spec = SAM_ONNX

    def __init__(self, *, encoder: str | Path, decoder: str | Path, threads: int | None = None):
        encoder_path = checked_path(encoder, "encoder")
        decoder_path = checked_path(decoder, "decoder")
        self.encoder = open_session(encoder_path, threads=threads)
        self.decoder = open_session(decoder_path, threads=threads)
        self.side = self._encoder_side(encoder_path)
        missing = [n for n in DECODER_INPUTS if n not in _names(self.decoder.get_inputs())]
        missing += [n for n in DECODER_OUTPUTS if n not in _names(self.decoder.get_outputs())]
        if missing:
            raise ModelError(
                f"decoder {decoder_path} is not a Segment Anything decoder: it lacks "
                f"{', '.join(missing)}"
            )
        self._last: tuple[str, np.ndarray] | None = None

    def _encoder_side(self, path: Path) -> int:
        """S of the encoder's `(1, 3, S, S)` input (1024 when the file leaves it open)."""
        shape = self.encoder.get_inputs()[0].shape
        if len(shape) != 4 or shape[1] not in (3, "3"):
            raise ModelError(f"encoder {path} takes {shape}; expected a (1, 3, S, S) image tensor")
        side = shape[2]
        return side if isinstance(side, int) and side > 0 else DEFAULT_SIDE

    def embedding(self, image: Image) -> np.ndarray:
        """The encoder's output for `image`, computed once per distinct image."""
        key = hashlib.blake2b(image.tobytes(), digest_size=16).hexdigest() + str(image.shape)
        if self._last is not None and self._last[0] == key:
            return self._last[1]
        name = self.encoder.get_inputs()[0].name
        output = run_session(self.encoder, {name: encoder_input(image, self.side)}, "encoder")[0]
        self._last = (key, output)
        return output

    def segment(self, image: Image, prompt: Prompt, options: PredictOptions) -> Segment:
        """The object the prompt points at: the decoder's best-scoring mask and its outline."""
        width, height = check_image(image)
        check_prompt(prompt, width, height)
        coords, labels = prompt_points(prompt, resize_scale(width, height, self.side))
        feeds = {
            "image_embeddings": self.embedding(image).astype(np.float32),
            "point_coords": coords,
            "point_labels": labels,
            "mask_input": np.zeros((1, 1, LOW_RES_SIDE, LOW_RES_SIDE), dtype=np.float32),
            "has_mask_input": np.zeros(1, dtype=np.float32),
            "orig_im_size": np.array([height, width], dtype=np.float32),
        }
        outputs = run_session(self.decoder, feeds, "decoder")
        named = dict(zip([o.name for o in self.decoder.get_outputs()], outputs, strict=True))
        masks, scores = named["masks"], np.ravel(named["iou_predictions"])
        if masks.ndim != 4 or masks.shape[2:] != (height, width) or not len(scores):
            raise ModelError(
                f"decoder answered masks of shape {masks.shape} for a {width}x{height} image"
            )
        best = int(np.argmax(scores))
        mask = masks[0, best] > 0.0
        return Segment(mask=mask, rings=mask_rings(mask), score=float(np.clip(scores[best], 0, 1)))
