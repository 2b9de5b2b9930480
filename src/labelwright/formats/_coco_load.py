"""Loading a COCO instances file: entry by entry when it has one entry per line, else whole.

Labelwright writes every image and annotation entry on a line of its own (see
`_SplitWriter`). Such a file is read line by line: each annotation is kept as its raw line
(a third of the memory the parsed entry takes) and parsed again only when its image is
built, so a million annotations fit in a few hundred megabytes. Any other layout (one
long line, pretty-printed JSON) is parsed whole; all ways give the same entries.

A file laid out exactly as Labelwright writes it is read faster still (`_exact`): the
images in one parse, and the annotation lines left in the file's bytes, found and grouped
by image with a few whole-buffer operations (`AnnotationLines`) instead of a Python step
per line, which made loading a million annotations take seconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from labelwright.formats.dataset import FormatError

_SECTIONS = (b'"images":[', b'"annotations":[')


@dataclass
class Instances:
    """An instances file's top-level fields, its image entries and its annotations."""

    top: dict[str, Any]  # everything but the images and annotations
    images: list[Any]
    annotations: Sequence[Any]  # parsed entries, or raw lines (bytes) to parse on use


class NotOneEntryPerLine(ValueError):
    """A raw annotation line did not parse alone: the file must be parsed whole."""


