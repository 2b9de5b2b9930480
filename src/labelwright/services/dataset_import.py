"""Datasets into a project, as a job: annotations (or a model's predictions) matched by name.

The work has two sides joined by a stream of pages. The reading side reads the dataset
through its format, maps each image's annotation onto the project's schema by name
(`formats.matching`) and validates a page at a time in bulk (`validate_many`); for a
large dataset it runs in other processes, so reading and checking overlap with writing.
The writing side looks each page's images up by file name and writes their annotations
with a few set-based statements in one short transaction. Images the project lacks, but
whose files the dataset holds, are staged on the way; once the pass ends they come in
through the intake and a second pass writes their labels.

The API queues the job (`queue_import`) and a runner does the work; the CLI runs the
same job in its own process (`import_dataset`).
"""

from __future__ import annotations

import gc
import itertools
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, suppress
from datetime import UTC, datetime
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.context import BaseContext
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue
from pathlib import Path
from queue import Empty
from typing import Any, NamedTuple

import orjson
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from labelwright.domain.plain import PlainBody, plain_bodies
from labelwright.domain.roles import ItemState
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.domain.validation import AnnotationInvalid, ImageSize, Problem, validate_many
from labelwright.formats.dataset import DatasetImage, FormatError, PlainDatasetImage
from labelwright.formats.matching import SchemaMatch, unknown_attribute_issues
from labelwright.jobs.runner import Cancelled, JobControl, JobFailed
from labelwright.services import jobs, projects
from labelwright.services.context import Context
from labelwright.services.datasets import detect, find_format
from labelwright.services.errors import Conflict, Invalid, ServiceError
from labelwright.services.intake import import_paths
from labelwright.services.labelschema import append_schema, current_schema, schema_version
from labelwright.services.predictions import check_name
from labelwright.store.bulk import driver_value, insert_new_returning, insert_rows
from labelwright.store.tables import (
    Annotation,
    AnnotationClass,
    AnnotationRevision,
    Image,
    Item,
    Job,
    Prediction,
    User,
    utcnow,
)

KIND = "import-dataset"
"""The job kind of a dataset import."""
PAGE = 1000  # images per page: one validation batch, one look-up, one short write transaction
MAX_PROBLEMS = 1000  # problems listed in a report (all are counted)
BEAT_SECONDS = 0.5  # progress is reported at most this often
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
_IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp"}
Beat = Callable[..., None]  # (images finished so far, what is going on[, final])


# ---------------------------------------------------------------- reading side


class _Body(PlainBody):
    """An annotation as a revision stores it (its JSON, its objects per class), as written."""

    __slots__ = ()

    @property
    def objects(self) -> int:
        """How many objects it holds."""
        return sum(self.classes.values())

    def text(self) -> str:
        """The body as the database driver takes a JSON column's value (`insert_rows`)."""
        return self.json.decode()


def _stored_body(doc: AnnotationDoc, source: str | None = None) -> _Body:
    """A validated annotation as stored; with `source`, a prediction whose objects carry it."""
    classes: dict[str, int] = {}
    for obj in doc.objects:
        classes[obj.class_id] = classes.get(obj.class_id, 0) + 1
    if source is None:
        return _Body(doc.__pydantic_serializer__.to_json(doc), classes)
    data = doc.model_dump(mode="json")
    for obj in data["objects"]:
        obj["source"] = source
    return _Body(orjson.dumps(data), classes)


class _Prepared(NamedTuple):
    """One dataset image as the reading side hands it over, in the project's ids.

    Plain data that pickles cheaply: the body travels as JSON text, not as objects.
    """

    file_name: str
    size: ImageSize  # as the dataset gives it
    path: str | None  # its image file, if the dataset holds one
    issues: list[tuple[str, str]]  # (reason, detail) of what mapping could not carry over
    skipped: dict[str, int]  # objects dropped while mapping, by reason
    body: _Body | None  # the annotation as stored, when it is valid at `size`
    doc: dict | None  # otherwise the mapped annotation itself, to check at another size
    problems: list[Problem] | None  # why it is invalid at `size` (None: valid, or unchecked)


