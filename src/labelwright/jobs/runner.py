"""A worker loop that claims queued jobs and runs their handlers, with progress and cancel.

Each server process may run one `JobRunner` thread; handlers are given by the layer that
knows how to do the work (`services/`), so this module only knows records and timing.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from labelwright.jobs import records
from labelwright.jobs.records import Claimed
from labelwright.store.db import Database

log = logging.getLogger(__name__)


class Cancelled(Exception):
    """The job was cancelled (or taken over by another worker); stop working on it."""


class JobFailed(Exception):
    """A handler's clear, user-facing reason for failing a job."""


class JobControl:
    """What a handler sees: the job's parameters, and progress reporting that can stop it."""

    def __init__(self, db: Database, job: Claimed, worker: str, beat_every: float = 0.5):
        self.db, self.job, self.worker = db, job, worker
        self.beat_every = beat_every
        self._last_beat = 0.0

    @property
    def params(self) -> dict[str, Any]:
        """The job's parameters as queued."""
        return self.job.params

    @property
    def saved(self) -> dict[str, Any]:
        """What an earlier attempt checkpointed (empty on the first attempt)."""
        return self.job.result

    def progress(
        self,
        done: int,
        total: int | None = None,
        note: str | None = None,
        *,
        checkpoint: dict[str, Any] | None = None,
        force: bool = False,
    ) -> None:
        """Record progress (at most every `beat_every` s unless forced); raise if cancelled."""
        now = time.monotonic()
        if not force and checkpoint is None and now - self._last_beat < self.beat_every:
            return
        self._last_beat = now
        keep_going = records.beat(
            self.db, self.job.id, self.worker, done=done, total=total, note=note, result=checkpoint
        )
        if not keep_going:
            raise Cancelled(f"job {self.job.id} was cancelled")


Handler = Callable[[JobControl], dict[str, Any]]


def worker_name() -> str:
    """This process's name in job rows: host and pid."""
    return f"{socket.gethostname()}:{os.getpid()}"[:64]


def run_claimed(db: Database, job: Claimed, handler: Handler, worker: str) -> str:
    """Run one claimed job to its end; returns the state it finished in."""
    control = JobControl(db, job, worker)
    try:
        result = handler(control)
    except Cancelled:
        records.finish(db, job.id, worker, records.CANCELLED, error="cancelled")
        return records.CANCELLED
    except JobFailed as exc:
        records.finish(db, job.id, worker, records.FAILED, error=str(exc))
        return records.FAILED
    except Exception as exc:
        log.error("job %s (%s) failed:\n%s", job.id, job.kind, traceback.format_exc())
        records.finish(db, job.id, worker, records.FAILED, error=f"{type(exc).__name__}: {exc}")
        return records.FAILED
    records.finish(db, job.id, worker, records.DONE, result=result)
    return records.DONE


def run_one(
    db: Database,
    handlers: Mapping[str, Handler],
    worker: str | None = None,
    on_finish: Callable[[int], None] | None = None,
) -> bool:
    """Claim and run one job if there is one, then call `on_finish(job id)`; True when one ran."""
    worker = worker or worker_name()
    job = records.claim(db, set(handlers), worker)
    if job is None:
        return False
    run_claimed(db, job, handlers[job.kind], worker)
    if on_finish is not None:
        on_finish(job.id)
    return True


class JobRunner:
    """A background thread that polls for jobs and runs them one at a time."""

    def __init__(
        self,
        db: Database,
        handlers: Mapping[str, Handler],
        poll: float = 1.0,
        on_finish: Callable[[int], None] | None = None,
    ) -> None:
        self.db, self.handlers, self.poll = db, dict(handlers), poll
        self.on_finish = on_finish  # told each job's id once it ended (activity events)
        self.worker = worker_name()
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start polling in a daemon thread."""
        self._thread = threading.Thread(target=self._loop, name="labelwright-jobs", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for work now (a job was just queued in this process)."""
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop after the current job's next progress report at the latest."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                ran = run_one(self.db, self.handlers, self.worker, self.on_finish)
            except Exception:  # the loop must survive a database hiccup
                log.exception("job runner: claiming failed")
                ran = False
            if not ran:
                self._wake.wait(self.poll)
                self._wake.clear()
