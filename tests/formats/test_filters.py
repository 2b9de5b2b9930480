"""The formats' shared file helpers: placing images in an export, finding them in a dataset."""

from __future__ import annotations

from pathlib import Path

from labelwright.formats._common import ImageFolder
from labelwright.formats.filters import ImagePlacer


def test_placing_links_an_image_once_and_keeps_an_existing_one(tmp_path: Path):
    source = tmp_path / "a.jpg"
    source.write_bytes(b"jpeg")
    target = tmp_path / "out" / "train" / "a.jpg"
    placer = ImagePlacer()
    placer.place(source, target)
    placer.place(source, target)  # again: kept
    assert target.read_bytes() == b"jpeg" and target.stat().st_ino == source.stat().st_ino


def test_image_folder_finds_files_by_name_and_in_sub_folders(tmp_path: Path):
    (tmp_path / "images" / "sub").mkdir(parents=True)
    (tmp_path / "images" / "a.jpg").write_bytes(b"a")
    (tmp_path / "images" / "sub" / "b.jpg").write_bytes(b"b")
    folder = ImageFolder(tmp_path / "images")
    assert folder.find("a.jpg") == tmp_path / "images" / "a.jpg"
    assert folder.find("sub/b.jpg") == tmp_path / "images" / "sub" / "b.jpg"
    assert folder.find("sub") is None  # a folder is not an image
    assert folder.find("nope.jpg") is None and folder.find("") is None
    assert ImageFolder(tmp_path / "absent").find("a.jpg") is None
