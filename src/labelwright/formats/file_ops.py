"""File operations of an export (hard links, copies, small files) and the reading of many
small files, and the helper process that runs them in batches beside the writer or the
reader (`python -m labelwright.formats.file_ops`).

The helper reads requests from its standard input and answers on its standard output, each
message a length-prefixed pickle. It loads nothing of Labelwright but this module, so it
starts in a blink and never runs the caller's own script again (as a spawned
multiprocessing child would, where that script has no `if __name__ == "__main__"`).
"""

from __future__ import annotations

import os
import pickle
import shutil
import struct
import sys
from typing import IO, Any

PLACE, WRITE = 0, 1  # the kinds of file operation
ABSENT = None  # what reading a file that is not there gives
_LENGTH = struct.Struct("<I")

Operation = tuple[int, str, Any]  # (PLACE, target, source) or (WRITE, path, data)


def place(source: str, target: str) -> None:
    """Hard-link `source` to `target`, else copy it; keep any existing one (its folder exists)."""
    try:
        os.link(source, target)
    except FileExistsError:
        return
    except OSError:  # another device, or a file system without hard links
        if not os.path.exists(target):
            shutil.copy2(source, target)


def write_file(path: str, data: bytes) -> None:
    """Create or replace a small file (os calls: a file per image makes open() costly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def run(batch: list[Operation], made: set[str]) -> None:
    """Do a batch of operations in order, making each folder once (`made` remembers them)."""
    for kind, path, other in batch:
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        if kind == PLACE:
            place(other, path)
        else:
            write_file(path, other)


def read_file(path: str) -> bytes | str | None:
    """A file's bytes; ABSENT when there is no such file; the error's text when it cannot be
    read (so that a batch of reads goes on past it)."""
    try:
        with open(path, "rb") as handle:  # cheaper than Path.open, once per file
            return handle.read()
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return ABSENT
    except OSError as error:
        return str(error)


def send(stream: IO[bytes], message: Any) -> None:
    """Write one message (None ends a stream of batches)."""
    blob = b"" if message is None else pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(blob)) + blob)


def receive(stream: IO[bytes]) -> Any:
    """Read one message; EOFError when the other side is gone."""
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        raise EOFError("the other side of the export's file helper is gone")
    (length,) = _LENGTH.unpack(head)
    if length == 0:
        return None
    blob = stream.read(length)
    if len(blob) < length:
        raise EOFError("the other side of the export's file helper is gone")
    return pickle.loads(blob)  # from the process that started this one


def serve(requests: IO[bytes], answers: IO[bytes]) -> None:
    """Answer requests until None: ("run", operations) says nothing, unless it fails (then
    ("failed", why), and later runs are skipped); ("read", batches of paths) answers with
    ("read", their `read_file` results) for each batch in turn. The last answer is ("done",
    the first failure or None)."""
    made: set[str] = set()
    failure: str | None = None
    while (request := receive(requests)) is not None:
        kind, payload = request
        if kind == "read":
            for paths in payload:
                send(answers, ("read", [read_file(path) for path in paths]))
                answers.flush()
        elif failure is None:
            try:
                run(payload, made)
            except OSError as error:
                failure = str(error)
                send(answers, ("failed", failure))
                answers.flush()
    send(answers, ("done", failure))
    answers.flush()


if __name__ == "__main__":
    serve(sys.stdin.buffer, sys.stdout.buffer)
