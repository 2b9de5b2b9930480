"""Turn the files, folders, archives and URL lists a user points at into candidate files."""

from __future__ import annotations

import os
import stat
import tarfile
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO
from urllib.parse import urlsplit

from labelwright.media.errors import RejectedFile

TAR_SUFFIXES = (".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tar.xz")
URL_LIST_SUFFIXES = (".txt", ".urls")
COPY_BUFFER = 2**20
# Archive debris that is never part of the user's data.
_JUNK_PARTS = ("__MACOSX",)


@dataclass
class Candidate:
    """A file to probe: a local path, or a URL to fetch first."""

    name: str  # display name: relative path inside a folder/archive, or the URL
    path: Path | None = None  # a local file to read
    url: str | None = None  # for URL-list entries; fetched later by remote.fetch_url


@dataclass
class SourceLimits:
    """How far an archive may expand."""

    max_archive_bytes: int = 20 * 2**30  # total uncompressed bytes an archive may expand to
    max_archive_members: int = 1_000_000


class _ArchiveTooLarge(Exception):
    """Internal signal: the running total of an archive passed a limit."""


def iter_candidates(
    paths: Iterable[Path], workdir: Path, limits: SourceLimits
) -> Iterator[Candidate | RejectedFile]:
    """Yield a Candidate per file found, a RejectedFile per thing refused; never raises on input."""
    workdir = Path(workdir)
    for path in paths:
        path = Path(path)
        lower = path.name.lower()
        if path.is_dir():
            yield from _iter_folder(path)
        elif not path.is_file():
            yield RejectedFile(path.name, "missing", f"{path} does not exist or is not a file")
        elif lower.endswith(".zip"):
            yield from _iter_zip(path, _extract_dir(workdir, path), limits)
        elif lower.endswith(TAR_SUFFIXES):
            yield from _iter_tar(path, _extract_dir(workdir, path), limits)
        elif lower.endswith(URL_LIST_SUFFIXES):
            yield from _iter_url_list(path)
        else:
            yield Candidate(name=path.name, path=path)


def _extract_dir(workdir: Path, archive: Path) -> Path:
    """Make a fresh folder for one archive, so two archives never collide."""
    workdir.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{archive.name[:40]}-", dir=workdir))


def _iter_folder(root: Path) -> Iterator[Candidate | RejectedFile]:
    """Walk a folder in sorted order, skipping hidden entries and symlinks that leave it."""
    real_root = root.resolve()
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            yield RejectedFile(folder.name, "unreadable", f"{folder} cannot be listed ({exc})")
            continue
        subfolders = []
        for entry in entries:
            if entry.name.startswith("."):
                continue
            path = Path(entry.path)
            rel = path.relative_to(root).as_posix()
            if entry.is_symlink():
                target = path.resolve()
                if not target.is_relative_to(real_root):
                    yield RejectedFile(rel, "unsafe_path", f"{rel} is a symlink leaving {root}")
                elif target.is_file():
                    yield Candidate(name=rel, path=path)
                # A symlinked folder inside the root is walked through its real path already.
            elif entry.is_dir(follow_symlinks=False):
                subfolders.append(path)
            elif entry.is_file(follow_symlinks=False):
                yield Candidate(name=rel, path=path)
        # Reversed so the stack pops them in sorted order.
        stack.extend(reversed(subfolders))


def _safe_member_name(raw: str) -> str | None:
    """Return a clean relative member path, or None if it is absolute or climbs out."""
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) > 1 and name[1] == ":"):
        return None
    parts = [p for p in PurePosixPath(name).parts if p not in ("", ".")]
    if not parts or ".." in parts:
        return None
    return "/".join(parts)


def _is_junk(name: str) -> bool:
    """Say whether a member is hidden or OS debris (.DS_Store, __MACOSX/...)."""
    return any(p.startswith(".") or p in _JUNK_PARTS for p in name.split("/"))


