"""Derived pixels (thumbnails, GIF frames): stored without fsync and made again when missing."""

from __future__ import annotations

import shutil
import tempfile
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


class _local_original:
    """The original as a local file: the blob itself on disk, else a temporary copy."""

    def __init__(self, ctx: Context, image: Image) -> None:
        self.ctx, self.image, self.tmp = ctx, image, None

    def __enter__(self) -> Path:
        local = self.ctx.blobs.local_path(self.image.blob_key)
        if local is not None:
            return local
        self.tmp = Path(tempfile.mkdtemp(dir=self.ctx.settings.tmp_dir)) / "original"
        with self.ctx.blobs.open(self.image.blob_key) as src, self.tmp.open("wb") as out:
            shutil.copyfileobj(src, out, 1 << 20)
        return self.tmp

    def __exit__(self, *_exc) -> None:
        if self.tmp is not None:
            shutil.rmtree(self.tmp.parent, ignore_errors=True)
