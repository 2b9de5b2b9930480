"""Test photos that ship inside installed packages, and the ground truth the tests assert."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from skimage import data

from labelwright.domain.shapes import BBox

ASTRONAUT_FACE = BBox(x=176.0, y=66.0, w=98.0, h=98.0)
"""Eileen Collins' face in skimage's 512x512 astronaut: the research note's hand-checked box
(245, 62, 92, 92) on a 640x480 copy (astronaut scaled to 480x480, pasted at x=80), mapped
back: x = (245 - 80) * 512/480, y = 62 * 512/480, side = 92 * 512/480."""


def _rgb(array: np.ndarray) -> np.ndarray:
    """A grey or RGB array as RGB uint8."""
    return np.dstack([array] * 3) if array.ndim == 2 else np.ascontiguousarray(array[:, :, :3])


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    """skimage's astronaut (Eileen Collins, NASA portrait, public domain), 512x512."""
    return data.astronaut()


@pytest.fixture(scope="session")
def chelsea() -> np.ndarray:
    """skimage's Chelsea the cat, 451x300: no person, no face."""
    return data.chelsea()


@pytest.fixture(scope="session")
def coffee() -> np.ndarray:
    """skimage's cup of coffee, 600x400: no person, no face."""
    return data.coffee()


@pytest.fixture(scope="session")
def cameraman() -> np.ndarray:
    """skimage's cameraman (grey, as RGB), 512x512: a man behind a camera on a tripod."""
    return _rgb(data.camera())


@pytest.fixture(scope="session")
def grace_hopper() -> np.ndarray:
    """matplotlib's grace_hopper.jpg, 512x600 portrait in uniform with a bow tie."""
    matplotlib = pytest.importorskip("matplotlib")
    path = Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg"
    return np.asarray(Image.open(path).convert("RGB"))
