"""BlobStore on the local disk and on fsspec's memory filesystem."""

from __future__ import annotations

import hashlib
import uuid

import pytest

from labelwright.media.blobs import BlobStore

SHA = hashlib.sha256(b"hello").hexdigest()


@pytest.fixture(params=["path", "file-url", "memory"])
def store(request, tmp_path) -> BlobStore:
    if request.param == "path":
        return BlobStore(str(tmp_path / "blobs"))
    if request.param == "file-url":
        return BlobStore(f"file://{tmp_path}/blobs")
    return BlobStore(f"memory://test-{uuid.uuid4().hex}")


def test_key_layout(store):
    assert store.key_for(SHA, "jpg") == f"original/{SHA[:2]}/{SHA[2:4]}/{SHA}.jpg"
    assert store.key_for(SHA, "jpg", kind="thumb").startswith(f"thumb/{SHA[:2]}/")
    for bad in [("nothex", "jpg", "original"), (SHA, "../x", "original"), (SHA, "jpg", "a/b")]:
        with pytest.raises(ValueError):
            store.key_for(*bad)


def test_put_read_open_exists(store, tmp_path):
    src = tmp_path / "src.bin"
    src.write_bytes(b"hello")
    key = store.key_for(SHA, "bin")
    assert not store.exists(key)
    store.put_file(src, key)
    store.put_file(src, key)  # idempotent
    assert store.exists(key)
    assert store.read_bytes(key) == b"hello"
    with store.open(key) as f:
        assert f.read() == b"hello"
    thumb = store.key_for(SHA, "jpg", kind="thumb")
    store.put_bytes(b"thumb", thumb)
    store.put_bytes(b"other", thumb)  # content-addressed: an existing key is never rewritten
    assert store.read_bytes(thumb) == b"thumb"


def test_keys_cannot_escape_the_root(store):
    for key in ["../evil", "/etc/passwd", "a/../../b", "", "a//b"]:
        with pytest.raises(ValueError):
            store.exists(key)


def test_local_path_only_for_local_disk(store, tmp_path):
    key = store.key_for(SHA, "bin")
    store.put_bytes(b"hello", key)
    path = store.local_path(key)
    if store.url.startswith("memory://"):
        assert path is None
    else:
        assert path is not None and path.read_bytes() == b"hello"
        assert path.is_relative_to(tmp_path)
        # The atomic write leaves no temp file behind.
        assert [p.name for p in path.parent.iterdir()] == [path.name]
