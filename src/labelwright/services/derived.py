"""Derived pixels (thumbnails, GIF frames): stored without fsync and made again when missing."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from labelwright.media.probe import probe_image, render_frame
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
