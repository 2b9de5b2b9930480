"""Check an image file, read its facts and make its thumbnail, decoding as little as possible."""

from __future__ import annotations

import hashlib
import io
import math
import struct
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageFile

from labelwright.media.errors import RejectedFile

# Pillow format name, mime type and canonical extension of each accepted format.
FORMATS: dict[str, tuple[str, str, str]] = {
    "jpeg": ("JPEG", "image/jpeg", "jpg"),
    "png": ("PNG", "image/png", "png"),
    "gif": ("GIF", "image/gif", "gif"),
    "webp": ("WEBP", "image/webp", "webp"),
    "tiff": ("TIFF", "image/tiff", "tiff"),
    "bmp": ("BMP", "image/bmp", "bmp"),
}

# Formats whose extra frames are an animation (TIFF pages and MPO views are not).
ANIMATED_FORMATS = frozenset({"gif", "webp", "png"})

# Magic bytes of image formats we recognise but do not accept, so the user is told
# "unsupported format" rather than "not an image".
_OTHER_IMAGE_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x00\x00\x01\x00", "ICO"),
    (b"\x00\x00\x02\x00", "CUR"),
    (b"8BPS", "PSD"),
    (b"\x00\x00\x00\x0cjP  \r\n\x87\n", "JPEG 2000"),
    (b"\xff\x4f\xff\x51", "JPEG 2000"),
    (b"\xff\x0a", "JPEG XL"),
    (b"\x00\x00\x00\x0cJXL \r\n\x87\n", "JPEG XL"),
    (b"qoif", "QOI"),
    (b"DDS ", "DDS"),
    (b"icns", "ICNS"),
    (b"v/1\x01", "OpenEXR"),
    (b"gimp xcf", "XCF"),
    (b"#?RADIANCE", "HDR"),
)
_HEIF_BRANDS = (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1", b"avif")

SMALL_FILE_BYTES = 32 * 2**20  # read smaller files once: one syscall feeds both the hash and Pillow
CHUNK_BYTES = 2**20
THUMB_QUALITY = 85

# Never let a truncated file decode as grey padding: truncation must be reported.
ImageFile.LOAD_TRUNCATED_IMAGES = False


@dataclass(frozen=True)
class ProbedImage:
    """Facts about an accepted image file, plus its thumbnail."""

    format: str  # 'jpeg' | 'png' | 'gif' | 'webp' | 'tiff' | 'bmp'
    mime: str
    ext: str  # canonical extension without dot
    width: int  # after EXIF orientation (what a person sees)
    height: int
    frame_count: int  # >1 for animated GIF/WebP/APNG
    orientation: int  # the EXIF orientation that was applied (1 = none)
    sha256: str  # hex of the file bytes
    phash: str  # 16 hex chars: 64-bit dHash of the oriented image
    size_bytes: int
    thumbnail: bytes  # JPEG bytes, longest side <= thumb_size, oriented


def sniff_format(head: bytes) -> str | None:
    """Return the accepted format that the leading bytes announce, or None."""
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:2] == b"BM" and len(head) >= 26:
        return "bmp"
    return None


def _other_image_format(head: bytes) -> str | None:
    """Name a known but unaccepted image format from its leading bytes."""
    for magic, name in _OTHER_IMAGE_MAGIC:
        if head.startswith(magic):
            return name
    if head[4:8] == b"ftyp" and head[8:12] in _HEIF_BRANDS:
        return "AVIF" if head[8:12] == b"avif" else "HEIF"
    if len(head) > 2 and head[:1] == b"P" and head[1:2] in b"123456" and head[2:3].isspace():
        return "PNM"
    return None


_TRUNCATED = "is truncated: the file ends before the image does"


def _header_size(fmt: str, head: bytes) -> tuple[int, int] | None:
    """Read the dimensions from a PNG, GIF or BMP header, where they sit at fixed offsets."""
    try:
        if fmt == "png" and head[12:16] == b"IHDR":
            return struct.unpack(">II", head[16:24])
        if fmt == "gif":
            return struct.unpack("<HH", head[6:10])
        if fmt == "bmp":
            width, height = struct.unpack("<ii", head[18:26])
            return width, abs(height)
    except struct.error:
        pass
    return None


