"""Executors: results in task order, and each worker builds its function once."""

from __future__ import annotations

import functools
import importlib.util
import os

import pytest

from labelwright.jobs.executors import InlineExecutor, LocalPoolExecutor, make_executor


def _square_with_pid(offset: int):
    built_in = os.getpid()

    def work(task: int) -> tuple[int, int, int]:
        return task * task + offset, os.getpid(), built_in

    return work


FACTORY = functools.partial(_square_with_pid, 1)


def test_inline_keeps_order():
    out = list(InlineExecutor().map(FACTORY, range(5)))
    assert [r[0] for r in out] == [1, 2, 5, 10, 17]


def test_local_pool_keeps_order_and_builds_once_per_worker():
    pool = LocalPoolExecutor(2)
    try:
        out = list(pool.map(FACTORY, range(40)))
    finally:
        pool.close()
    assert [r[0] for r in out] == [t * t + 1 for t in range(40)]
    # The function each task ran in was built in that same worker process.
    assert all(pid == built for _, pid, built in out)
    assert 1 <= len({pid for _, pid, _ in out}) <= 2 and os.getpid() not in {r[1] for r in out}


def test_unknown_executor_is_refused():
    with pytest.raises(ValueError, match="unknown executor"):
        make_executor("gpu-farm")


@pytest.mark.skipif(
    importlib.util.find_spec("ray") is None and not os.environ.get("LABELWRIGHT_REQUIRE_RAY"),
    reason="Ray is not installed (pip install 'labelwright[ray]')",
)
def test_ray_executor_on_a_local_cluster():
    ray = pytest.importorskip("ray")
    executor = make_executor("ray", workers=2)
    try:
        out = list(executor.map(FACTORY, range(12)))
    finally:
        executor.close()
        ray.shutdown()
    assert [r[0] for r in out] == [t * t + 1 for t in range(12)]
    assert all(pid == built for _, pid, built in out)
    assert len({pid for _, pid, _ in out}) == 2