def load_instances(file: Path, name: str, *, whole: bool = False) -> Instances:
    """Read an instances file (FormatError, naming it, when it is not a JSON object)."""
    try:
        by_line = None if whole else _exact(file.read_bytes()) or _by_line(file)
        if by_line is not None:
            return by_line
        data = orjson.loads(file.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise FormatError(f"{name}: not readable JSON ({error})") from None
    if not isinstance(data, dict):
        raise FormatError(f"{name}: expected a JSON object at the top")
    images = _list(data.pop("images", []), "images", name)
    annotations = _list(data.pop("annotations", []), "annotations", name)
    return Instances(top=data, images=images, annotations=annotations)


def parse_entry(entry: Any) -> Any:
    """An annotation entry as loaded: parsed already, or a raw line parsed now.

    NotOneEntryPerLine when a raw line is not JSON on its own (the caller then loads the
    file whole, which reports any real error).
    """
    if not isinstance(entry, bytes):
        return entry
    try:
        return orjson.loads(entry)
    except orjson.JSONDecodeError:
        raise NotOneEntryPerLine from None


def _list(value: Any, key: str, name: str) -> list:
    """A top-level array, or FormatError."""
    if not isinstance(value, list):
        raise FormatError(f"{name}: {key} must be a list")
    return value


def _by_line(file: Path) -> Instances | None:
    """The file read line by line, or None when it is not laid out one entry per line."""
    with file.open("rb") as handle:
        lines = iter(handle)
        top = _head(next(lines, b""))
        if top is None:
            return None
        found: dict[bytes, list] = {}
        for line in lines:
            stripped = line.strip()
            if not stripped:
                continue
            if stripped not in _SECTIONS or stripped in found:
                return None
            section = found[stripped] = []
            closing = _section(lines, section, keep_raw=stripped == _SECTIONS[1])
            if closing is None:
                return None
            if closing == b"]}":
                break
        if any(line.strip() for line in lines) or len(found) != len(_SECTIONS):
            return None
    return Instances(top=top, images=found[_SECTIONS[0]], annotations=found[_SECTIONS[1]])


def _head(line: bytes) -> dict[str, Any] | None:
    """The first line (`{"info": ..., "categories": [...],`) as an object, if it is one."""
    stripped = line.strip()
    if not stripped.startswith(b"{") or not stripped.endswith(b","):
        return None
    try:
        top = orjson.loads(stripped[:-1] + b"}")
    except orjson.JSONDecodeError:
        return None
    return top if isinstance(top, dict) and not top.keys() & {"images", "annotations"} else None


def _section(lines: Iterator[bytes], into: list, *, keep_raw: bool) -> bytes | None:
    """Collect one array's entries up to its closing line; return that line (or None)."""
    for line in lines:
        stripped = line.strip()
        if stripped in (b"],", b"]}"):
            return stripped
        if not stripped:
            continue
        entry = stripped[:-1] if stripped.endswith(b",") else stripped
        if keep_raw:  # parsed when used (parse_entry); an object is one line, end to end
            if not (entry.startswith(b"{") and entry.endswith(b"}")):
                return None
            into.append(entry)
            continue
        try:
            into.append(orjson.loads(entry))
        except orjson.JSONDecodeError:
            return None  # not one entry per line: the whole-file parse decides
    return None


class AnnotationLines(Sequence[bytes]):
    """The annotation lines of a file laid out as Labelwright writes it, left in its bytes.

    Line k is `data[starts[k]:ends[k]]` (its comma left out); `image_ids[k]` and
    `category_ids[k]` are read from its start, which is how Labelwright begins every line.
    """

    def __init__(
        self, data: bytes, starts: np.ndarray, ends: np.ndarray, heads: np.ndarray
    ) -> None:
        self.data = data
        self.starts, self.ends = starts, ends
        self.image_ids, self.category_ids = heads[:, 0], heads[:, 1]

    def __len__(self) -> int:
        return len(self.starts)

    def __getitem__(self, k):  # type: ignore[override]
        if isinstance(k, slice):
            return [self[n] for n in range(len(self))[k]]
        return self.data[self.starts[k] : self.ends[k]]

    def __iter__(self) -> Iterator[bytes]:
        data = self.data
        return (data[s:e] for s, e in zip(self.starts.tolist(), self.ends.tolist(), strict=True))

    def parsed(self, lines: Sequence[int]) -> list | None:
        """The entries of these lines, in their order, parsed in one go; None when they are
        not one JSON object each (the caller then parses them one at a time, to say where).

        Consecutive lines are one slice of the file, their commas and line ends between
        them: each line's own slice is not even made.
        """
        if isinstance(lines, range) and lines.step == 1:
            text = self.data[self.starts[lines.start] : self.ends[lines.stop - 1]]
        else:
            text = b",".join([self.data[self.starts[k] : self.ends[k]] for k in lines])
        try:
            entries = orjson.loads(b"[" + text + b"]")
        except orjson.JSONDecodeError:
            return None
        if len(entries) != len(lines) or not all(type(e) is dict for e in entries):
            return None
        return entries


_IMAGES = b',\n"images":[\n'  # the head line's end, then the images' opening line
_ANNOTATIONS = b'\n],\n"annotations":[\n'  # the images' closing line, the annotations' opening
_END = b"\n]}\n"
_LINE_HEAD = re.compile(rb'\n\{"id":-?\d+,"image_id":(-?\d{1,18}),"category_id":(-?\d{1,18}),')
"""The start of an annotation line as Labelwright writes it, with the line end before it
(so one match per line at most); ids too long for 64 bits do not match."""
_SCAN = 1 << 22  # bytes looked through at a time for line ends (a boolean per byte)


def _exact(data: bytes) -> Instances | None:
    """The file read as laid out exactly as Labelwright writes it, or None when it is not."""
    images_at = data.find(_IMAGES)
    if images_at < 0 or not data.endswith(_END):
        return None
    top = _head(data[: images_at + 1])  # the head line, `{...},`
    first_image = images_at + len(_IMAGES)
    annotations_at = data.find(_ANNOTATIONS, first_image - 1)
    if top is None or annotations_at < 0:
        return None
    try:
        images = orjson.loads(b"[" + data[first_image:annotations_at] + b"]")
    except orjson.JSONDecodeError:
        return None
    lines = _annotation_lines(data, annotations_at + len(_ANNOTATIONS), len(data) - len(_END))
    if lines is None:
        return None
    return Instances(top=top, images=images, annotations=lines)


def _annotation_lines(data: bytes, start: int, end: int) -> AnnotationLines | None:
    """The lines of `data[start:end]` when each begins as Labelwright begins an annotation
    and ends with `}` and a comma (the last without one); else None."""
    view = np.frombuffer(data, dtype=np.uint8)
    breaks = np.concatenate(
        [
            np.flatnonzero(view[at : min(at + _SCAN, end)] == 10) + at
            for at in range(start, end, _SCAN)
        ]
        or [np.empty(0, dtype=np.intp)]
    )
    heads = _LINE_HEAD.findall(data, start - 1, end)  # the newline before the first line too
    count = len(breaks) + 1 if end > start else 0
    if len(heads) != count:
        return None
    starts = np.concatenate(([start], breaks + 1))[:count]
    ends = np.concatenate((breaks - 1, [end]))[:count]  # the comma left out
    commas = view[breaks - 1] == ord(",")
    closed = view[ends - 1] == ord("}")
    if not (commas.all() and closed.all()):
        return None
    numbers = np.fromiter(map(int, chain.from_iterable(heads)), np.int64, 2 * count)
    return AnnotationLines(data, starts, ends, numbers.reshape(count, 2))