def _reject(name: str, reason: str, detail: str) -> RejectedFile:
    return RejectedFile(name, reason, f"{name} {detail}")


@contextmanager
def _pillow_errors(name: str) -> Iterator[None]:
    """Translate whatever Pillow raises into a RejectedFile, so no Pillow type leaks."""
    try:
        with warnings.catch_warnings():
            # Our own max_pixels check runs first; Pillow's global warning would only be noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            warnings.simplefilter("ignore", UserWarning)  # e.g. "Corrupt EXIF data"
            yield
    except RejectedFile:
        raise
    except Image.DecompressionBombError as exc:
        raise _reject(name, "too_many_pixels", f"has too many pixels to decode ({exc})") from exc
    except Exception as exc:  # Pillow raises OSError, SyntaxError, ValueError, struct.error, ...
        if isinstance(exc, EOFError) or "truncated" in str(exc).lower():
            raise _reject(name, "truncated", _TRUNCATED) from exc
        raise _reject(name, "corrupt", f"is corrupt and cannot be decoded ({exc})") from exc


def _open_checked(
    source: Path | BinaryIO, name: str, head: bytes, *, max_pixels: int, max_side: int
) -> tuple[str, ImageFile.ImageFile]:
    """Identify by content, open the header only and check its dimensions; no pixel is decoded."""
    fmt = sniff_format(head)
    if fmt is None:
        other = _other_image_format(head)
        if other:
            raise _reject(
                name, "unsupported_format", f"is a {other} image; accepted: {', '.join(FORMATS)}"
            )
        raise _reject(name, "not_an_image", "is not an image (its content matches no image format)")
    with _pillow_errors(name):
        try:
            img = Image.open(source, formats=[FORMATS[fmt][0]])
        except Image.UnidentifiedImageError as exc:
            # Pillow refuses a zero-sized header outright; say so rather than "corrupt".
            size = _header_size(fmt, head)
            if size is not None and 0 in size:
                raise _reject(
                    name, "bad_dimensions", f"is {size[0]}x{size[1]}, not usable"
                ) from exc
            raise _reject(name, "corrupt", f"looks like {fmt} but its header is corrupt") from exc
    width, height = img.size
    if width <= 0 or height <= 0 or max(width, height) > max_side:
        img.close()
        raise _reject(
            name,
            "bad_dimensions",
            f"is {width}x{height}, not usable (each side must be 1..{max_side})",
        )
    if width * height > max_pixels:
        img.close()
        raise _reject(
            name,
            "too_many_pixels",
            f"is {width}x{height} = {width * height} pixels, over the limit of {max_pixels}",
        )
    return fmt, img


def _orientation(img: Image.Image) -> int:
    """Return the EXIF orientation tag (1..8), treating absent or bad values as 1."""
    try:
        value = img.getexif().get(0x0112, 1)
    except Exception:
        # Broken EXIF must not reject an image whose pixels are fine.
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


_TRANSPOSES: dict[int, tuple[Image.Transpose, ...]] = {
    2: (Image.Transpose.FLIP_LEFT_RIGHT,),
    3: (Image.Transpose.ROTATE_180,),
    4: (Image.Transpose.FLIP_TOP_BOTTOM,),
    5: (Image.Transpose.TRANSPOSE,),
    6: (Image.Transpose.ROTATE_270,),
    7: (Image.Transpose.TRANSVERSE,),
    8: (Image.Transpose.ROTATE_90,),
}


def apply_orientation(img: Image.Image, orientation: int) -> Image.Image:
    """Return img as a person sees it under the given EXIF orientation."""
    for method in _TRANSPOSES.get(orientation, ()):
        img = img.transpose(method)
    return img


