"""Stream helpers shared by the writers: filtering, tallying a manifest, placing image files."""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.process
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from labelwright.domain.schema import LabelSchema
from labelwright.formats._common import safe_relative as safe_relative
from labelwright.formats.dataset import DatasetImage, Manifest

MANIFEST_NAME = "manifest.json"


def only_where(
    images: Iterable[DatasetImage], keep: Callable[[DatasetImage], bool]
) -> Iterator[DatasetImage]:
    """Yield the images `keep` accepts."""
    return (image for image in images if keep(image))


def only_classes(images: Iterable[DatasetImage], class_ids: set[str]) -> Iterator[DatasetImage]:
    """Yield each image with only the objects of the given classes."""
    for image in images:
        objects = [o for o in image.annotation.objects if o.class_id in class_ids]
        if len(objects) != len(image.annotation.objects):
            kept = {o.id for o in objects}
            relations = [
                r for r in image.annotation.relations if r.subject in kept and r.object in kept
            ]
            annotation = image.annotation.model_copy(
                update={"objects": objects, "relations": relations}
            )
            image = DatasetImage(**{**image.__dict__, "annotation": annotation})
        yield image


class Tally:
    """Counts images and objects per class name and per split while a writer streams."""

    def __init__(self, format_name: str, schema: LabelSchema) -> None:
        self.manifest = Manifest(format=format_name)
        self._names = {c.id: c.name for c in schema.classes}

    def add(
        self, image: DatasetImage, class_ids: list[str] | None = None, split: str | None = None
    ) -> None:
        """Count one image and the objects written for it (all of its objects unless given)."""
        manifest = self.manifest
        manifest.images += 1
        split = split or image.split or "unassigned"
        manifest.per_split[split] = manifest.per_split.get(split, 0) + 1
        if class_ids is None:
            class_ids = [o.class_id for o in image.annotation.objects]
        manifest.objects += len(class_ids)
        for class_id in class_ids:
            name = self._names.get(class_id, class_id)
            manifest.per_class[name] = manifest.per_class.get(name, 0) + 1

    def finish(self, out: Path) -> Manifest:
        """Write `manifest.json` into `out` and return the manifest."""
        data = asdict(self.manifest)
        (Path(out) / MANIFEST_NAME).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return self.manifest


def place_image(source: Path, target: Path) -> None:
    """Hard-link `source` to `target` (same file system), else copy it; keep any existing one."""
    target.parent.mkdir(parents=True, exist_ok=True)
    _place(str(source), str(target))


def _place(source: str, target: str) -> None:
    """Hard-link `source` to `target`, else copy it; keep any existing one (its folder exists)."""
    try:
        os.link(source, target)
    except FileExistsError:
        return
    except OSError:  # another device, or a file system without hard links
        if not os.path.exists(target):
            shutil.copy2(source, target)


def _write_file(path: str, data: bytes) -> None:
    """Create or replace a small file (os calls: a file per image makes open() costly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o666)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


PLACE, WRITE = 0, 1  # the kinds of file operation, by number (they travel to another process)
BATCH = 256
"""File operations handed over together; below one batch in all, an export does them itself."""


def _file_operations(batch: list[tuple[int, str, Any]], made: set[str]) -> None:
    """Do a batch of (kind, path, source or data) in order, making each folder once."""
    for kind, path, other in batch:
        folder = os.path.dirname(path)
        if folder not in made:
            os.makedirs(folder, exist_ok=True)
            made.add(folder)
        if kind == PLACE:
            _place(other, path)
        else:
            _write_file(path, other)


def _serve_file_operations(conn: Connection) -> None:
    """The helper process: batches in until None. It says ("failed", why) at its first
    failure (doing nothing more), and ("done", the first failure or None) at the end."""
    made: set[str] = set()
    failure: str | None = None
    while (batch := conn.recv()) is not None:
        if failure is None:
            try:
                _file_operations(batch, made)
            except OSError as error:
                failure = str(error)
                conn.send(("failed", failure))
    conn.send(("done", failure))
    conn.close()


class ExportFiles:
    """Places images and writes small per-image files for an export.

    Creating a file or a hard link costs tens of microseconds in the kernel, as much as
    encoding an image's labels; past the first batch the calls go, in batches, to a
    helper process, which runs them on another core while the export goes on. A thread
    would not: it would queue for the interpreter lock after each call. Use it as a
    context manager; leaving waits for every file, and a failure is raised as an
    OSError naming the file (at the latest on leaving).
    """

    def __init__(self) -> None:
        self._batch: list[tuple[int, str, Any]] = []
        self._made: set[str] = set()  # folders made here, before any helper starts
        self._helper: tuple[multiprocessing.process.BaseProcess, Connection] | None = None
        self._started = False

    def __enter__(self) -> ExportFiles:
        return self

    def __exit__(self, kind: type[BaseException] | None, *_: object) -> None:
        try:
            if kind is None:
                self._flush()
        finally:
            failure = self._stop()
        if kind is None and failure is not None:
            raise OSError(failure)

    def place(self, source: Path, target: Path) -> None:
        """Hard-link `source` to `target`, else copy it; keep any existing one."""
        self._add((PLACE, str(target), str(source)))

    def write(self, path: str | Path, data: bytes) -> None:
        """Create or replace the file `path` holding `data`."""
        self._add((WRITE, str(path), data))

    def _add(self, operation: tuple[int, str, Any]) -> None:
        self._batch.append(operation)
        if len(self._batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        """Hand the batch over (to a helper from the second batch on) or do it here."""
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        if not self._started:  # a small export never starts a process
            self._started = True
            _file_operations(batch, self._made)
            return
        if self._helper is None:
            self._helper = self._start()
        conn = self._helper[1]
        if conn.poll():  # the helper failed on an earlier batch
            raise OSError(conn.recv()[1])
        conn.send(batch)

    @staticmethod
    def _start() -> tuple[multiprocessing.process.BaseProcess, Connection]:
        context = multiprocessing.get_context("spawn")  # safe beside the server's threads
        ours, theirs = context.Pipe()
        process = context.Process(target=_serve_file_operations, args=(theirs,), daemon=True)
        process.start()
        theirs.close()
        return process, ours

    def _stop(self) -> str | None:
        """Let the helper finish its batches and stop; the first failure it met, if any."""
        if self._helper is None:
            return None
        process, conn = self._helper
        self._helper = None
        failure = None
        try:
            conn.send(None)
            while True:
                said, why = conn.recv()
                failure = failure or why
                if said == "done":
                    break
        except (EOFError, OSError):
            failure = failure or "the process writing the export's files ended unexpectedly"
        finally:
            conn.close()
            process.join()
        return failure
