"""`labelwright models` and `labelwright prelabel` on a fresh data dir."""

from __future__ import annotations

import pytest

from tests.cli.test_cli import lw  # noqa: F401  (the fixture)
from tests.conftest import write_image

pytest.importorskip("cv2", reason="needs labelwright[models]")


def test_models_lists_what_each_emits(lw):  # noqa: F811
    result = lw("models")
    assert result.exit_code == 0, result.output
    assert "haar-faces" in result.output and "grabcut" in result.output


def test_prelabel_runs_with_progress_and_reruns_add_nothing(lw, tmp_path):  # noqa: F811
    assert lw("project", "create", "faces").exit_code == 0
    write_image(tmp_path / "in" / "a.png", 96, 64)
    write_image(tmp_path / "in" / "b.png", 96, 64, seed=1)
    assert lw("import", "faces", str(tmp_path / "in")).exit_code == 0
    first = lw("prelabel", "faces", "--model", "haar-faces", "--executor", "inline")
    assert first.exit_code == 0, first.output
    assert "2 images" in first.output and "run '1'" in first.output
    again = lw("prelabel", "faces", "--model", "haar-faces", "--executor", "inline")
    assert again.exit_code == 0 and "0 images" in again.output


def test_prelabel_refuses_clearly(lw):  # noqa: F811
    lw("project", "create", "p")
    unknown = lw("prelabel", "p", "--model", "nope")
    assert unknown.exit_code == 1 and "nope" in unknown.output
    bad = lw("prelabel", "p", "--model", "haar-faces", "--settings", "[1]")
    assert bad.exit_code == 1 and "JSON object" in bad.output
