"""The reading side of a dataset import: the dataset's images as pages ready to write.

A page is PAGE images, each mapped onto the project's schema by name (`formats.matching`)
and validated in bulk (`validate_many`, or `plain_bodies` for images of only usual
objects), its annotation already encoded as a revision stores it. A small dataset is read
in the importing process (`LocalPages`); a large one in other processes (`ChildPages`), so
that reading and checking overlap with writing.

This module imports no more than reading needs (formats and the domain, not the store):
the first reading process is spawned, and what it imports delays the first page.
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import signal
import time
import traceback
from collections import Counter
from collections.abc import Iterator
from contextlib import suppress
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty
from typing import Any, NamedTuple

import orjson

from labelwright.domain.plain import PlainBody, plain_bodies
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.domain.validation import AnnotationInvalid, ImageSize, Problem, validate_many
from labelwright.formats.dataset import (
    IMAGE_SUFFIXES,
    DatasetImage,
    Format,
    FormatError,
    PlainDatasetImage,
)
from labelwright.formats.matching import SchemaMatch
from labelwright.formats.registry import UnknownFormat, get_format

PAGE = 1000  # images per page: one validation batch, one look-up, one short write transaction
AHEAD = 4  # pages a second reading process may have ready before the writing side takes them
STOP_SECONDS = 5  # how long reading processes asked to stop may take before they are killed
COLLECT_EVERY = 50
"""Pages a reading process makes between two looks for reference cycles: pages make few or
none, and each look costs about a third of a page (it walks every page still held)."""
SECOND_PROCESS_BYTES = 32 << 20
"""Label files this large (all but the images) are read in a second process; smaller ones
are read in this one, where starting a process would cost more than it saves."""
READERS = max(1, min(4, os.cpu_count() or 1))
"""Reading processes for a large dataset whose format can pass over images without building
them (`skips_images`): each builds every READERS-th page, since reading is the slow side.
The first loads the dataset's index and forks the others (`_serve_pages`); past a few, the
writing side is the limit."""


def _format(name: str) -> Format:
    """The format registered as `name` (the import checked it when it was queued), or
    FormatError should it have gone since."""
    try:
        return get_format(name)
    except UnknownFormat as exc:
        raise FormatError(str(exc)) from None


class Body(PlainBody):
    """An annotation as a revision stores it (its JSON, its objects per class), as written."""

    __slots__ = ()

    @property
    def objects(self) -> int:
        """How many objects it holds."""
        return sum(self.classes.values())

    def text(self) -> str:
        """The body as the database driver takes a JSON column's value (`insert_rows`)."""
        return self.json.decode()


def stored_body(doc: AnnotationDoc, source: str | None = None) -> Body:
    """A validated annotation as stored; with `source`, a prediction whose objects carry it."""
    classes: dict[str, int] = {}
    for obj in doc.objects:
        classes[obj.class_id] = classes.get(obj.class_id, 0) + 1
    if source is None:
        return Body(doc.__pydantic_serializer__.to_json(doc), classes)
    data = doc.model_dump(mode="json")
    for obj in data["objects"]:
        obj["source"] = source
    return Body(orjson.dumps(data), classes)


class Prepared(NamedTuple):
    """One dataset image as the reading side hands it over, in the project's ids.

    Plain data that pickles cheaply: the body travels as JSON text, not as objects.
    """

    file_name: str
    size: ImageSize  # as the dataset gives it
    path: str | None  # its image file, if the dataset holds one
    issues: list[tuple[str, str]]  # (reason, detail) of what mapping could not carry over
    skipped: dict[str, int]  # objects dropped while mapping, by reason
    body: Body | None  # the annotation as stored, when it is valid at `size`
    doc: dict | None  # otherwise the mapped annotation itself, to check at another size
    problems: list[Problem] | None  # why it is invalid at `size` (None: valid, or unchecked)


def _prepare_page(
    images: list[DatasetImage | PlainDatasetImage],
    mapping: SchemaMatch,
    schema: LabelSchema,
    source: str | None,
) -> list[Prepared]:
    """Map a page of images onto the project's schema and validate them together.

    Images of only usual objects (PlainDatasetImage) whose classes carry over are settled
    without models (`plain_bodies`); the rest, and those it cannot settle, are built.
    """
    settled = _settled_plainly(images, mapping, schema, source)
    built = {
        k: image if isinstance(image, DatasetImage) else image.build()
        for k, image in enumerate(images)
        if k not in settled
    }
    prepared = _prepare_built(list(built.values()), mapping, schema, source)
    settled |= dict(zip(built, prepared, strict=True))
    return [settled[k] for k in range(len(images))]


