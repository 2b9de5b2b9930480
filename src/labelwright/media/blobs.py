"""Content-addressed blob storage on the local disk or any fsspec URL."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import BinaryIO

import fsspec
from fsspec.implementations.local import LocalFileSystem

_SHA256 = re.compile(r"[0-9a-f]{64}")
_WORD = re.compile(r"[A-Za-z0-9_-]{1,32}")
COPY_BUFFER = 2**20


class BlobStore:
    """Blobs named by their sha256, under one root: a local folder or an fsspec URL."""

    def __init__(self, url: str) -> None:
        """Open the store at a local path or an fsspec URL ("file:///x", "memory://x", "s3://b/p")."""
        self.url = str(url)
        self.fs, root = fsspec.core.url_to_fs(self.url)
        self.root = root.rstrip("/")
        self._local_root = Path(root) if isinstance(self.fs, LocalFileSystem) else None
        if self._local_root is not None:
            self._local_root.mkdir(parents=True, exist_ok=True)

    def key_for(self, sha256: str, ext: str, kind: str = "original") -> str:
        """Return a blob's key, e.g. "original/ab/cd/<sha>.jpg" (two levels keep folders small)."""
        if not _SHA256.fullmatch(sha256):
            raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
        if not _WORD.fullmatch(ext) or not _WORD.fullmatch(kind):
            raise ValueError(f"bad blob extension or kind: {ext!r}, {kind!r}")
        return f"{kind}/{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext}"

    def _path(self, key: str) -> str:
        """Return the backend path of a key, refusing keys that could escape the root."""
        parts = key.split("/")
        if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"bad blob key: {key!r}")
        return f"{self.root}/{key}"

    def put_file(self, src: Path, key: str) -> None:
        """Store a file under key; a no-op if the key already exists (same key, same bytes)."""
        path = self._path(key)
        if self.exists(key):
            return
        if self._local_root is None:
            self.fs.put_file(str(src), path)
            return
        with open(src, "rb") as f:
            self._write_local(Path(path), f)

    def put_bytes(self, data: bytes, key: str, *, durable: bool = True) -> None:
        """Store bytes under key; a no-op if the key already exists.

        durable=False skips the fsyncs: for derived data (thumbnails, rendered frames)
        that can be made again, where the flush would only cost time.
        """
        path = self._path(key)
        if self.exists(key):
            return
        if self._local_root is None:
            self.fs.pipe_file(path, data)
            return
        self._write_local(Path(path), io.BytesIO(data), durable=durable)

    def _write_local(self, dest: Path, src: BinaryIO, *, durable: bool = True) -> None:
        """Write to a temp name, fsync, then rename, so readers never see a partial blob."""
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=dest.suffix)
        try:
            with os.fdopen(fd, "wb") as out:
                shutil.copyfileobj(src, out, COPY_BUFFER)
                if durable:
                    out.flush()
                    os.fsync(out.fileno())
            os.replace(tmp, dest)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        if not durable:
            return
        # The rename itself is only durable once the directory entry is flushed.
        dir_fd = os.open(dest.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def open(self, key: str) -> BinaryIO:
        """Open a blob for reading."""
        return self.fs.open(self._path(key), "rb")

    def read_bytes(self, key: str) -> bytes:
        """Return the whole content of a blob."""
        return self.fs.cat_file(self._path(key))

    def exists(self, key: str) -> bool:
        """Say whether a blob is stored under key."""
        return bool(self.fs.exists(self._path(key)))

    def local_path(self, key: str) -> Path | None:
        """Return the blob's file path on a local-disk backend (for sendfile), else None."""
        if self._local_root is None:
            return None
        return Path(self._path(key))