def _prepare_page(
    images: list[DatasetImage | PlainDatasetImage],
    mapping: SchemaMatch,
    schema: LabelSchema,
    source: str | None,
) -> list[_Prepared]:
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
) -> dict[int, _Prepared]:
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
        k: _Prepared(
            file_name=image.file_name,
            size=size,
            path=str(image.path) if image.path is not None else None,
            issues=[],
            skipped={},
            body=_Body(*body),
            doc=None,
            problems=None,
        )
        for (k, image), size, body in zip(plain, sizes, bodies, strict=True)
        if body is not None
    }


def _prepare_built(
    images: list[DatasetImage], mapping: SchemaMatch, schema: LabelSchema, source: str | None
) -> list[_Prepared]:
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
            _Prepared(
                file_name=image.file_name,
                size=size,
                path=str(image.path) if image.path is not None else None,
                issues=issues,
                skipped=skipped,
                body=_stored_body(outcome, source) if valid else None,
                doc=None if valid else doc.model_dump(),
                problems=outcome.problems if isinstance(outcome, AnnotationInvalid) else None,
            )
        )
    return page


class _LocalPages:
    """The reading side in this process: the dataset's schema, then its prepared pages."""

    def __init__(self, fmt: str, path: Path, source: str | None, page_size: int) -> None:
        self.fmt, self.path, self.source, self.page_size = fmt, path, source, page_size
        self.dataset = find_format(fmt).read(path)
        self.mapping: SchemaMatch | None = None
        self.passes = 0
        self.counted: Counter | None = None  # undeclared attributes as the first pass found

    def schema(self) -> LabelSchema:
        """The dataset's own schema."""
        return self.dataset.schema

    def pages(self, target: LabelSchema, only: set[str] | None = None) -> Iterator[list[_Prepared]]:
        """Prepared pages of the images (of those named in `only`, if given)."""
        return (page for page in self.share(target, only) if page)

    def share(
        self, target: LabelSchema, only: set[str] | None = None, part: tuple[int, int] = (0, 1)
    ) -> Iterator[list[_Prepared]]:
        """Pages number `index`, `index + count`, ... of `part` = (index, count), each
        prepared (empty when `only` leaves none of its images); the others are passed over.

        The first pass reads every image, so its count of undeclared attributes is kept (a
        later pass reads again images the first one staged).
        """
        index, count = part
        self.mapping = self.mapping or SchemaMatch(self.dataset.schema, target)
        if self.passes and isinstance(self.dataset.images, Iterator):
            self.dataset = find_format(self.fmt).read(self.path)  # a one-shot stream: again
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
        local = _LocalPages(fmt, path, source, page_size)
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


def _serve_share(local: _LocalPages, channels: list[_Channel], part: tuple[int, int]) -> None:
    """A reading process: put the schema, then, per (target, only) asked, its share of the
    pages (see `_LocalPages.share`), and the undeclared attributes counted so far."""
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
        """Ask the process for a pass (see `_LocalPages.share`)."""
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


class _ChildPages:
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

    def pages(self, target: LabelSchema, only: set[str] | None = None) -> Iterator[list[_Prepared]]:
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
            if os.path.splitext(name)[1].lower() not in _IMAGE_SUFFIXES:
                total += os.path.getsize(os.path.join(folder, name))
                if total > enough:
                    return total
    return total


def _open_pages(fmt: str, path: Path, source: str | None) -> _LocalPages | _ChildPages:
    """The reading side: in other processes for a large dataset, else in this one.

    `source` (predictions: `model:<name>`) is set on every object of the stored bodies.
    """
    if _label_bytes(path, SECOND_PROCESS_BYTES) > SECOND_PROCESS_BYTES:
        skips = getattr(find_format(fmt), "skips_images", False)
        return _ChildPages(fmt, path, source, READERS if skips else 1)
    return _LocalPages(fmt, path, source, PAGE)


# ---------------------------------------------------------------- writing side


