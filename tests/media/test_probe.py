"""probe_image, render_frame and the hashes."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from labelwright.media import probe as probe_module
from labelwright.media.errors import RejectedFile
from labelwright.media.probe import difference_hash, hamming, probe_image, render_frame

from .conftest import photo, png_chunk, png_header_only


def rejected(path: Path, **kwargs) -> RejectedFile:
    """Probe a file that must be refused and return the error."""
    with pytest.raises(RejectedFile) as info:
        probe_image(path, **kwargs)
    assert info.value.name == kwargs.get("name", path.name)
    assert path.name in info.value.detail
    return info.value


def thumb_of(probed) -> Image.Image:
    """Decode a probe's thumbnail."""
    img = Image.open(io.BytesIO(probed.thumbnail))
    assert img.format == "JPEG"
    return img.convert("RGB")


@pytest.mark.parametrize(
    ("fmt", "suffix", "mime", "ext"),
    [
        ("JPEG", "photo.jpeg", "image/jpeg", "jpg"),
        ("PNG", "photo.png", "image/png", "png"),
        ("GIF", "photo.gif", "image/gif", "gif"),
        ("WEBP", "photo.webp", "image/webp", "webp"),
        ("TIFF", "photo.tif", "image/tiff", "tiff"),
        ("BMP", "photo.bmp", "image/bmp", "bmp"),
    ],
)
def test_accepted_formats(save, fmt, suffix, mime, ext):
    path = save(photo(320, 240), suffix, format=fmt)
    probed = probe_image(path)
    assert (probed.format, probed.mime, probed.ext) == (fmt.lower(), mime, ext)
    assert (probed.width, probed.height, probed.frame_count, probed.orientation) == (320, 240, 1, 1)
    data = path.read_bytes()
    assert probed.sha256 == hashlib.sha256(data).hexdigest()
    assert probed.size_bytes == len(data)
    assert len(probed.phash) == 16
    assert thumb_of(probed).size == (256, 192)


def test_format_is_decided_by_content_not_extension(save):
    path = save(photo(), "actually-a-png.jpg", format="PNG")
    assert probe_image(path).format == "png"


def test_real_photo_jpeg(save, astronaut):
    probed = probe_image(save(astronaut, "astronaut.jpg", quality=90))
    assert (probed.width, probed.height) == (512, 512)
    assert max(thumb_of(probed).size) == 256


def test_thumb_size_is_respected_and_small_images_are_not_upscaled(save):
    path = save(photo(100, 50), "small.jpg")
    assert thumb_of(probe_image(path)).size == (100, 50)
    assert thumb_of(probe_image(path, thumb_size=40)).size == (40, 20)


def test_exif_orientation_6_swaps_dimensions_and_rotates_thumbnail(save):
    # Stored 300x200: red top half, blue bottom half. Orientation 6 means "rotate 90° clockwise
    # to display", so a person sees a 200x300 image with blue on the left, red on the right.
    arr = np.zeros((200, 300, 3), np.uint8)
    arr[:100] = (255, 0, 0)
    arr[100:] = (0, 0, 255)
    exif = Image.Exif()
    exif[0x0112] = 6
    path = save(Image.fromarray(arr), "rotated.jpg", exif=exif, quality=95)
    probed = probe_image(path)
    assert (probed.width, probed.height, probed.orientation) == (200, 300, 6)
    thumb = thumb_of(probed)
    assert thumb.size[0] < thumb.size[1]
    w, h = thumb.size
    left, right = thumb.getpixel((w // 4, h // 2)), thumb.getpixel((3 * w // 4, h // 2))
    assert left[2] > 200 and left[0] < 60  # blue
    assert right[0] > 200 and right[2] < 60  # red


def test_animated_gif_frames_and_render_frame(save):
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (40, 30), c) for c in colours]
    path = save(frames[0], "anim.gif", save_all=True, append_images=frames[1:], duration=50)
    probed = probe_image(path)
    assert probed.frame_count == 3
    assert thumb_of(probed).getpixel((20, 15))[0] > 200  # thumbnail is frame 0 (red)
    for index, colour in enumerate(colours):
        png = Image.open(io.BytesIO(render_frame(path, index)))
        assert png.format == "PNG" and png.size == (40, 30)
        assert png.convert("RGB").getpixel((20, 15)) == colour
    with path.open("rb") as f:  # a file object works too
        assert Image.open(io.BytesIO(render_frame(f, 2))).convert("RGB").getpixel((0, 0)) == (
            0,
            0,
            255,
        )
    for bad in (3, -1):
        with pytest.raises(ValueError, match="frame"):
            render_frame(path, bad)


