"""The writers' shared helpers: file-system work on threads, image placing, file lookups."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from labelwright.formats._common import ImageFolder
from labelwright.formats.filters import FileWork, ImagePlacer


def test_file_work_runs_every_call_on_other_threads(tmp_path: Path):
    seen = set()

    def write(path: Path, text: str) -> None:
        seen.add(threading.current_thread().name)
        path.write_text(text)

    with FileWork(threads=2, ahead=3) as files:
        for number in range(50):
            files(write, tmp_path / f"{number}.txt", str(number))
    assert sorted(int(p.read_text()) for p in tmp_path.iterdir()) == list(range(50))
    assert seen and all(name.startswith("export-files") for name in seen)


def test_file_work_raises_the_first_error(tmp_path: Path):
    files = FileWork(threads=2)
    files(Path.write_text, tmp_path / "missing" / "a.txt", "x")  # no such folder
    with pytest.raises(FileNotFoundError):
        files.close()
    with pytest.raises(FileNotFoundError), FileWork(ahead=0) as files:
        files(Path.write_text, tmp_path / "missing" / "b.txt", "x")  # waited for at once


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
