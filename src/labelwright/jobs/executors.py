"""Where a job's heavy steps run: inline, a local process pool, or a Ray cluster.

Every executor takes a *worker factory* (a picklable callable that builds the per-worker
function once, e.g. loading a model) and a stream of tasks, and yields results in task
order. Each worker builds its function once and reuses it for every task it gets, so a
model loads once per process or Ray actor, not once per batch.
"""

from __future__ import annotations

import importlib.util
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Protocol

WorkerFactory = Callable[[], Callable[[Any], Any]]


class Executor(Protocol):
    """Runs `factory()(task)` for each task on some workers; results in task order."""

    name: str
    workers: int

    def map(self, factory: WorkerFactory, tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield one result per task, in order."""
        ...

    def close(self) -> None:
        """Release workers."""
        ...


class InlineExecutor:
    """Runs tasks in the calling thread: for tests, tiny jobs and debugging."""

    name = "inline"
    workers = 1

    def map(self, factory: WorkerFactory, tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield one result per task, in order."""
        work = factory()
        for task in tasks:
            yield work(task)

    def close(self) -> None:
        """Nothing to release."""


_work: Callable[[Any], Any] | None = None


def one_thread_per_worker() -> None:
    """Make a worker process use one core: native libraries (OpenCV, OpenMP) would otherwise
    each start a thread per core, and N workers would fight over the same cores."""
    os.environ["OMP_NUM_THREADS"] = "1"
    if importlib.util.find_spec("cv2") is not None:
        import cv2

        cv2.setNumThreads(1)


def _start_worker(factory: WorkerFactory) -> None:
    global _work
    one_thread_per_worker()
    _work = factory()


def _run_task(task: Any) -> Any:
    assert _work is not None, "worker process started without its factory"
    return _work(task)


def _in_order(submit: Callable[[Any], Future], tasks: Iterable[Any], window: int) -> Iterator[Any]:
    """Keep `window` tasks in flight (bounded memory) and yield their results in order."""
    pending: deque[Future] = deque()
    for task in tasks:
        pending.append(submit(task))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


class LocalPoolExecutor:
    """A pool of worker processes on this machine (the default)."""

    name = "local"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = max(1, workers or min(4, os.cpu_count() or 1))
        self._pool: ProcessPoolExecutor | None = None
        self._factory: WorkerFactory | None = None

    def map(self, factory: WorkerFactory, tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield one result per task, in order."""
        if self._pool is None or self._factory is not factory:
            self.close()
            # Never fork: the server process runs threads (the job runner, the web server's
            # pool, native libraries' own), and a forked child may inherit a held lock.
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("forkserver"),
                initializer=_start_worker,
                initargs=(factory,),
            )
            self._factory = factory
        pool = self._pool
        yield from _in_order(lambda task: pool.submit(_run_task, task), tasks, 2 * self.workers)

    def close(self) -> None:
        """Stop the worker processes."""
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None


class RayExecutor:
    """Ray actors, one per worker, each holding what its factory built (e.g. a model)."""

    name = "ray"

    def __init__(self, address: str | None = None, workers: int = 2) -> None:
        try:
            import ray
        except ImportError as exc:
            raise RuntimeError(
                "the Ray executor needs Ray: pip install 'labelwright[ray]'"
            ) from exc
        self._ray = ray
        if not ray.is_initialized():
            ray.init(address=address or None, include_dashboard=False, log_to_driver=False)
        self.workers = max(1, workers)
        self._actors: list[Any] = []
        self._factory: WorkerFactory | None = None

    def _ensure_actors(self, factory: WorkerFactory) -> None:
        if self._factory is factory and self._actors:
            return
        self._kill_actors()

        @self._ray.remote(num_cpus=1)
        class _Worker:
            def __init__(self, factory: WorkerFactory) -> None:
                one_thread_per_worker()
                self.work = factory()

            def run(self, task: Any) -> Any:
                return self.work(task)

        self._actors = [_Worker.remote(factory) for _ in range(self.workers)]
        self._factory = factory

    def map(self, factory: WorkerFactory, tasks: Iterable[Any]) -> Iterator[Any]:
        """Yield one result per task, in order (tasks go round-robin to the actors)."""
        self._ensure_actors(factory)
        pending: deque[Any] = deque()
        for number, task in enumerate(tasks):
            actor = self._actors[number % len(self._actors)]
            pending.append(actor.run.remote(task))
            if len(pending) >= 2 * len(self._actors):
                yield self._ray.get(pending.popleft())
        while pending:
            yield self._ray.get(pending.popleft())

    def _kill_actors(self) -> None:
        for actor in self._actors:
            self._ray.kill(actor)
        self._actors = []

    def close(self) -> None:
        """Stop the actors (the Ray connection stays for the process)."""
        self._kill_actors()


def make_executor(kind: str | None, workers: int | None = None, ray_address: str = "") -> Executor:
    """`local` (default), `ray` (when asked, or when a Ray address is set) or `inline`."""
    kind = kind or ("ray" if ray_address else "local")
    if kind == "inline":
        return InlineExecutor()
    if kind == "local":
        return LocalPoolExecutor(workers)
    if kind == "ray":
        return RayExecutor(ray_address or None, workers or 2)
    raise ValueError(f"unknown executor {kind!r}; use local, ray or inline")
