"""What a model is to Labelwright: a spec of what it emits and a batched `predict`.

Models are pure: they take decoded RGB arrays and return domain shapes with scores, never
touching a database. A project maps the model's label names to its own classes
(`labelwright.models.mapping`); jobs in `services/` store the results as predictions.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np

from labelwright.domain.shapes import BBox, Point, Shape

Image = np.ndarray
"""An RGB image as a `(height, width, 3)` uint8 array, after EXIF orientation."""


@dataclass(frozen=True)
class ModelSpec:
    """What a model can emit, and what it needs installed to run."""

    name: str
    description: str
    labels: tuple[str, ...]
    """The label names the model emits (mapped to project classes by name)."""
    kinds: tuple[str, ...]
    """The shape kinds it emits: `bbox`, `rotated_box`, `polygon`, `keypoints`, `mask`, `tag`."""
    version: str = "1"
    skeleton: tuple[str, ...] = ()
    """Node names, in order, for models that emit `keypoints`."""
    requires: tuple[str, ...] = ()
    """Importable module names the model needs (checked without importing them)."""
    extra: str | None = None
    """The `pip install labelwright[EXTRA]` that provides `requires`, for the error message."""
    interactive: bool = False
    """True for models that answer clicks and boxes (`InteractiveModel`), not whole images."""


@dataclass
class Prediction:
    """One proposed object: a label of the model's, a shape, a score in [0, 1]."""

    label: str
    shape: Shape
    score: float
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class PredictOptions:
    """Per-call settings a job passes to every model."""

    min_score: float = 0.25
    """Drop predictions scoring below this."""
    labels: frozenset[str] | None = None
    """Only these labels (None: all the model emits)."""
    settings: dict[str, Any] = field(default_factory=dict)
    """Model-specific settings (a checkpoint path, a server URL, …), validated by the model."""


@runtime_checkable
class Model(Protocol):
    """A batch model: one list of predictions per input image, in input order."""

    spec: ModelSpec

    def predict(self, images: Sequence[Image], options: PredictOptions) -> list[list[Prediction]]:
        """Predict objects on each image."""
        ...


@dataclass
class Prompt:
    """What a person gave an interactive model: an optional box and clicks."""

    box: BBox | None = None
    positive: list[Point] = field(default_factory=list)
    negative: list[Point] = field(default_factory=list)


@dataclass
class Segment:
    """An interactive answer: a full-image boolean mask and its outline polygon rings."""

    mask: np.ndarray
    rings: list[list[Point]]
    score: float = 1.0


@runtime_checkable
class InteractiveModel(Protocol):
    """A model that turns a box and/or clicks on one image into a mask."""

    spec: ModelSpec

    def segment(self, image: Image, prompt: Prompt, options: PredictOptions) -> Segment:
        """Segment the object the prompt points at."""
        ...


@dataclass(frozen=True)
class ModelEntry:
    """A model known by name whose factory is imported only when first used."""

    name: str
    target: str
    """`package.module:factory`; the factory takes `settings` keyword arguments."""
    spec: ModelSpec
    kind: Literal["batch", "interactive"] = "batch"


class ModelError(Exception):
    """A model could not run: missing package, bad settings, unreadable weights, bad reply."""


class ModelUnavailable(ModelError):
    """The model's packages are not installed; the message names the extra to install."""
