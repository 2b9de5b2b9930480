"""The formats' shared file helpers: placing images in an export, finding them in a dataset."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from labelwright.formats import filters
from labelwright.formats._common import ImageFolder
from labelwright.formats.filters import ExportFiles


def test_placing_links_an_image_once_and_keeps_an_existing_one(tmp_path: Path):
    source = tmp_path / "a.jpg"
    source.write_bytes(b"jpeg")
    target = tmp_path / "out" / "train" / "a.jpg"
    with ExportFiles() as files:
        files.place(source, target)
        files.place(source, target)  # again: kept
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


def test_export_files_hand_batches_to_a_helper_and_wait_for_every_file(tmp_path: Path):
    count = filters.BATCH * 3 + 7  # the first batch here, the rest in the helper process
    with ExportFiles() as files:
        for number in range(count):
            files.write(tmp_path / "labels" / f"{number % 3}" / f"{number}.txt", b"%d" % number)
        assert files._helper is not None
    assert files._helper is None  # stopped on leaving
    last = count - 1
    assert (tmp_path / "labels" / f"{last % 3}" / f"{last}.txt").read_bytes() == b"%d" % last
    assert len(list((tmp_path / "labels").rglob("*.txt"))) == count


@pytest.mark.parametrize("where", [3, filters.BATCH * 2 + 3])  # here, or in the helper
def test_export_files_raise_a_failure_naming_the_file(tmp_path: Path, where: int):
    source = tmp_path / "a.jpg"
    source.write_bytes(b"jpeg")
    with pytest.raises(OSError, match=r"missing\.jpg"), ExportFiles() as files:
        for number in range(filters.BATCH * 4):
            name = "missing.jpg" if number == where else "a.jpg"
            files.place(tmp_path / name, tmp_path / "out" / f"{number}.jpg")


def test_a_failure_of_the_export_itself_is_not_hidden(tmp_path: Path):
    source = tmp_path / "a.jpg"
    source.write_bytes(b"jpeg")
    with pytest.raises(KeyError, match="the export's own"), ExportFiles() as files:
        for number in range(filters.BATCH * 2):  # the helper fails on its (one) batch
            name = "missing.jpg" if number == filters.BATCH else "a.jpg"
            files.place(tmp_path / name, tmp_path / "out" / f"{number}.jpg")
        raise KeyError("the export's own failure")


def test_export_files_do_everything_themselves_where_no_process_starts(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(filters, "start_helper", lambda: None)
    count = filters.BATCH * 2 + 1
    with ExportFiles() as files:
        for number in range(count):
            files.write(tmp_path / f"{number}.txt", b"x")
        assert files._helper is None
    assert len(list(tmp_path.glob("*.txt"))) == count


def test_a_process_that_cannot_start_is_no_failure(monkeypatch):
    def refused(*_args, **_kwargs):
        raise OSError("no more processes")

    monkeypatch.setattr(filters.subprocess, "Popen", refused)
    assert filters.start_helper() is None


def test_the_helper_runs_nothing_but_its_module(tmp_path: Path):
    """Started from a script that exports at its top level, the helper does not run it."""
    script = tmp_path / "export_at_top_level.py"
    script.write_text(
        "from pathlib import Path\n"
        "from labelwright.formats.filters import BATCH, ExportFiles\n"
        "here = Path(__file__).parent\n"
        "print('script ran')\n"
        "with ExportFiles() as files:\n"
        "    for n in range(BATCH * 2 + 1):\n"
        "        files.write(here / 'out' / f'{n}.txt', b'x')\n"
    )
    run = subprocess.run([sys.executable, str(script)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("script ran") == 1
    assert len(list((tmp_path / "out").glob("*.txt"))) == filters.BATCH * 2 + 1


def test_read_ahead_gives_every_file_in_order(tmp_path: Path):
    count = filters.BATCH * 6 + 5  # past the first batch: a helper
    paths = []
    for number in range(count):
        path = tmp_path / f"{number}.txt"
        if number % 7:  # every seventh is missing
            path.write_bytes(b"%d" % number)
        paths.append(str(path))
    (tmp_path / "folder.txt").mkdir()
    paths.append(str(tmp_path / "folder.txt"))  # a folder reads as no file
    got = list(filters.read_ahead(paths))
    assert got[:-1] == [b"%d" % n if n % 7 else None for n in range(count)]
    assert got[-1] is None


def test_read_ahead_stopped_early_stops_its_helper(tmp_path: Path):
    paths = []
    for number in range(filters.BATCH * 6):
        (tmp_path / f"{number}.txt").write_bytes(b"x")
        paths.append(str(tmp_path / f"{number}.txt"))
    reading = filters.read_ahead(paths)
    taken = [next(reading) for _ in range(filters.BATCH + 3)]  # the helper has started
    reading.close()  # what a reader that stops half way does (contextlib.closing)
    assert taken == [b"x"] * (filters.BATCH + 3)


def test_read_ahead_of_long_paths_never_waits_on_a_full_pipe(tmp_path: Path):
    folder = tmp_path / ("d" * 200)
    folder.mkdir()
    paths = []
    for number in range(filters.BATCH * 8):  # asks of several pipes' worth of paths
        path = folder / f"{number:0200d}.txt"
        path.write_bytes(b"%d" % number)
        paths.append(str(path))
    assert list(filters.read_ahead(paths)) == [b"%d" % n for n in range(len(paths))]


def test_read_ahead_without_a_helper_reads_in_this_process(tmp_path: Path, monkeypatch):
    paths = []
    for number in range(filters.BATCH * 3):
        (tmp_path / f"{number}.txt").write_bytes(b"%d" % number)
        paths.append(str(tmp_path / f"{number}.txt"))

    def no_helper():
        raise AssertionError("a helper was started")

    monkeypatch.setattr(filters, "start_helper", no_helper)
    assert list(filters.read_ahead(paths, helper=False)) == [b"%d" % n for n in range(len(paths))]
    with pytest.raises(AssertionError, match="a helper was started"):
        list(filters.read_ahead(paths))