class _Stored(NamedTuple):
    """What an import needs of one of the project's items: its id and its image's size."""

    item_id: int
    size: ImageSize


class _DatasetImport:
    """One dataset written into one project: schema, annotations, and the images it lacked."""

    def __init__(self, ctx: Context, user: User, project_id: int, job_id: int, **options: Any):
        self.ctx, self.user, self.project_id, self.job_id = ctx, user, project_id, job_id
        self.as_predictions: str | None = options.get("as_predictions")
        self.source = f"model:{self.as_predictions}" if self.as_predictions else None
        self.beat: Beat = options.get("beat") or (lambda _done, _note, _final=False: None)
        self.run = datetime.now(UTC).strftime("import-%Y%m%dT%H%M%S.%fZ")
        self.counts: Counter = Counter()
        self.skipped: Counter = Counter()
        self.problems: list[dict] = []
        self.aliases: dict[str, int] = {}  # file name -> existing item holding the same bytes
        self.done = 0
        self.version = 0  # the schema version the reading side validates against

    def problem(self, file_name: str, reason: str, detail: str, **extra: Any) -> None:
        """Note one problem (the first MAX_PROBLEMS are kept, all are counted)."""
        self.counts["problems"] += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append({"file": file_name, "reason": reason, "detail": detail, **extra})

    def target_schema(self, source: LabelSchema) -> LabelSchema:
        """The project's schema (created from the dataset's if it has none), issues noted."""
        with self.ctx.db.session() as sess:
            current = current_schema(sess, self.project_id)
            if current.version == 0:
                append_schema(sess, self.project_id, source, 1, self.user)
                self.version = 1
                self.counts["schema_created"] = 1
                return source
        self.version = current.version
        for issue in SchemaMatch(source, current.schema).schema_issues():
            self.problem("", issue.reason, issue.detail)
        return current.schema

    def items_by_name(self, sess: Session, names: list[str]) -> dict[str, _Stored]:
        """Items of the project by file name (the oldest where several share one)."""
        columns = (Item.id, Image.width, Image.height, Image.frame_count)
        # No ORDER BY: sorting by id would lead SQLite to walk the whole project by id
        # instead of looking the names up in (project_id, file_name).
        rows = sess.execute(
            select(Item.file_name, *columns)
            .join(Image, Image.id == Item.image_id)
            .where(Item.project_id == self.project_id, Item.file_name.in_(names))
        )
        found: dict[str, _Stored] = {}
        for name, item_id, *size in rows:
            if name not in found or item_id < found[name].item_id:
                found[name] = _Stored(item_id, ImageSize(*size))
        wanted = set(names)
        aliased = {n: i for n, i in self.aliases.items() if n in wanted and n not in found}
        if aliased:
            stmt = select(*columns).join(Image, Image.id == Item.image_id)
            rows = sess.execute(stmt.where(Item.id.in_(aliased.values())))
            by_id = {item_id: _Stored(item_id, ImageSize(*size)) for item_id, *size in rows}
            found |= {n: by_id[i] for n, i in aliased.items() if i in by_id}
        return found

    def write_pages(
        self, pages: Iterable[list[_Prepared]], staging: Path | None = None
    ) -> set[str]:
        """Write each page's labels; returns the names of the images staged for the intake.

        An image lacking an item is staged into `staging` when its file is at hand (its
        labels are written by a second pass once the intake brought it in), else reported.
        """
        staged: set[str] = set()
        # What is loaded when the pages start stays loaded through them, so the collector
        # is told not to scan it again at every page; it is handed back at the end (this
        # may run in a long-lived server process).
        gc.collect()
        gc.freeze()
        try:
            for page in pages:
                self.beat(self.done, page[0].file_name)  # a cancel is noticed before each page
                waiting = self._page(page, staging)
                staged |= waiting
                self.done += sum(1 for p in page if p.file_name not in waiting)
        finally:
            gc.unfreeze()
        return staged

    def _page(self, page: list[_Prepared], staging: Path | None) -> set[str]:
        """Check and write one page; returns the names of the images staged for the intake."""
        with self.ctx.db.session(readonly=True) as sess:
            projects.require(sess, self.user, self.project_id, projects.MANAGE)
            schema = current_schema(sess, self.project_id)
            known = self.items_by_name(sess, [p.file_name for p in page])
        ready, waiting = [], set()
        for prepared in page:
            stored = known.get(prepared.file_name)
            if stored is not None:
                ready.append((prepared, stored))
            elif staging is not None and _stage(prepared, staging):
                waiting.add(prepared.file_name)
            else:
                self.problem(
                    prepared.file_name, "no_item", "no item of this name and no image file"
                )
        checked = self._checked(ready, schema.schema, schema.version)
        if checked:
            self._write(checked, schema.version)
        return waiting

    def bring_in(self, staging: Path) -> None:
        """Import the staged image files through the usual intake."""
        # A folder import names each item by its path inside the folder: the dataset's name.
        report = import_paths(
            self.ctx,
            self.project_id,
            [staging],
            user_id=self.user.id,
            batch_name="dataset import",
            progress=lambda _done, name: self.beat(self.done, f"bringing in {name}"),
        )
        self.counts["images_added"] += len(report.added)
        for dup in report.duplicates:
            if isinstance(dup.get("duplicate_of"), int):
                self.aliases[dup["name"]] = dup["duplicate_of"]
        for rejected in report.rejected:
            self.problem(rejected["name"], f"image_{rejected['reason']}", rejected["detail"])

    def _checked(
        self, ready: list[tuple[_Prepared, _Stored]], schema: LabelSchema, version: int
    ) -> list[tuple[str, _Stored, _Body]]:
        """(file name, item, body) of each image that fits its item and the schema.

        The reading side's verdict stands when it checked the image at the stored size
        under this schema version; otherwise (a GIF's frame count the dataset did not
        give, a schema changed meanwhile) the image is checked again here.
        """
        checked, again = [], []
        for prepared, stored in ready:
            self.counts["items_matched"] += 1
            name, size = prepared.file_name, prepared.size
            if (size.width, size.height) != (stored.size.width, stored.size.height):
                detail = f"{size.width}x{size.height} in the dataset, "
                detail += f"{stored.size.width}x{stored.size.height} stored; skipped"
                self.problem(name, "size_mismatch", detail)
                continue
            self.skipped.update(prepared.skipped)
            for reason, detail in prepared.issues:
                self.problem(name, reason, detail)
            if size != stored.size or version != self.version:
                doc = prepared.doc or orjson.loads(prepared.body.json)  # type: ignore[union-attr]
                again.append((name, stored, doc))
            elif prepared.body is not None:
                checked.append((name, stored, prepared.body))
            else:
                self._invalid(name, prepared.problems or [])
        return checked + self._validated(again, schema)

    def _validated(
        self, entries: list[tuple[str, _Stored, dict]], schema: LabelSchema
    ) -> list[tuple[str, _Stored, _Body]]:
        """The entries whose annotations fit the schema at their stored sizes (others noted)."""
        if not entries:
            return []
        docs = [AnnotationDoc.model_validate(doc) for _, _, doc in entries]
        outcomes = validate_many(docs, [stored.size for _, stored, _ in entries], schema)
        fitting = []
        for (name, stored, _), outcome in zip(entries, outcomes, strict=True):
            if isinstance(outcome, AnnotationInvalid):
                self._invalid(name, outcome.problems)
            else:
                fitting.append((name, stored, _stored_body(outcome, self.source)))
        return fitting

    def _invalid(self, file_name: str, problems: list[Problem]) -> None:
        objects = [p.object_id for p in problems]
        self.problem(file_name, "invalid", str(AnnotationInvalid(problems)), objects=objects)
        self.counts["items_skipped"] += 1

    def _write(self, checked: list[tuple[str, _Stored, _Body]], version: int) -> None:
        """Save one page in one transaction, checked again if the schema changed meanwhile."""
        with self.ctx.db.session() as sess:
            projects.require(sess, self.user, self.project_id, projects.MANAGE)
            if schema_version(sess, self.project_id) != version:
                schema = current_schema(sess, self.project_id).schema
                docs = [(n, s, orjson.loads(b.json)) for n, s, b in checked]
                checked = self._validated(docs, schema)
            bodies = {stored.item_id: body for _, stored, body in checked}
            if self.as_predictions:
                self._save_predictions(sess, bodies)
            else:
                self._save_annotations(sess, bodies)

    def _save_annotations(self, sess: Session, bodies: dict[int, _Body]) -> None:
        """Append a revision to the caller's annotation of each item (created if need be)."""
        own = _own_annotations(sess, self.user, list(bodies))
        heads = _current_bodies(sess, [a for a in own.values() if a.revision])
        changed = {}
        for item_id, body in bodies.items():
            annotation = own.get(item_id)
            head = heads.get(annotation.id) if annotation is not None else None
            if head is not None and head == orjson.loads(body.json):
                self.counts["annotations_unchanged"] += 1  # importing twice adds no revision
            else:
                changed[item_id] = body
        _append_revisions(sess, self.project_id, self.user, own, changed, "import")
        self.counts["annotations_written"] += len(changed)

    def _save_predictions(self, sess: Session, bodies: dict[int, _Body]) -> None:
        """Store each annotation as a prediction of the named model; new items become prelabeled."""
        table = Prediction.__table__
        created_at = driver_value(sess, table, "created_at", utcnow())
        model, run = self.as_predictions, self.run
        rows = [
            (self.project_id, item_id, model, run, body.text(), body.objects, created_at)
            for item_id, body in bodies.items()
        ]
        if not rows:
            return
        insert_rows(sess, table, _PREDICTION_COLUMNS, rows)
        sess.execute(
            update(Item)
            .where(Item.id.in_(list(bodies)), Item.state == ItemState.new.value)
            .values(state=ItemState.prelabeled.value, updated_at=utcnow())
        )
        self.counts["predictions_written"] += len(rows)

    def report(self) -> dict[str, Any]:
        """Counts and problems, as returned and stored on the job."""
        return {
            "job_id": self.job_id,
            "items_matched": self.counts["items_matched"],
            "images_added": self.counts["images_added"],
            "annotations_written": self.counts["annotations_written"],
            "annotations_unchanged": self.counts["annotations_unchanged"],
            "predictions_written": self.counts["predictions_written"],
            "items_skipped": self.counts["items_skipped"],
            "schema_created": bool(self.counts["schema_created"]),
            "objects_skipped": {reason: n for reason, n in self.skipped.items() if n},
            "problem_count": self.counts["problems"],
            "problems": self.problems,
        }


