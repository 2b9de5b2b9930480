"""Derived pixels (thumbnails, GIF frames): stored without fsync and made again when missing."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from labelwright.media.blobs import BlobStore
from labelwright.media.probe import probe_image, render_display, render_frame
from labelwright.services.context import Context
from labelwright.services.errors import Invalid, NotFound
from labelwright.store.tables import Image


def ensure_thumbnail(ctx: Context, image: Image) -> str:
    """The thumbnail's blob key, rebuilding it from the original if it was lost."""
    if not ctx.blobs.exists(image.thumb_key):
        settings = ctx.settings
        with _local_original(ctx, image) as path:
            probe = probe_image(
                path, max_pixels=settings.max_image_pixels, thumb_size=settings.thumb_size
            )
        ctx.blobs.put_bytes(probe.thumbnail, image.thumb_key, durable=False)
    return image.thumb_key


def ensure_frame(ctx: Context, image: Image, frame: int) -> str:
    """The blob key of one frame as PNG, rendering it on first request."""
    if not 0 <= frame < image.frame_count:
        last = image.frame_count - 1
        raise NotFound(f"image {image.id} has frames 0..{last}; there is no frame {frame}")
    key = ctx.blobs.key_for(image.sha256, "png", f"frame{frame}")
    if not ctx.blobs.exists(key):
        with ctx.blobs.open(image.blob_key) as fh:
            try:
                png = render_frame(fh, frame, max_pixels=ctx.settings.max_image_pixels)
            except ValueError as exc:
                raise Invalid(str(exc)) from None
        ctx.blobs.put_bytes(png, key, durable=False)
    return key


DISPLAY_SIDE = 2048
"""Images larger than this on their longest side get a display rendition for the editor."""


def wants_display(width: int, height: int, frame_count: int) -> bool:
    """Whether an image gets a display copy: a still image larger than DISPLAY_SIDE."""
    return max(width, height) > DISPLAY_SIDE and frame_count == 1


def store_display(blobs: BlobStore, sha256: str, original: Path, max_pixels: int) -> str:
    """Make the display copy of an original file (unless it exists); returns its key."""
    key = blobs.key_for(sha256, "jpg", "display")
    if not blobs.exists(key):
        jpeg = render_display(original, DISPLAY_SIDE, max_pixels=max_pixels)
        blobs.put_bytes(jpeg, key, durable=False)  # derived: made again if lost
    return key


def ensure_display(ctx: Context, image: Image) -> str:
    """The blob key of the image as the editor first paints it: the original when it is
    small enough (or animated), else a JPEG of at most DISPLAY_SIDE pixels a side."""
    if not wants_display(image.width, image.height, image.frame_count):
        return image.blob_key
    with _local_original(ctx, image) as path:
        return store_display(ctx.blobs, image.sha256, path, ctx.settings.max_image_pixels)


@contextmanager
def _local_original(ctx: Context, image: Image) -> Iterator[Path]:
    """The original as a local file: the blob itself on disk, else a temporary copy."""
    local = ctx.blobs.local_path(image.blob_key)
    if local is not None:
        yield local
        return
    folder = Path(tempfile.mkdtemp(dir=ctx.settings.tmp_dir))
    try:
        copy = folder / "original"
        with ctx.blobs.open(image.blob_key) as src, copy.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        yield copy
    finally:
        shutil.rmtree(folder, ignore_errors=True)
