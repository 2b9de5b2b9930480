"""Loading a COCO instances file: entry by entry when it has one entry per line, else whole.

Labelwright writes every image and annotation entry on a line of its own (see
`_SplitWriter`). Such a file is read line by line: each annotation is kept as its raw line
(a third of the memory the parsed entry takes) and parsed again only when its image is
built, so a million annotations fit in a few hundred megabytes. Any other layout (one
long line, pretty-printed JSON) is parsed whole; both ways give the same entries.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from labelwright.formats.dataset import FormatError

_SECTIONS = (b'"images":[', b'"annotations":[')


@dataclass
class Instances:
    """An instances file's top-level fields, its image entries and its annotations."""

    top: dict[str, Any]  # everything but the images and annotations
    images: list[Any]
    annotations: list[Any]  # parsed entries, or raw lines (bytes) to parse on use


class NotOneEntryPerLine(ValueError):
    """A raw annotation line did not parse alone: the file must be parsed whole."""


def load_instances(file: Path, name: str, *, whole: bool = False) -> Instances:
    """Read an instances file (FormatError, naming it, when it is not a JSON object)."""
    try:
        by_line = None if whole else _by_line(file)
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