def _own_annotations(sess: Session, user: User, item_ids: list[int]) -> dict[int, Annotation]:
    """The caller's annotations of these items by item id (row-locked on PostgreSQL)."""
    if not item_ids:
        return {}
    stmt = select(Annotation).where(Annotation.item_id.in_(item_ids), Annotation.user_id == user.id)
    if sess.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return {a.item_id: a for a in sess.scalars(stmt)}


def _current_bodies(sess: Session, annotations: list[Annotation]) -> dict[int, dict]:
    """The body of each annotation's current revision, by annotation id."""
    if not annotations:
        return {}
    rows = sess.execute(
        select(AnnotationRevision.annotation_id, AnnotationRevision.body)
        .join(
            Annotation,
            (Annotation.id == AnnotationRevision.annotation_id)
            & (Annotation.revision == AnnotationRevision.number),
        )
        .where(Annotation.id.in_([a.id for a in annotations]))
    )
    return dict(rows.all())


def _insert_first_revisions(
    sess: Session, project_id: int, user: User, bodies: dict[int, _Body]
) -> dict[int, int]:
    """Create the caller's annotation of items that have none, at revision 1; item -> id.

    An item whose annotation appeared meanwhile (a concurrent first save) is left out.
    """
    if not bodies:
        return {}
    annotations = Annotation.__table__
    now = driver_value(sess, annotations, "updated_at", utcnow())
    submitted = driver_value(sess, annotations, "submitted", False)
    rows = [
        (project_id, item_id, user.id, 1, body.objects, submitted, now)
        for item_id, body in bodies.items()
    ]
    unique, returning = ("item_id", "user_id"), ("item_id", "id")
    return dict(
        insert_new_returning(sess, annotations, _ANNOTATION_COLUMNS, rows, unique, returning)
    )


