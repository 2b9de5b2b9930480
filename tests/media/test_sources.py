"""iter_candidates over files, folders, archives and URL lists."""

from __future__ import annotations

import io
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from labelwright.media.errors import RejectedFile
from labelwright.media.sources import Candidate, SourceLimits, iter_candidates


def collect(paths, workdir: Path, limits: SourceLimits | None = None):
    """Run iter_candidates and split the results."""
    out = list(iter_candidates(paths, workdir, limits or SourceLimits()))
    ok = [c for c in out if isinstance(c, Candidate)]
    bad = [r for r in out if isinstance(r, RejectedFile)]
    assert len(ok) + len(bad) == len(out)
    return ok, bad


def test_plain_file(tmp_path):
    f = tmp_path / "a.jpg"
    f.write_bytes(b"x")
    ok, bad = collect([f], tmp_path / "work")
    assert ok == [Candidate(name="a.jpg", path=f, url=None)] and not bad


def test_missing_path(tmp_path):
    ok, bad = collect([tmp_path / "ghost.jpg"], tmp_path / "work")
    assert not ok and bad[0].reason == "missing"


def test_folder_walk_is_sorted_recursive_and_skips_hidden(tmp_path):
    root = tmp_path / "photos"
    for rel in ["b.jpg", "a.jpg", "sub/c.png", "sub/deeper/d.gif", ".DS_Store", ".git/x", "z/.h"]:
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(b"x")
    ok, bad = collect([root], tmp_path / "work")
    assert [c.name for c in ok] == ["a.jpg", "b.jpg", "sub/c.png", "sub/deeper/d.gif"]
    assert all(c.path and c.path.is_file() for c in ok) and not bad


def test_folder_symlinks_outside_are_refused(tmp_path):
    root = tmp_path / "photos"
    root.mkdir()
    (root / "real.jpg").write_bytes(b"x")
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    os.symlink(secret, root / "leak.jpg")
    os.symlink(root / "real.jpg", root / "alias.jpg")
    os.symlink(tmp_path, root / "up")
    ok, bad = collect([root], tmp_path / "work")
    assert [c.name for c in ok] == ["alias.jpg", "real.jpg"]
    assert sorted(r.name for r in bad) == ["leak.jpg", "up"]
    assert {r.reason for r in bad} == {"unsafe_path"}


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_zip_members_are_extracted_under_workdir(tmp_path):
    archive = make_zip(
        tmp_path / "set.zip",
        {"a.jpg": b"A", "dir/b.png": b"B", "__MACOSX/._a.jpg": b"junk", "inner.zip": b"PK"},
    )
    work = tmp_path / "work"
    ok, bad = collect([archive], work)
    assert [c.name for c in ok] == ["a.jpg", "dir/b.png", "inner.zip"]  # nested: not expanded
    assert [c.path.read_bytes() for c in ok] == [b"A", b"B", b"PK"]
    assert all(c.path.is_relative_to(work) for c in ok) and not bad


def test_zip_traversal_and_absolute_members_are_refused(tmp_path):
    archive = make_zip(
        tmp_path / "evil.zip", {"../evil": b"E", "/abs/evil": b"E", "ok.jpg": b"fine"}
    )
    ok, bad = collect([archive], tmp_path / "work")
    assert [c.name for c in ok] == ["ok.jpg"]
    assert [(r.name, r.reason) for r in bad] == [
        ("../evil", "unsafe_path"),
        ("/abs/evil", "unsafe_path"),
    ]
    assert not (tmp_path / "evil").exists()


def test_zip_symlink_member_is_refused(tmp_path):
    archive = tmp_path / "link.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        info = zipfile.ZipInfo("link.jpg")
        info.external_attr = (0o120777 << 16) | 0
        zf.writestr(info, "/etc/passwd")
    ok, bad = collect([archive], tmp_path / "work")
    assert not ok and bad[0].reason == "unsafe_path"


def test_zip_bomb_stops_at_the_byte_limit(tmp_path):
    archive = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("zeros.bin", "w") as member,
    ):
        chunk = bytes(2**20)
        for _ in range(16):
            member.write(chunk)
    assert archive.stat().st_size < 100_000
    work = tmp_path / "work"
    ok, bad = collect([archive], work, SourceLimits(max_archive_bytes=4 * 2**20))
    assert not ok
    assert [(r.name, r.reason) for r in bad] == [("bomb.zip", "archive_too_large")]
    assert sum(f.stat().st_size for f in work.rglob("*") if f.is_file()) == 0  # partial deleted