class _Extractor:
    """Writes archive members under one folder, counting real bytes against the limit."""

    def __init__(self, archive: Path, dest: Path, limits: SourceLimits) -> None:
        self.archive, self.dest, self.limits = archive, dest, limits
        self.written = 0
        self.members = 0

    def count_member(self) -> None:
        """Count one member against max_archive_members."""
        self.members += 1
        if self.members > self.limits.max_archive_members:
            raise _ArchiveTooLarge(f"more than {self.limits.max_archive_members} members")

    def write(self, name: str, stream: BinaryIO) -> Path:
        """Stream one member to disk; headers can lie, so count what is actually written."""
        target = self.dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # a repeated member name must not overwrite an earlier candidate
            target = target.with_name(f"{target.stem}~{self.members}{target.suffix}")
        try:
            with open(target, "wb") as out:
                while chunk := stream.read(COPY_BUFFER):
                    self.written += len(chunk)
                    if self.written > self.limits.max_archive_bytes:
                        raise _ArchiveTooLarge(
                            f"expands past {self.limits.max_archive_bytes} bytes"
                        )
                    out.write(chunk)
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return target

    def too_large(self, why: object) -> RejectedFile:
        """The RejectedFile for an archive that expands too far."""
        name = self.archive.name
        return RejectedFile(name, "archive_too_large", f"{name} {why}; extraction stopped")

    def corrupt(self, exc: BaseException) -> RejectedFile:
        """The RejectedFile for an archive that cannot be read."""
        name = self.archive.name
        return RejectedFile(name, "corrupt", f"{name} is a corrupt archive ({exc})")


def _unsafe(name: str, why: str) -> RejectedFile:
    return RejectedFile(name, "unsafe_path", f"{name} was refused: {why}")


def _iter_zip(path: Path, dest: Path, limits: SourceLimits) -> Iterator[Candidate | RejectedFile]:
    """Extract a zip member by member, refusing unsafe ones."""
    ex = _Extractor(path, dest, limits)
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                ex.count_member()
                mode = info.external_attr >> 16
                name = _safe_member_name(info.filename)
                if name is None:
                    yield _unsafe(info.filename, "absolute path or '..' in an archive member")
                elif stat.S_ISLNK(mode):
                    yield _unsafe(name, "symlinks in archives are not followed")
                elif info.is_dir() or _is_junk(name):
                    continue
                elif info.flag_bits & 0x1:
                    yield RejectedFile(name, "encrypted", f"{name} is encrypted in {path.name}")
                else:
                    with zf.open(info) as stream:
                        target = ex.write(name, stream)
                    yield Candidate(name=name, path=target)
    except _ArchiveTooLarge as exc:
        yield ex.too_large(exc)
    except Exception as exc:  # BadZipFile, OSError, zlib.error, unknown compression, ...
        yield ex.corrupt(exc)


def _iter_tar(path: Path, dest: Path, limits: SourceLimits) -> Iterator[Candidate | RejectedFile]:
    """Extract a tar (optionally compressed) as a stream, refusing links and devices."""
    ex = _Extractor(path, dest, limits)
    try:
        # "r|*" reads strictly forward: no seeking, no member index held in memory.
        with tarfile.open(path, mode="r|*") as tf:
            for member in tf:
                ex.count_member()
                name = _safe_member_name(member.name)
                if name is None:
                    yield _unsafe(member.name, "absolute path or '..' in an archive member")
                elif member.issym() or member.islnk():
                    yield _unsafe(name, "links in archives are not followed")
                elif member.isdir() or _is_junk(name):
                    continue
                elif not member.isreg():
                    yield _unsafe(name, "device files and FIFOs are not extracted")
                else:
                    stream = tf.extractfile(member)
                    if stream is None:
                        continue
                    with stream:
                        target = ex.write(name, stream)
                    yield Candidate(name=name, path=target)
    except _ArchiveTooLarge as exc:
        yield ex.too_large(exc)
    except Exception as exc:  # TarError, OSError, EOFError, zlib/lzma/bz2 errors
        yield ex.corrupt(exc)


def _iter_url_list(path: Path) -> Iterator[Candidate | RejectedFile]:
    """Yield one Candidate per http(s) URL line; blank lines and # comments are skipped."""
    try:
        with path.open(encoding="utf-8", errors="replace") as f:
            for number, raw in enumerate(f, start=1):
                line = raw.strip()
                if not line or line.startswith("#"):
                    continue
                yield _url_candidate(line, f"{path.name} line {number}")
    except OSError as exc:
        yield RejectedFile(path.name, "unreadable", f"{path.name} cannot be read ({exc})")


def _url_candidate(line: str, where: str) -> Candidate | RejectedFile:
    """Check one URL-list line."""
    shown = line if len(line) <= 200 else line[:200] + "..."
    try:
        parts = urlsplit(line)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:  # e.g. a malformed IPv6 host
        return RejectedFile(shown, "bad_url", f"{where}: {shown!r} is not a valid URL")
    if scheme and scheme not in ("http", "https"):
        return RejectedFile(
            shown, "unsupported_scheme", f"{where}: {scheme}: URLs are not fetched, only http(s)"
        )
    if not scheme or not host or any(c.isspace() for c in line):
        return RejectedFile(shown, "bad_url", f"{where}: {shown!r} is not an http(s) URL")
    return Candidate(name=line, url=line)