def _settled_plainly(
    images: list[DatasetImage | PlainDatasetImage],
    mapping: SchemaMatch,
    schema: LabelSchema,
    source: str | None,
) -> dict[int, Prepared]:
    """The plain images `plain_bodies` settles, prepared, by their place in the page."""
    plain = [
        (k, image)
        for k, image in enumerate(images)
        if isinstance(image, PlainDatasetImage) and mapping.keeps(o.class_id for o in image.objects)
    ]
    sizes = [ImageSize(i.width, i.height, i.frame_count) for _, i in plain]
    bodies = plain_bodies(
        [(image.objects, size) for (_, image), size in zip(plain, sizes, strict=True)],
        schema,
        source=source,
    )
    return {
        k: Prepared(
            file_name=image.file_name,
            size=size,
            path=str(image.path) if image.path is not None else None,
            issues=[],
            skipped={},
            body=Body(*body),
            doc=None,
            problems=None,
        )
        for (k, image), size, body in zip(plain, sizes, bodies, strict=True)
        if body is not None
    }


def _prepare_built(
    images: list[DatasetImage], mapping: SchemaMatch, schema: LabelSchema, source: str | None
) -> list[Prepared]:
    """Map built images onto the project's schema and validate them together."""
    mapped = []
    for image in images:
        skipped: Counter = Counter()
        doc, issues = mapping.apply(image.annotation, skipped)
        size = ImageSize(image.width, image.height, image.frame_count)
        mapped.append((doc, size, [(i.reason, i.detail) for i in issues], dict(skipped)))
    checkable = [k for k, (_, size, _, _) in enumerate(mapped) if min(size) > 0]
    outcomes = validate_many(
        [mapped[k][0] for k in checkable], [mapped[k][1] for k in checkable], schema
    )
    verdicts = dict(zip(checkable, outcomes, strict=True))  # an impossible size: unchecked
    page = []
    for number, (image, (doc, size, issues, skipped)) in enumerate(
        zip(images, mapped, strict=True)
    ):
        outcome = verdicts.get(number)
        valid = isinstance(outcome, AnnotationDoc)
        page.append(
            Prepared(
                file_name=image.file_name,
                size=size,
                path=str(image.path) if image.path is not None else None,
                issues=issues,
                skipped=skipped,
                body=stored_body(outcome, source) if valid else None,
                doc=None if valid else doc.model_dump(),
                problems=outcome.problems if isinstance(outcome, AnnotationInvalid) else None,
            )
        )
    return page


