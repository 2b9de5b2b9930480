"""Image factories shared by the media tests."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def photo(width: int = 320, height: int = 240, seed: int = 0) -> Image.Image:
    """A smooth gradient with noise: compresses and hashes like a photo."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    phase = seed * 1.7
    rgb = np.stack(
        [
            127 + 120 * np.sin(x / width * 3 + phase),
            127 + 120 * np.cos(y / height * 4 + phase),
            (x + y) / (width + height) * 255,
        ],
        axis=-1,
    )
    rgb += rng.normal(0, 6, rgb.shape)
    return Image.fromarray(np.clip(rgb, 0, 255).astype(np.uint8), "RGB")


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk with its CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims width x height but whose data is (almost) nothing."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + png_chunk(b"IEND", b"")
    )


@pytest.fixture
def astronaut() -> Image.Image:
    """A real photo (skimage's bundled astronaut), 512x512 RGB."""
    skimage_data = pytest.importorskip("skimage.data")
    return Image.fromarray(skimage_data.astronaut())


@pytest.fixture
def save(tmp_path: Path):
    """Save an image (or raw bytes) under tmp_path and return the path."""

    def _save(obj: Image.Image | bytes, name: str, **params) -> Path:
        path = tmp_path / name
        if isinstance(obj, bytes):
            path.write_bytes(obj)
        else:
            obj.save(path, **params)
        return path

    return _save
