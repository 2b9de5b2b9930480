"""Reading a PyTorch state dict saved in the legacy (pre-1.6, non-zip) format, without torch.

The file is five pickles and raw storages: a magic number, the protocol version, system
info, the state dict (whose tensors point at storages by key), the list of storage keys in
file order; then per storage its element count (int64) and its bytes. Only the classes a
state dict needs may be unpickled, so a hostile file cannot run code.
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001

STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
    "ShortStorage": np.int16,
    "CharStorage": np.int8,
    "ByteStorage": np.uint8,
    "BoolStorage": np.bool_,
}


class CheckpointError(ValueError):
    """The file is not a legacy PyTorch state dict this reader understands."""


@dataclass
class _StorageRef:
    """A storage named in the pickle, filled in once the raw bytes are read."""

    dtype: type
    size: int
    data: np.ndarray | None = None


@dataclass
class _TensorRef:
    """A tensor as a view (offset, shape, strides in elements) of a storage."""

    storage: _StorageRef
    offset: int
    shape: tuple[int, ...]
    strides: tuple[int, ...]


def _rebuild_tensor(storage: _StorageRef, offset: int, shape: tuple, strides: tuple, *_: Any):
    """Stand-in for torch._utils._rebuild_tensor_v2: remember the view, build it later."""
    return _TensorRef(storage, int(offset), tuple(shape), tuple(strides))


class _StateDictUnpickler(pickle.Unpickler):
    """An unpickler that only knows ordered dicts, tensors and storages."""

    def __init__(self, stream: IO[bytes]) -> None:
        super().__init__(stream)
        self.storages: dict[str, _StorageRef] = {}

    def find_class(self, module: str, name: str) -> Any:
        """Allow only what a state dict is made of."""
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in STORAGE_DTYPES:
            return name
        raise CheckpointError(f"unexpected object {module}.{name} in a state dict")

    def persistent_load(self, pid: Any) -> _StorageRef:
        """Resolve ('storage', type, key, location, size, view) to one shared storage."""
        if not (isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage"):
            raise CheckpointError(f"unexpected persistent id {pid!r:.80}")
        _, storage_type, key, _location, size = pid[:5]
        if storage_type not in STORAGE_DTYPES:
            raise CheckpointError(f"unexpected storage type {storage_type!r}")
        if key not in self.storages:
            self.storages[key] = _StorageRef(STORAGE_DTYPES[storage_type], int(size))
        return self.storages[key]


def _read_storages(stream: IO[bytes], refs: dict[str, _StorageRef], keys: list[str]) -> None:
    """Read each storage's raw little-endian bytes, in the file's key order."""
    for key in keys:
        if key not in refs:
            raise CheckpointError(f"storage {key!r} is not used by any tensor")
        ref = refs[key]
        count = int.from_bytes(stream.read(8), "little", signed=True)
        if count != ref.size:
            raise CheckpointError(f"storage {key!r} holds {count} elements, expected {ref.size}")
        nbytes = count * np.dtype(ref.dtype).itemsize
        raw = stream.read(nbytes)
        if len(raw) != nbytes:
            raise CheckpointError(f"file ends inside storage {key!r}")
        ref.data = np.frombuffer(raw, dtype=np.dtype(ref.dtype).newbyteorder("<"))


def _tensor(ref: _TensorRef) -> np.ndarray:
    """The numpy array a tensor reference describes (a copy, native byte order)."""
    data = ref.storage.data
    assert data is not None  # every storage was read before tensors are built
    span = ref.offset + sum((n - 1) * s for n, s in zip(ref.shape, ref.strides, strict=True)) + 1
    if min(ref.shape, default=1) > 0 and (ref.offset < 0 or span > len(data)):
        raise CheckpointError("a tensor reaches outside its storage")
    itemsize = data.itemsize
    view = np.lib.stride_tricks.as_strided(
        data[ref.offset :],
        shape=ref.shape,
        strides=tuple(s * itemsize for s in ref.strides),
        writeable=False,
    )
    return np.array(view, dtype=np.dtype(ref.storage.dtype).newbyteorder("="))


def _restricted_load(stream: IO[bytes]) -> Any:
    """Unpickle one object that may hold no classes at all (the header pickles)."""
    return _StateDictUnpickler(stream).load()


def _read_pickles(stream: IO[bytes], path: Path) -> tuple[dict, list, dict[str, _StorageRef]]:
    """The state dict, the storage key order and the storages named, after the header checks."""
    if _restricted_load(stream) != LEGACY_MAGIC:
        raise CheckpointError(f"{path} is not a legacy PyTorch file (bad magic number)")
    if _restricted_load(stream) != LEGACY_PROTOCOL:
        raise CheckpointError(f"{path} has an unknown PyTorch protocol version")
    _restricted_load(stream)  # system info: sizes of C types on the saving machine
    unpickler = _StateDictUnpickler(stream)
    state = unpickler.load()
    keys = _restricted_load(stream)
    if not isinstance(state, dict) or not isinstance(keys, list):
        raise CheckpointError(f"{path} does not hold a state dict")
    return state, keys, unpickler.storages


def read_state_dict(path: Path) -> dict[str, np.ndarray]:
    """Every tensor of a legacy-format state dict file, by name, as numpy arrays."""
    with path.open("rb") as stream:
        try:
            state, keys, storages = _read_pickles(stream, path)
            _read_storages(stream, storages, keys)
        except CheckpointError:
            raise
        except Exception as error:  # a damaged pickle can fail in many ways; all mean the same
            raise CheckpointError(
                f"{path} is not a readable legacy PyTorch file: {error}"
            ) from None
    return {name: _tensor(value) for name, value in state.items() if isinstance(value, _TensorRef)}