def test_animated_webp_frame_count(save):
    frames = [photo(64, 48, seed=s) for s in range(4)]
    path = save(frames[0], "anim.webp", save_all=True, append_images=frames[1:], duration=40)
    assert probe_image(path).frame_count == 4


def test_render_frame_single_image_is_oriented(save):
    exif = Image.Exif()
    exif[0x0112] = 8
    path = save(photo(60, 20), "still.jpg", exif=exif)
    assert Image.open(io.BytesIO(render_frame(path, 0))).size == (20, 60)
    with pytest.raises(ValueError):
        render_frame(path, 1)


@pytest.mark.parametrize(
    ("img", "fmt"),
    [
        (Image.new("RGBA", (50, 50), (0, 0, 0, 0)), "PNG"),  # transparent: composited on white
        (Image.new("LA", (50, 50), (0, 0)), "PNG"),
        (Image.new("P", (50, 50), 0), "GIF"),
        (Image.new("CMYK", (50, 50), (0, 0, 0, 0)), "JPEG"),  # no ink = white
        (Image.new("L", (50, 50), 255), "PNG"),
        (Image.new("1", (50, 50), 1), "BMP"),
        (Image.fromarray(np.full((50, 50), 65535, np.uint16)), "PNG"),  # 16-bit grey
        (Image.fromarray(np.full((50, 50), 1.0, np.float32)), "TIFF"),
    ],
    ids=["rgba", "la", "p", "cmyk", "l", "1bit", "i16", "float"],
)
def test_modes_become_white_rgb_thumbnails(save, img, fmt):
    if img.mode == "P":
        img.info["transparency"] = 0
    probed = probe_image(save(img, f"mode.{fmt.lower()}", format=fmt))
    r, g, b = thumb_of(probed).getpixel((25, 25))
    assert min(r, g, b) > 240, (img.mode, (r, g, b))


def test_empty(save):
    assert rejected(save(b"", "zero.jpg")).reason == "empty"


@pytest.mark.parametrize(
    "content",
    [
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10"/>',
        b"<!DOCTYPE html><html><body>hi</body></html>",
        b"\x7fELF\x02\x01\x01" + bytes(200),
        b"MZ\x90\x00" + bytes(200),
        b"hello, this is text",
    ],
    ids=["svg", "html", "elf", "exe", "text"],
)
def test_not_an_image_even_when_named_jpg(save, content):
    assert rejected(save(content, "innocent.jpg")).reason == "not_an_image"


@pytest.mark.parametrize(("fmt", "name"), [("ICO", "icon.ico"), ("PPM", "pic.ppm")])
def test_unsupported_formats(save, fmt, name):
    err = rejected(save(photo(32, 32), name, format=fmt))
    assert err.reason == "unsupported_format"


def test_psd_header_is_unsupported(save):
    assert rejected(save(b"8BPS\x00\x01" + bytes(100), "layers.psd")).reason == "unsupported_format"


def test_header_claiming_50000_square_is_refused_before_decode(save, monkeypatch):
    path = save(png_header_only(50_000, 50_000), "bomb.png")

    def no_decoding(self):
        raise AssertionError("must not decode")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoding)
    assert rejected(path).reason == "too_many_pixels"


def test_own_pixel_limit_applies_below_pillows(save):
    path = save(png_header_only(2000, 2000), "big.png")
    assert rejected(path, max_pixels=1_000_000).reason == "too_many_pixels"