_ANNOTATION_COLUMNS = (
    "project_id",
    "item_id",
    "user_id",
    "revision",
    "object_count",
    "submitted",
    "updated_at",
)


def _append_revisions(
    sess: Session,
    project_id: int,
    user: User,
    own: dict[int, Annotation],
    bodies: dict[int, _Body],
    origin: str,
) -> None:
    """What annotations.append_revision does, for many items in a few statements.

    Each item's body becomes the next revision of the caller's annotation (created at
    revision 1 where missing); the pointer moves and the class index is rebuilt.
    """
    created = _insert_first_revisions(
        sess, project_id, user, {i: b for i, b in bodies.items() if i not in own}
    )
    late = [i for i in bodies if i not in own and i not in created]
    own = own | _own_annotations(sess, user, late)
    now = utcnow()
    revisions, classes = AnnotationRevision.__table__, AnnotationClass.__table__
    created_at = driver_value(sess, revisions, "created_at", now)
    revision_rows, class_rows = [], []
    for item_id, body in bodies.items():
        if item_id in created:
            annotation_id, number = created[item_id], 1
        else:
            annotation = own[item_id]
            annotation.revision += 1
            annotation.object_count = body.objects
            annotation.updated_at = now
            annotation_id, number = annotation.id, annotation.revision
        revision_rows.append(
            (annotation_id, number, body.text(), body.objects, origin, user.id, created_at)
        )
        class_rows += [
            (annotation_id, class_id, project_id, item_id, count)
            for class_id, count in body.classes.items()
        ]
    if not revision_rows:
        return
    existing = [annotation_id for annotation_id, number, *_ in revision_rows if number > 1]
    if existing:
        sess.execute(delete(AnnotationClass).where(AnnotationClass.annotation_id.in_(existing)))
    insert_rows(sess, revisions, _REVISION_COLUMNS, revision_rows)
    insert_rows(sess, classes, _CLASS_COLUMNS, class_rows)
    sess.flush()


