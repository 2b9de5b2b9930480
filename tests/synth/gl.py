"""The OpenGL fixture: GL tests run where a headless context exists, and must in CI."""

from __future__ import annotations

import os
from functools import cache

import pytest


@cache
def gl_problem() -> str | None:
    """Why no headless OpenGL context can be made here, or None when one can."""
    from labelwright.synth.errors import RenderUnavailable
    from labelwright.synth.render import create_context

    try:
        context = create_context()
    except RenderUnavailable as exc:
        return str(exc)
    context.release()
    return None


@pytest.fixture
def gl() -> None:
    """Skip a test that renders when there is no GL, except where LABELWRIGHT_REQUIRE_GL=1 (CI)."""
    problem = gl_problem()
    if problem is None:
        return
    if os.environ.get("LABELWRIGHT_REQUIRE_GL") == "1":
        pytest.fail(f"CI must be able to render: {problem}")
    pytest.skip(problem)