class LocalPages:
    """The reading side in this process: the dataset's schema, then its prepared pages."""

    def __init__(self, fmt: str, path: Path, source: str | None, page_size: int) -> None:
        self.fmt, self.path, self.source, self.page_size = fmt, path, source, page_size
        self.dataset = _format(fmt).read(path)
        prepare = getattr(self.dataset.images, "prepare", None)  # see formats.dataset.Format
        if prepare is not None:
            prepare()
        self.mapping: SchemaMatch | None = None
        self.passes = 0
        self.counted: Counter | None = None  # undeclared attributes as the first pass found

    def schema(self) -> LabelSchema:
        """The dataset's own schema."""
        return self.dataset.schema

    def pages(self, target: LabelSchema, only: set[str] | None = None) -> Iterator[list[Prepared]]:
        """Prepared pages of the images (of those named in `only`, if given)."""
        return (page for page in self.share(target, only) if page)

    def share(
        self, target: LabelSchema, only: set[str] | None = None, part: tuple[int, int] = (0, 1)
    ) -> Iterator[list[Prepared]]:
        """Pages number `index`, `index + count`, ... of `part` = (index, count), each
        prepared (empty when `only` leaves none of its images); the others are passed over.

        The first pass reads every image, so its count of undeclared attributes is kept (a
        later pass reads again images the first one staged).
        """
        index, count = part
        self.mapping = self.mapping or SchemaMatch(self.dataset.schema, target)
        if self.passes and isinstance(self.dataset.images, Iterator):
            self.dataset = _format(self.fmt).read(self.path)  # a one-shot stream: again
        self.passes += 1
        plain = getattr(self.dataset.images, "plain", None)  # see formats.dataset.Format
        images = plain() if plain is not None else iter(self.dataset.images)
        select = getattr(images, "select", None)
        if select is not None and count > 1:  # this share's pages alone are read at all
            size = self.page_size
            select(lambda number: number // size % count == index)
        for number in itertools.count():
            if number % count != index:
                if not _pass_over(images, self.page_size):
                    break
                continue
            chunk = list(islice(images, self.page_size))
            if not chunk:
                break
            if only is not None:
                chunk = [i for i in chunk if i.file_name in only]
            yield _prepare_page(chunk, self.mapping, target, self.source) if chunk else []
        if self.counted is None:
            self.counted = Counter(self.mapping.unknown_attribute_values)

    def undeclared(self) -> Counter:
        """(class, attribute) keys objects used that no schema declares, counted once each."""
        return self.counted or Counter()

    def close(self) -> None:
        """Nothing to release."""


def _pass_over(images: Iterator[DatasetImage], count: int) -> int:
    """Move `count` images on (fewer at the end) and say how many; a stream that can
    (`skip`) does so without building them."""
    skip = getattr(images, "skip", None)
    if skip is not None:
        return skip(count)
    return sum(1 for _ in islice(images, count))


class _Channel(NamedTuple):
    """One reading process's two ends: requests to it, and the pages it makes."""

    requests: Connection  # (target, only) to make a pass, None to stop
    pages: Queue


def _serve_pages(
    channels: list[_Channel], fmt: str, path: Path, source: str | None, page_size: int
) -> None:
    """The first reading process: load the dataset once, then fork one reader for each
    further channel and serve the first share itself (see `_serve_share`).

    The forked readers take what was loaded as it is, copy-on-write, instead of each loading
    it again (for a COCO file of a million annotations, seconds of CPU apiece). This process
    has started no thread and sent nothing yet when it forks, so the children start clean.
    """
    try:
        local = LocalPages(fmt, path, source, page_size)
    except FormatError as exc:
        channels[0].pages.put(("error", str(exc)))
        return
    except BaseException:
        channels[0].pages.put(("crash", traceback.format_exc()))
        return
    # The collector would scan what the reader loaded, and every page half built, many
    # times over (a third of the reading time): what is loaded is set aside for good (which
    # also keeps the forked readers from touching, and so copying, its pages), and cycles
    # among the rest are looked for every COLLECT_EVERY pages instead.
    gc.freeze()
    gc.disable()
    children = []
    for index in range(1, len(channels)):
        pid = os.fork()
        if pid == 0:  # a forked reader: it ends here, whatever happens
            try:
                _serve_share(local, channels, (index, len(channels)))
            finally:
                os._exit(0)
        children.append(pid)
    _serve_share(local, channels, (0, len(channels)))
    for pid in children:
        os.waitpid(pid, 0)


def _serve_share(local: LocalPages, channels: list[_Channel], part: tuple[int, int]) -> None:
    """A reading process: put the schema, then, per (target, only) asked, its share of the
    pages (see `LocalPages.share`), and the undeclared attributes counted so far."""
    index = part[0]
    for number, channel in enumerate(channels):
        if number != index:  # each reader holds its own end alone, so it closes as it ends
            channel.requests.close()
    requests, pages = channels[index]
    try:
        pages.put(("schema", (os.getpid(), local.schema())))
        while (asked := requests.recv()) is not None:
            for number, page in enumerate(local.share(*asked, part), start=1):
                pages.put(("page", page))
                if number % COLLECT_EVERY == 0:
                    gc.collect()
            pages.put(("end", local.undeclared()))
    except EOFError:
        pass  # the importing side stopped
    except FormatError as exc:
        pages.put(("error", str(exc)))
    except BaseException:
        pages.put(("crash", traceback.format_exc()))
    finally:
        requests.close()
        pages.close()
        pages.join_thread()  # what was put is sent before the process ends


_ENDED = "the dataset reading process ended unexpectedly"


class _Reader:
    """The importing side's ends of one reading process, up to AHEAD pages ahead of it."""

    def __init__(self, context: BaseContext) -> None:
        self.requests, self.theirs = context.Pipe()
        self.queue: Queue = context.Queue(maxsize=AHEAD)
        self.first: BaseProcess | None = None  # the process that loads the dataset
        self.pid: int | None = None  # this reader's process, once it has said so

    def ended(self) -> bool:
        """Whether this reader's process has ended: its end of the request pipe closes with
        it (it never writes there)."""
        return self.requests.poll()

    def receive(self) -> tuple[str, Any]:
        """The next message; FormatError or RuntimeError when reading failed."""
        while True:
            try:
                tag, value = self.queue.get(timeout=1)
                break
            except Empty:
                # The first process ending takes the readers it had not forked yet with it.
                if self.ended() or (self.first is not None and not self.first.is_alive()):
                    raise RuntimeError(_ENDED) from None
        if tag == "error":
            raise FormatError(value)
        if tag == "crash":
            raise RuntimeError(f"reading the dataset failed:\n{value}")
        if tag == "schema":
            self.pid, value = value
        return tag, value

    def ask(self, target: LabelSchema, only: set[str] | None) -> None:
        """Ask the process for a pass (see `LocalPages.share`)."""
        try:
            self.requests.send((target, only))
        except OSError:  # its end is closed: it has gone
            raise RuntimeError(_ENDED) from None

    def stop(self) -> None:
        """Ask the process to end (it sees this between passes)."""
        with suppress(OSError):  # it may have gone already
            self.requests.send(None)

    def kill(self) -> None:
        """End the process at once, if it is still running (one stopped half way through a
        pass waits for the importing side to take its pages, and never sees `stop`)."""
        if self.pid is not None and not self.ended():  # running: the pid is still its own
            with suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self.requests.poll(STOP_SECONDS)  # its end closes once it is gone


class ChildPages:
    """The reading side in other processes: with several, reader k makes pages k, k + n, ...
    and the pages are taken from them in turn, so they come in the dataset's order.

    The first process is spawned (safe beside the server's threads) and forks the others
    once it has loaded the dataset (`_serve_pages`).
    """

    def __init__(self, fmt: str, path: Path, source: str | None, readers: int = 1) -> None:
        context = multiprocessing.get_context("spawn")
        self.readers = [_Reader(context) for _ in range(readers)]
        channels = [_Channel(reader.theirs, reader.queue) for reader in self.readers]
        args = (channels, fmt, path, source, PAGE)
        self.first = context.Process(target=_serve_pages, args=args, daemon=True)
        self.first.start()
        for reader in self.readers:
            reader.first = self.first
            reader.theirs.close()
        self.passing = False  # whether a pass is under way (its readers never see a stop)
        try:
            schemas = [reader.receive()[1] for reader in self.readers]  # each sends it first
        except BaseException:
            self.close()
            raise
        self._schema = schemas[0]
        self._undeclared: list[Counter] = [Counter() for _ in self.readers]

    def schema(self) -> LabelSchema:
        """The dataset's own schema."""
        return self._schema

    def pages(self, target: LabelSchema, only: set[str] | None = None) -> Iterator[list[Prepared]]:
        """Prepared pages, as the reading processes make them."""
        self.passing = True
        for reader in self.readers:
            reader.ask(target, only)
        for number in itertools.count():
            k = number % len(self.readers)
            tag, value = self.readers[k].receive()
            if tag == "end":  # no page `number`, so none after it: the others end too
                self._undeclared[k] = value
                for step in range(1, len(self.readers)):
                    other = (k + step) % len(self.readers)
                    self._undeclared[other] = self._end_of(self.readers[other])
                self.passing = False
                return
            if value:
                yield value

    @staticmethod
    def _end_of(reader: _Reader) -> Counter:
        tag, value = reader.receive()
        if tag != "end":
            raise RuntimeError(f"a dataset reading process sent {tag!r} after the last page")
        return value

    def undeclared(self) -> Counter:
        """(class, attribute) keys objects used that no schema declares, counted (so far)."""
        return sum(self._undeclared, Counter())

    def close(self) -> None:
        """Stop the reading processes (at once, if the import stopped half way)."""
        for reader in self.readers:
            reader.stop()
        # Between passes each reader sees the stop and ends; during one it never looks.
        deadline = time.monotonic() + (0 if self.passing else STOP_SECONDS)
        for reader in self.readers:
            reader.requests.poll(max(0.0, deadline - time.monotonic()))  # until it ends
        for reader in reversed(self.readers):  # the first last: it waits for the others
            reader.kill()
        self.first.join(timeout=STOP_SECONDS)
        if self.first.is_alive():  # it never said its pid: it was still loading
            self.first.kill()
            self.first.join()
        for reader in self.readers:
            reader.requests.close()
            reader.queue.close()


def _label_bytes(path: Path, enough: int) -> int:
    """Bytes of a dataset's files other than images (counting stops past `enough`)."""
    if path.is_file():
        return path.stat().st_size
    total = 0
    for folder, _dirs, files in os.walk(path):
        for name in files:
            if os.path.splitext(name)[1].lower() not in IMAGE_SUFFIXES:
                total += os.path.getsize(os.path.join(folder, name))
                if total > enough:
                    return total
    return total


def open_pages(fmt: str, path: Path, source: str | None) -> LocalPages | ChildPages:
    """The reading side: in other processes for a large dataset, else in this one.

    `source` (predictions: `model:<name>`) is set on every object of the stored bodies.
    """
    if _label_bytes(path, SECOND_PROCESS_BYTES) > SECOND_PROCESS_BYTES:
        skips = getattr(_format(fmt), "skips_images", False)
        return ChildPages(fmt, path, source, READERS if skips else 1)
    return LocalPages(fmt, path, source, PAGE)
