"""Stream helpers shared by the formats: filtering, tallying a manifest, placing image files
and writing small ones (`ExportFiles`), reading many small files ahead (`read_ahead`)."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from labelwright.domain.schema import LabelSchema
from labelwright.formats import file_ops
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
    file_ops.place(str(source), str(target))


BATCH = 256
"""File operations handed over together; below one batch in all, an export does them itself."""


class ExportFiles:
    """Places images and writes small per-image files for an export.

    Creating a file or a hard link costs tens of microseconds in the kernel, as much as
    encoding an image's labels; past the first batch the calls go, in batches, to a
    helper process (`file_ops`), which runs them on another core while the export goes
    on. A thread would not: it would queue for the interpreter lock after each call.
    Where no helper starts, the export does them itself. Use it as a context manager;
    leaving waits for every file, and a failure is raised as an OSError naming the file
    (at the latest on leaving).
    """

    def __init__(self) -> None:
        self._batch: list[file_ops.Operation] = []
        self._made: set[str] = set()  # folders made here, while no helper runs
        self._helper: subprocess.Popen | None = None
        self._flushed = 0  # batches handed over or done so far

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
        self._add((file_ops.PLACE, str(target), str(source)))

    def write(self, path: str | Path, data: bytes) -> None:
        """Create or replace the file `path` holding `data`."""
        self._add((file_ops.WRITE, str(path), data))

    def _add(self, operation: file_ops.Operation) -> None:
        self._batch.append(operation)
        if len(self._batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        """Hand the batch to the helper (started at the second batch) or do it here."""
        if not self._batch:
            return
        batch, self._batch = self._batch, []
        self._flushed += 1
        if self._flushed == 2:  # a small export, of one batch, never starts a process
            self._helper = start_helper()
        if self._helper is None:
            file_ops.run(batch, self._made)
            return
        helper = self._helper
        if select.select([helper.stdout], [], [], 0)[0]:  # it failed on an earlier batch
            raise OSError(_answer(helper)[1])
        try:
            file_ops.send(helper.stdin, ("run", batch))  # type: ignore[arg-type]
            helper.stdin.flush()  # type: ignore[union-attr]
        except BrokenPipeError:
            raise OSError(_GONE) from None

    def _stop(self) -> str | None:
        """Let the helper finish its batches and stop; the first failure it met, if any."""
        helper, self._helper = self._helper, None
        return stop_helper(helper) if helper is not None else None


_GONE = "the process handling the files ended unexpectedly"


def start_helper() -> subprocess.Popen | None:
    """A `file_ops` helper process, or None where none starts (then do the work here)."""
    command = [sys.executable, "-m", "labelwright.formats.file_ops"]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    pipe = subprocess.PIPE
    try:
        return subprocess.Popen(command, stdin=pipe, stdout=pipe, env=env)
    except OSError:
        return None


def stop_helper(helper: subprocess.Popen) -> str | None:
    """Let a helper finish what it was asked and stop; the first failure it met, if any."""
    failure = None
    try:
        file_ops.send(helper.stdin, None)  # type: ignore[arg-type]
        helper.stdin.close()  # type: ignore[union-attr]
    except BrokenPipeError:
        failure = _GONE
    try:
        while True:
            said, why = _answer(helper)
            failure = failure or why
            if said == "done":
                return failure
    finally:
        helper.stdout.close()  # type: ignore[union-attr]
        helper.wait()


def _answer(helper: subprocess.Popen) -> tuple[str, Any]:
    """The helper's next message: ("failed" or "done", the failure or None), or ("read",
    the files' contents)."""
    try:
        return file_ops.receive(helper.stdout)  # type: ignore[arg-type]
    except EOFError:
        return "done", _GONE


def read_ahead(paths: list[str], *, helper: bool = True) -> Iterator[bytes | str | None]:
    """Each file's `file_ops.read_file` result, in order; past the first batch a helper
    process reads the next batches while the caller works on the earlier ones (unless
    `helper` is False: when other processes keep every core busy already).

    The helper is asked for every batch at once, before it answers any, so neither side
    can wait on a full pipe while the other does; its answers wait in the pipe until taken.
    """
    batches = [paths[k : k + BATCH] for k in range(0, len(paths), BATCH)]
    ahead = start_helper() if helper and len(batches) > 1 else None  # none for a few files
    if ahead is None:
        for batch in batches:
            yield from map(file_ops.read_file, batch)
        return
    finished = False
    try:
        file_ops.send(ahead.stdin, ("read", batches[1:]))  # type: ignore[arg-type]
        ahead.stdin.flush()  # type: ignore[union-attr]
        yield from map(file_ops.read_file, batches[0])  # read here while the helper starts
        for _ in batches[1:]:
            said, contents = _answer(ahead)
            if said != "read":
                raise OSError(contents or _GONE)
            yield from contents
        finished = True
    finally:
        if finished:
            stop_helper(ahead)
        else:  # stopped half way: reads change nothing, so the helper is not waited for
            ahead.kill()
            ahead.stdin.close()  # type: ignore[union-attr]
            ahead.stdout.close()  # type: ignore[union-attr]
            ahead.wait()