def test_tiny_compressed_tall_png_is_refused(save):
    path = save(Image.new("L", (1, 100_000)), "tall.png")
    assert path.stat().st_size < 2000  # a tiny file with absurd dimensions
    assert rejected(path, max_side=50_000).reason == "bad_dimensions"
    assert rejected(save(png_header_only(1, 100_001), "taller.png")).reason == "bad_dimensions"


def test_zero_dimension_header(save):
    assert rejected(save(png_header_only(0, 10), "flat.png")).reason == "bad_dimensions"


def test_corrupt(save):
    data = png_header_only(10, 10)
    bad_crc = data[:29] + b"\x00\x00\x00\x00" + data[33:]  # IHDR checksum zeroed
    assert rejected(save(bad_crc, "crc.png")).reason == "corrupt"
    junk = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert rejected(save(junk, "junk.png")).reason == "corrupt"
    bad_idat = data[:33] + png_chunk(b"IDAT", b"not zlib at all") + png_chunk(b"IEND", b"")
    assert rejected(save(bad_idat, "data.png")).reason == "corrupt"


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF"])
def test_truncated(save, astronaut, fmt):
    buf = io.BytesIO()
    astronaut.save(buf, format=fmt)
    data = buf.getvalue()
    assert rejected(save(data[: len(data) // 2], f"cut.{fmt.lower()}")).reason == "truncated"


def test_truncation_stays_detected():
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_missing_file(tmp_path):
    with pytest.raises(RejectedFile) as info:
        probe_image(tmp_path / "nope.jpg")
    assert info.value.reason == "unreadable"


def test_large_file_path_hashes_in_chunks(save, monkeypatch):
    path = save(photo(), "chunked.png")
    monkeypatch.setattr(probe_module, "SMALL_FILE_BYTES", 0)
    monkeypatch.setattr(probe_module, "CHUNK_BYTES", 1000)
    assert probe_image(path).sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_dhash_matches_resized_copy_and_differs_for_other_images(save, astronaut):
    original = probe_image(save(astronaut, "a.jpg", quality=92))
    smaller = probe_image(save(astronaut.resize((300, 300), Image.Resampling.LANCZOS), "b.png"))
    assert hamming(original.phash, smaller.phash) == 0
    other = probe_image(save(photo(512, 512, seed=3), "c.jpg"))
    assert hamming(original.phash, other.phash) > 10
    assert difference_hash(astronaut) == difference_hash(astronaut.convert("RGBA"))


def test_hamming():
    assert hamming("0000000000000000", "000000000000000f") == 4
    assert hamming("ffffffffffffffff", "0000000000000000") == 64
    with pytest.raises(ValueError):
        hamming("ff", "fff")


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_damaged_files_never_leak_pillow_errors(tmp_path, data):
    buf = io.BytesIO()
    fmt = data.draw(st.sampled_from(["JPEG", "PNG", "GIF", "WEBP", "TIFF", "BMP"]))
    photo(48, 32).save(buf, format=fmt)
    raw = bytearray(buf.getvalue())
    for _ in range(data.draw(st.integers(1, 8))):
        raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    raw = raw[: data.draw(st.integers(1, len(raw)))]
    path = tmp_path / "damaged.img"
    path.write_bytes(bytes(raw))
    try:
        probe_image(path, max_pixels=10_000_000, max_side=20_000)
    except RejectedFile as exc:
        assert exc.reason in {
            "corrupt",
            "truncated",
            "not_an_image",
            "unsupported_format",
            "too_many_pixels",
            "bad_dimensions",
        }


def test_animated_gif_with_a_cut_last_frame_is_refused(save):
    frames = [photo(120, 90, seed=s).convert("P") for s in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, "GIF", save_all=True, append_images=frames[1:])
    data = buf.getvalue()
    assert rejected(save(data[:-300], "cut-anim.gif")).reason == "truncated"


def test_render_frame_rejects_bad_files(save):
    with pytest.raises(RejectedFile) as info:
        render_frame(save(b"<svg/>", "x.gif"), 0)
    assert info.value.reason == "not_an_image"
