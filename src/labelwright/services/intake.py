"""Bringing images into a project: probe, store, deduplicate, record, report."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import islice
from pathlib import Path

from labelwright.media.blobs import BlobStore
from labelwright.media.errors import RejectedFile
from labelwright.media.probe import ProbedImage, probe_image
from labelwright.media.remote import FetchPolicy, fetch_url
from labelwright.media.sources import Candidate, SourceLimits, iter_candidates
from labelwright.services.context import Context
from labelwright.services.derived import store_display, wants_display
from labelwright.store import bulk
from labelwright.store.tables import Batch, Job, utcnow

CHUNK = 64  # files probed per round trip to the workers and per database commit
Progress = Callable[[int, str], None]  # (files finished so far, name of the last one)


@dataclass
class ImportReport:
    """What happened to every file of one import."""

    batch_id: int | None = None
    job_id: int | None = None
    added: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    rejected: list[dict] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        """Counts per outcome."""
        return {
            "added": len(self.added),
            "duplicates": len(self.duplicates),
            "rejected": len(self.rejected),
        }

    def as_dict(self) -> dict:
        """A JSON-ready form, as stored on the job and returned by the API."""
        return {
            "batch_id": self.batch_id,
            "job_id": self.job_id,
            **self.summary(),
            "added_files": self.added,
            "duplicate_files": self.duplicates,
            "rejected_files": self.rejected,
        }


@dataclass(frozen=True)
class _Stored:
    """A probed file whose original and thumbnail are in blob storage."""

    name: str
    probe: ProbedImage
    blob_key: str
    thumb_key: str


@lru_cache(maxsize=4)
def _blob_store(url: str) -> BlobStore:
    # One store object per worker process and URL; it holds no data, only a filesystem handle.
    return BlobStore(url)


def _probe_and_store(
    name: str, path: str, storage_url: str, max_pixels: int, thumb_size: int
) -> _Stored | RejectedFile:
    """Worker-side: check one file and put its bytes and thumbnail in storage."""
    try:
        probe = probe_image(Path(path), name=name, max_pixels=max_pixels, thumb_size=thumb_size)
    except RejectedFile as exc:
        return exc
    except Exception as exc:  # a decoder bug must reject one file, never the batch
        return RejectedFile(
            name, "corrupt", f"{name}: could not be read ({type(exc).__name__}: {exc})"
        )
    store = _blob_store(storage_url)
    blob_key = store.key_for(probe.sha256, probe.ext, "original")
    thumb_key = store.key_for(probe.sha256, "jpg", "thumb")
    store.put_file(Path(path), blob_key)
    if not store.exists(thumb_key):
        store.put_bytes(probe.thumbnail, thumb_key, durable=False)  # derived: made again if lost
    if wants_display(probe.width, probe.height, probe.frame_count):
        # Large images get the editor's display copy now, in the worker, not on first view.
        store_display(store, probe.sha256, Path(path), max_pixels)
    return _Stored(name, probe, blob_key, thumb_key)


def _fetch(candidate: Candidate, workdir: Path, policy: FetchPolicy) -> Candidate | RejectedFile:
    """Download one URL candidate into the work dir."""
    dest = Path(tempfile.mkstemp(dir=workdir, suffix=".download")[1])
    try:
        fetch_url(candidate.url or "", dest, policy)
    except RejectedFile as exc:
        return exc
    return Candidate(name=candidate.name, path=dest, url=candidate.url)


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(items, size)):
        yield chunk


class Intake:
    """One import run into one project, recorded as a batch and a job."""

    def __init__(
        self,
        ctx: Context,
        project_id: int,
        *,
        user_id: int | None,
        batch_name: str,
        workers: int = 0,
        progress: Progress | None = None,
        batch_note: str = "",
        due_date: date | None = None,
    ) -> None:
        self.ctx = ctx
        self.project_id = project_id
        self.user_id = user_id
        self.batch_name = batch_name
        self.batch_note, self.due_date = batch_note, due_date
        self.workers = workers
        self.progress = progress or (lambda _done, _name: None)
        self.report = ImportReport()
        self._done = 0
        settings = ctx.settings
        self.policy = FetchPolicy(
            allow_networks=settings.url_allow_networks, read_timeout=settings.url_timeout_s
        )
        self.limits = SourceLimits(max_archive_bytes=settings.max_archive_bytes)

    def run(self, paths: Iterable[Path]) -> ImportReport:
        """Import every file the paths name; bad files are reported, never fatal."""
        self._open_records()
        self.ctx.settings.tmp_dir.mkdir(parents=True, exist_ok=True)
        workdir = Path(tempfile.mkdtemp(prefix="import-", dir=self.ctx.settings.tmp_dir))
        try:
            with self._executor() as pool, ThreadPoolExecutor(8) as fetchers:
                candidates = iter_candidates(paths, workdir, self.limits)
                for chunk in _chunks(candidates, CHUNK):
                    self._process(chunk, pool, fetchers, workdir)
            self._close_records("done", "")
        except BaseException as exc:
            self._close_records("failed", f"{type(exc).__name__}: {exc}")
            raise
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        return self.report

    def _executor(self) -> Executor:
        if self.workers > 1:
            return ProcessPoolExecutor(self.workers)
        return ThreadPoolExecutor(1)

    def _process(self, chunk: list, pool: Executor, fetchers: Executor, workdir: Path) -> None:
        fetched = list(fetchers.map(lambda c: self._resolve(c, workdir), chunk))
        jobs = []
        for item in fetched:
            if isinstance(item, RejectedFile):
                self._reject(item)
            else:
                jobs.append(
                    pool.submit(
                        _probe_and_store,
                        item.name,
                        str(item.path),
                        self.ctx.settings.storage_url,
                        self.ctx.settings.max_image_pixels,
                        self.ctx.settings.thumb_size,
                    )
                )
        results = [job.result() for job in jobs]
        stored = []
        for result in results:
            if isinstance(result, RejectedFile):
                self._reject(result)
            else:
                stored.append(result)
        if stored:
            self._record(stored)
        for item in fetched:  # downloads are scratch copies; originals are in storage now
            if isinstance(item, Candidate) and item.url and item.path:
                item.path.unlink(missing_ok=True)

    def _resolve(self, item: Candidate | RejectedFile, workdir: Path) -> Candidate | RejectedFile:
        if isinstance(item, Candidate) and item.url and item.path is None:
            return _fetch(item, workdir, self.policy)
        return item

    def _reject(self, exc: RejectedFile) -> None:
        self.report.rejected.append({"name": exc.name, "reason": exc.reason, "detail": exc.detail})
        self._tick(exc.name)

    def _tick(self, name: str) -> None:
        self._done += 1
        self.progress(self._done, name)

    def _record(self, stored: list[_Stored]) -> None:
        """Insert images and items for one chunk in one transaction."""
        with self.ctx.db.session() as sess:
            image_ids = bulk.ensure_images(sess, [_image_row(s) for s in stored])
            existing = bulk.items_by_image(sess, self.project_id, set(image_ids.values()))
            new_rows, seen = [], {}
            for s in stored:
                image_id = image_ids[s.probe.sha256]
                if image_id in existing or image_id in seen:
                    dup_of = existing.get(image_id) or seen[image_id]
                    self.report.duplicates.append({"name": s.name, "duplicate_of": dup_of})
                    continue
                seen[image_id] = s.name
                new_rows.append(
                    {
                        "project_id": self.project_id,
                        "image_id": image_id,
                        "batch_id": self.report.batch_id,
                        "file_name": s.name[:1000],
                        "state": "new",
                        "priority": 0.0,
                        "created_at": utcnow(),
                        "updated_at": utcnow(),
                    }
                )
            created = bulk.insert_items(sess, new_rows)
            for row in new_rows:
                item_id = created.get(row["image_id"])
                if item_id is None:  # a concurrent import added it first
                    self.report.duplicates.append(
                        {"name": row["file_name"], "duplicate_of": "concurrent"}
                    )
                else:
                    self.report.added.append({"name": row["file_name"], "item_id": item_id})
            job = sess.get(Job, self.report.job_id)
            job.done = self._done + len(stored)
        for s in stored:
            self._tick(s.name)

    def _open_records(self) -> None:
        with self.ctx.db.session() as sess:
            batch = Batch(
                project_id=self.project_id,
                name=self.batch_name,
                note=self.batch_note,
                due_date=self.due_date,
                created_by=self.user_id,
            )
            job = Job(
                project_id=self.project_id,
                kind="import",
                state="running",
                created_by=self.user_id,
                params={"batch": self.batch_name},
            )
            sess.add_all([batch, job])
            sess.flush()
            self.report.batch_id, self.report.job_id = batch.id, job.id

    def _close_records(self, state: str, error: str) -> None:
        with self.ctx.db.session() as sess:
            job = sess.get(Job, self.report.job_id)
            job.state, job.error, job.done = state, error, self._done
            job.total = self._done
            job.result = {**self.report.summary(), "rejected_files": self.report.rejected[:1000]}
            job.finished_at = utcnow()


def _image_row(s: _Stored) -> dict:
    p = s.probe
    return {
        "sha256": p.sha256,
        "phash": p.phash,
        "format": p.format,
        "mime": p.mime,
        "width": p.width,
        "height": p.height,
        "frame_count": p.frame_count,
        "orientation": p.orientation,
        "size_bytes": p.size_bytes,
        "blob_key": s.blob_key,
        "thumb_key": s.thumb_key,
        "created_at": utcnow(),
    }


def import_paths(
    ctx: Context,
    project_id: int,
    paths: Iterable[Path],
    *,
    user_id: int | None = None,
    batch_name: str = "",
    workers: int = 0,
    progress: Progress | None = None,
    batch_note: str = "",
    due_date: date | None = None,
) -> ImportReport:
    """Import files, folders, archives and URL lists into a project (one batch)."""
    paths = list(paths)
    name = batch_name or ", ".join(p.name for p in paths[:3]) or "import"
    intake = Intake(
        ctx,
        project_id,
        user_id=user_id,
        batch_name=name[:200],
        workers=workers,
        progress=progress,
        batch_note=batch_note,
        due_date=due_date,
    )
    return intake.run(paths)