_REVISION_COLUMNS = (
    "annotation_id",
    "number",
    "body",
    "object_count",
    "origin",
    "created_by",
    "created_at",
)
_CLASS_COLUMNS = ("annotation_id", "class_id", "project_id", "item_id", "count")
_PREDICTION_COLUMNS = (
    "project_id",
    "item_id",
    "model",
    "run",
    "body",
    "object_count",
    "created_at",
)


def _stage(prepared: _Prepared, staging: Path) -> bool:
    """Link (or copy) an image's file into the staging folder; False when it has none."""
    if prepared.path is None or not os.path.isfile(prepared.path):
        return False
    target = staging / _relative(prepared.file_name)
    if target.exists():
        return True  # the same name again: its first file stands for it
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(prepared.path, target)
    except OSError:  # another device, or no hard links
        shutil.copy2(prepared.path, target)
    return True


def _relative(file_name: str) -> Path:
    """A dataset file name as a path that stays inside the staging folder."""
    parts = [p for p in file_name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    return Path(*parts) if parts else Path("unnamed")


# ---------------------------------------------------------------- the job


def run_import(
    ctx: Context, user: User, project_id: int, job_id: int, params: dict, beat: Beat
) -> dict[str, Any]:
    """Import the dataset the job's params name and return the report.

    Raises FormatError for a malformed dataset, ServiceError when access is lost.
    """
    run = _DatasetImport(
        ctx, user, project_id, job_id, as_predictions=params.get("as_predictions"), beat=beat
    )
    staging = Path(tempfile.mkdtemp(prefix="dataset-", dir=ctx.settings.tmp_dir))
    try:
        reading = _open_pages(params["format"], Path(params["path"]), run.source)
        with closing(reading):
            target = run.target_schema(reading.schema())
            staged = run.write_pages(reading.pages(target), staging)
            if staged:
                run.bring_in(staging)
                run.write_pages(reading.pages(target, staged))
            undeclared = unknown_attribute_issues(reading.undeclared())
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    for issue in undeclared:
        run.problem("", issue.reason, issue.detail)
    beat(run.done, "finished", True)
    return run.report()


class _Paced:
    """Passes progress to a job at most every BEAT_SECONDS (checking for a cancel each time)."""

    def __init__(self, control: JobControl) -> None:
        self.control, self.last = control, 0.0

    def __call__(self, done: int, note: str, final: bool = False) -> None:
        now = time.monotonic()
        if final:
            with suppress(Cancelled):  # everything is written: a late cancel changes nothing
                self.control.progress(done, None, note, force=True)
        elif now - self.last >= BEAT_SECONDS:
            self.last = now
            self.control.progress(done, None, note, force=True)


def run_import_job(ctx: Context, control: JobControl) -> dict[str, Any]:
    """The job: import, then remove the uploaded dataset's folder (if it was uploaded)."""
    job = control.job
    try:
        with ctx.db.session(readonly=True) as sess:
            user = sess.get(User, job.created_by) if job.created_by else None
        if user is None:
            raise JobFailed("the account that queued this import no longer exists")
        return run_import(ctx, user, job.project_id, job.id, control.params, _Paced(control))
    except FormatError as exc:
        raise JobFailed(str(exc)) from None
    except ServiceError as exc:
        raise JobFailed(exc.message) from None
    finally:
        _drop_upload(ctx, control.params)


def _drop_upload(ctx: Context, params: dict) -> None:
    """Remove the scratch folder an uploaded dataset was unpacked into (only one in tmp)."""
    folder = params.get("upload_dir")
    if folder and Path(folder).resolve().parent == ctx.settings.tmp_dir.resolve():
        shutil.rmtree(folder, ignore_errors=True)


def queue_import(
    ctx: Context,
    user: User,
    project_id: int,
    path: Path,
    fmt: str | None = None,
    *,
    as_predictions: str | None = None,
    upload_dir: Path | None = None,
) -> int:
    """Check the request now (access, path, format, model name), then queue the import.

    `upload_dir` is a scratch folder under the data dir's tmp holding an uploaded dataset;
    the job removes it when it ends. Returns the job id.
    """
    with ctx.db.session(readonly=True) as sess:
        projects.require(sess, user, project_id, projects.MANAGE)
    path = Path(path)
    if not path.exists():
        raise Invalid(f"{path}: no such file or folder")
    if as_predictions is not None:
        check_name("model", as_predictions)  # the same rule as add_prediction
    reader = find_format(fmt) if fmt else detect(path)
    params = {"format": reader.name, "path": str(path.resolve()), "as_predictions": as_predictions}
    if upload_dir is not None:
        params["upload_dir"] = str(Path(upload_dir).resolve())
    return jobs.queue_job(ctx, user, project_id, KIND, params, projects.MANAGE)


def import_dataset(
    ctx: Context,
    user: User,
    project_id: int,
    path: Path,
    fmt: str | None = None,
    *,
    as_predictions: str | None = None,
    progress: Callable[[int, str], None] | None = None,
) -> dict[str, Any]:
    """Import a dataset in this process (the CLI) as a job; returns its report (managers).

    `progress(images done, note)` follows the job; a malformed dataset raises Invalid.
    """
    job_id = queue_import(ctx, user, project_id, path, fmt, as_predictions=as_predictions)
    follow = (lambda job: progress(job.done, job.note)) if progress else None
    job = jobs.run_inline(ctx, job_id, follow)
    return _report_of(job)


def _report_of(job: Job) -> dict[str, Any]:
    """A finished import job's report, or the error it ended with."""
    if job.state == "done":
        return dict(job.result)
    if job.state == "cancelled":
        raise Conflict(f"import {job.id} was cancelled")
    raise Invalid(job.error or f"import {job.id} failed")