def to_rgb(img: Image.Image) -> Image.Image:
    """Convert any Pillow mode to 8-bit RGB, compositing transparency on white."""
    mode = img.mode
    if mode == "RGB":
        return img
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        # Pillow's own convert clips 16-bit and float data; scale it instead.
        arr = np.asarray(img, dtype=np.float32)
        lo, hi = (float(arr.min()), float(arr.max())) if arr.size else (0.0, 0.0)
        if mode.startswith("I;16") or (mode == "I" and lo >= 0 and 255 < hi <= 65535):
            arr = arr / 257.0
        elif mode == "F" and lo >= 0 and hi <= 1:
            arr = arr * 255.0
        elif lo < 0 or hi > 255:
            arr = (arr - lo) * (255.0 / (hi - lo or 1.0))
        gray = Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L")
        return gray.convert("RGB")
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        mode == "P" and "transparency" in img.info
    )
    if has_alpha:
        rgba = img.convert("RGBA")
        white = Image.new("RGB", rgba.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return img.convert("RGB")


def difference_hash(img: Image.Image) -> str:
    """Return the 64-bit difference hash (dHash) of img as 16 hex chars."""
    if img.mode not in ("L", "RGB"):
        img = to_rgb(img)
    # BOX averages every source pixel, so resized copies land on the same 9x8 grid.
    small = np.asarray(img.convert("L").resize((9, 8), Image.Resampling.BOX), dtype=np.int16)
    bits = small[:, 1:] > small[:, :-1]
    return np.packbits(bits.ravel()).tobytes().hex()


def hamming(a: str, b: str) -> int:
    """Return how many bits differ between two hex hashes of equal length."""
    if len(a) != len(b):
        raise ValueError(f"hashes differ in length: {len(a)} vs {len(b)}")
    return (int(a, 16) ^ int(b, 16)).bit_count()


def _read_source(path: Path, name: str) -> tuple[str, int, bytes, Path | BinaryIO]:
    """Hash the file and return (sha256, size, head, what Pillow should open)."""
    size = path.stat().st_size
    if size == 0:
        raise _reject(name, "empty", "is empty (0 bytes)")
    if size <= SMALL_FILE_BYTES:
        data = path.read_bytes()
        return hashlib.sha256(data).hexdigest(), len(data), data[:64], io.BytesIO(data)
    digest = hashlib.sha256()
    with path.open("rb") as f:
        head = f.read(64)
        digest.update(head)
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest(), size, head, path


def _check_frames(img: ImageFile.ImageFile, name: str, frames: int, max_pixels: int) -> None:
    """Decode the later frames so a broken one is found now, within a pixel budget."""
    budget = max_pixels
    for index in range(1, frames):
        img.seek(index)
        width, height = img.size
        if width * height > max_pixels:
            raise _reject(name, "too_many_pixels", f"frame {index} is {width}x{height}")
        budget -= width * height
        if budget < 0:
            # Long animations: the frame count already walked their structure; stop decoding.
            break
        img.load()
    img.seek(0)


def _thumbnail(img: Image.Image, size: int) -> Image.Image:
    """Shrink to fit size x size, then convert to RGB (shrinking first keeps big images cheap)."""
    # Modes Pillow resizes directly; the others (palette, 16-bit, CMYK) convert first.
    frame = img if img.mode in ("RGB", "RGBA", "L", "LA", "I", "F") else to_rgb(img)
    # Bilinear: the source is already near thumbnail size (JPEG draft, or thumbnail's
    # own reduce() step), so it looks as good as bicubic at about half the cost.
    frame.thumbnail((size, size), Image.Resampling.BILINEAR)
    return to_rgb(frame)


def probe_image(
    path: Path,
    *,
    name: str | None = None,
    max_pixels: int = 178_956_970,
    thumb_size: int = 256,
    max_side: int = 100_000,
) -> ProbedImage:
    """Validate an image file and return its facts and thumbnail, or raise RejectedFile."""
    path = Path(path)
    name = name or path.name
    try:
        sha256, size, head, source = _read_source(path, name)
    except OSError as exc:
        raise _reject(name, "unreadable", f"cannot be read ({exc.strerror or exc})") from exc
    fmt, img = _open_checked(source, name, head, max_pixels=max_pixels, max_side=max_side)
    with img, _pillow_errors(name):
        width, height = img.size
        if fmt == "jpeg":
            # Ask libjpeg for the smallest DCT scale whose longest side still covers
            # the thumbnail; it still reads every byte, so truncation is still caught.
            scale = thumb_size / max(width, height)
            img.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        img.load()
        # Only after load: a PNG may keep its EXIF after the pixels, and reading it
        # would otherwise trigger (and _orientation would swallow) the decode error.
        orientation = _orientation(img)
        frames = getattr(img, "n_frames", 1) if fmt in ANIMATED_FORMATS else 1
        if frames > 1:
            _check_frames(img, name, frames, max_pixels)
        small = apply_orientation(_thumbnail(img, thumb_size), orientation)
        thumb = io.BytesIO()
        small.save(thumb, "JPEG", quality=THUMB_QUALITY)
    if orientation >= 5:
        width, height = height, width
    _, mime, ext = FORMATS[fmt]
    return ProbedImage(
        format=fmt,
        mime=mime,
        ext=ext,
        width=width,
        height=height,
        frame_count=frames,
        orientation=orientation,
        sha256=sha256,
        phash=difference_hash(small),
        size_bytes=size,
        thumbnail=thumb.getvalue(),
    )


def render_frame(
    path_or_file: Path | str | BinaryIO, frame: int, *, max_pixels: int = 178_956_970
) -> bytes:
    """Return PNG bytes of frame `frame` (0-based), oriented; ValueError if it does not exist."""
    if isinstance(path_or_file, str | Path):
        name = Path(path_or_file).name
        source: Path | BinaryIO = Path(path_or_file)
        with open(source, "rb") as f:
            head = f.read(64)
    else:
        name = Path(str(getattr(path_or_file, "name", "image"))).name
        source = path_or_file
        start = source.tell()
        head = source.read(64)
        source.seek(start)
    if not head:
        raise _reject(name, "empty", "is empty (0 bytes)")
    fmt, img = _open_checked(source, name, head, max_pixels=max_pixels, max_side=2**31)
    with img:
        with _pillow_errors(name):
            frames = getattr(img, "n_frames", 1) if fmt in ANIMATED_FORMATS else 1
        if not 0 <= frame < frames:
            raise ValueError(f"{name} has {frames} frame(s); frame {frame} does not exist")
        with _pillow_errors(name):
            img.seek(frame)
            img.load()
            orientation = _orientation(img)
            out = _png_ready(img)
            out = apply_orientation(out, orientation)
            buf = io.BytesIO()
            out.save(buf, "PNG")
    return buf.getvalue()


def _png_ready(img: Image.Image) -> Image.Image:
    """Convert a decoded frame to RGB or RGBA, keeping transparency (PNG can hold it)."""
    if img.mode in ("RGB", "RGBA"):
        return img
    if img.mode in ("LA", "PA", "RGBa", "La") or "transparency" in img.info:
        return img.convert("RGBA")
    return to_rgb(img)


def render_display(
    path_or_file: Path | str | BinaryIO,
    max_side: int,
    *,
    max_pixels: int = 178_956_970,
    quality: int = 90,
) -> bytes:
    """A JPEG of the (first frame of the) image, oriented, whose longest side is `max_side`.

    The editor paints this first, while the original loads, so a 12-megapixel photo shows
    in a fraction of the time; it is only ever drawn at zooms where it has enough pixels.
    """
    if isinstance(path_or_file, str | Path):
        source: Path | BinaryIO = Path(path_or_file)
        name = source.name
        with open(source, "rb") as f:
            head = f.read(64)
    else:
        source = path_or_file
        name = Path(str(getattr(source, "name", "image"))).name
        start = source.tell()
        head = source.read(64)
        source.seek(start)
    fmt, img = _open_checked(source, name, head, max_pixels=max_pixels, max_side=2**31)
    with img, _pillow_errors(name):
        width, height = img.size
        if fmt == "jpeg":
            # Decode at a reduced DCT scale (1/2, 1/4, ...) when that still gives at least
            # three quarters of max_side: a 4000 px photo decodes at 2000 px, 4x cheaper.
            scale = 0.75 * max_side / max(width, height)
            img.draft("RGB", (math.ceil(width * scale), math.ceil(height * scale)))
        img.load()
        orientation = _orientation(img)
        frame = img if img.mode in ("RGB", "L") else to_rgb(img)
        frame.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        out = apply_orientation(to_rgb(frame), orientation)
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=quality)
    return buf.getvalue()