def test_member_count_limit(tmp_path):
    archive = make_zip(tmp_path / "many.zip", {f"{i}.jpg": b"x" for i in range(5)})
    ok, bad = collect([archive], tmp_path / "work", SourceLimits(max_archive_members=3))
    assert len(ok) == 3 and bad[0].reason == "archive_too_large"


def make_tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes | None]], mode="w") -> Path:
    with tarfile.open(path, mode) as tf:
        for info, data in members:
            if data is not None:
                info.size = len(data)
            tf.addfile(info, io.BytesIO(data) if data is not None else None)
    return path


@pytest.mark.parametrize(
    ("suffix", "mode"),
    [
        (".tar", "w"),
        (".tar.gz", "w:gz"),
        (".tgz", "w:gz"),
        (".tar.bz2", "w:bz2"),
        (".tar.xz", "w:xz"),
    ],
)
def test_tar_variants(tmp_path, suffix, mode):
    archive = make_tar(
        tmp_path / f"set{suffix}",
        [(tarfile.TarInfo("a.jpg"), b"A"), (tarfile.TarInfo("d/b.jpg"), b"B")],
        mode,
    )
    ok, bad = collect([archive], tmp_path / "work")
    assert [(c.name, c.path.read_bytes()) for c in ok] == [("a.jpg", b"A"), ("d/b.jpg", b"B")]
    assert not bad


def test_tar_links_devices_and_traversal_are_refused(tmp_path):
    sym = tarfile.TarInfo("sym.jpg")
    sym.type, sym.linkname = tarfile.SYMTYPE, "/etc/passwd"
    hard = tarfile.TarInfo("hard.jpg")
    hard.type, hard.linkname = tarfile.LNKTYPE, "ok.jpg"
    dev = tarfile.TarInfo("dev.jpg")
    dev.type = tarfile.CHRTYPE
    archive = make_tar(
        tmp_path / "evil.tar",
        [
            (tarfile.TarInfo("ok.jpg"), b"fine"),
            (sym, None),
            (hard, None),
            (dev, None),
            (tarfile.TarInfo("../../evil.jpg"), b"E"),
        ],
    )
    ok, bad = collect([archive], tmp_path / "work")
    assert [c.name for c in ok] == ["ok.jpg"]
    assert [r.name for r in bad] == ["sym.jpg", "hard.jpg", "dev.jpg", "../../evil.jpg"]
    assert {r.reason for r in bad} == {"unsafe_path"}
    assert not (tmp_path / "evil.jpg").exists()


@pytest.mark.parametrize("name", ["broken.zip", "broken.tar.gz", "broken.tar"])
def test_corrupt_archive_yields_a_rejection_not_an_exception(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(b"this is not an archive at all" * 50)
    ok, bad = collect([path], tmp_path / "work")
    assert not ok and [(r.name, r.reason) for r in bad] == [(name, "corrupt")]


def test_truncated_tar_gz_names_the_archive(tmp_path):
    archive = make_tar(
        tmp_path / "cut.tar.gz", [(tarfile.TarInfo("a.bin"), os.urandom(200_000))], "w:gz"
    )
    archive.write_bytes(archive.read_bytes()[:50_000])
    ok, bad = collect([archive], tmp_path / "work")
    assert not ok and bad[0].name == "cut.tar.gz" and bad[0].reason == "corrupt"


def test_url_list(tmp_path):
    listing = tmp_path / "images.txt"
    listing.write_text(
        "# client batch\n\nhttps://example.com/a.jpg\n  http://example.com/b.png  \n"
        "ftp://example.com/c.jpg\nfile:///etc/passwd\njust some words\nhttp://\n"
    )
    ok, bad = collect([listing], tmp_path / "work")
    assert [(c.name, c.url, c.path) for c in ok] == [
        ("https://example.com/a.jpg", "https://example.com/a.jpg", None),
        ("http://example.com/b.png", "http://example.com/b.png", None),
    ]
    assert [r.reason for r in bad] == [
        "unsupported_scheme",
        "unsupported_scheme",
        "bad_url",
        "bad_url",
    ]
    assert "line 5" in bad[0].detail


def test_urls_suffix_is_a_url_list_too(tmp_path):
    listing = tmp_path / "batch.urls"
    listing.write_text("https://example.com/x.jpg\n")
    ok, _ = collect([listing], tmp_path / "work")
    assert ok[0].url == "https://example.com/x.jpg"
