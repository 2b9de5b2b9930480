"""`labelwright embed`, `similar` and `duplicates` on a fresh data dir."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage
from skimage import data

from labelwright.models.registry import available, default_registry, get_model_entry
from tests.cli.test_cli import lw  # noqa: F401  (the fixture)
from tests.services.test_similarity import ToyPlugin


@pytest.fixture(scope="module", autouse=True)
def toy_registered():
    registry = default_registry()
    if "toy-embedder" not in registry.names():
        registry.register(ToyPlugin(), name="toy-embedder-plugin")


def _said(result) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(result.output.split())


def _import_photos(lw, tmp_path) -> None:  # noqa: F811
    folder = tmp_path / "in"
    folder.mkdir()
    PILImage.fromarray(data.chelsea()).save(folder / "cat.png")
    PILImage.fromarray(data.chelsea()).save(folder / "cat-[copy].jpg", quality=92)
    noise = np.random.default_rng(0).integers(0, 256, (60, 80, 3), np.uint8)
    PILImage.fromarray(noise).save(folder / "noise.png")
    assert lw("project", "create", "pets").exit_code == 0
    assert lw("import", "pets", str(folder)).exit_code == 0


def test_embed_similar_and_duplicates(lw, tmp_path):  # noqa: F811
    _import_photos(lw, tmp_path)
    early = lw("similar", "pets", "1", "--model", "toy-embedder")
    assert early.exit_code == 1 and "run the embed job" in _said(early)
    first = lw("embed", "pets", "--model", "toy-embedder", "--executor", "inline")
    assert first.exit_code == 0, first.output
    assert "3 images embedded" in _said(first)
    again = lw("embed", "pets", "--model", "toy-embedder", "--executor", "inline")
    assert again.exit_code == 0 and "0 images embedded" in _said(again)
    similar = lw("similar", "pets", "1", "--model", "toy-embedder", "-k", "1")
    assert similar.exit_code == 0, similar.output
    # Item 1 is one of the two cats (files are imported in name order): the other is its match.
    assert "│ cat" in _said(similar) and "1.000" in _said(similar)
    assert "noise.png" not in _said(similar)
    groups = lw("duplicates", "pets", "--model", "toy-embedder")
    assert groups.exit_code == 0, groups.output
    assert "1 groups" in _said(groups) and "hash" in _said(groups)
    assert "cat.png" in _said(groups) and "cat-[copy].jpg" in _said(groups)


def test_duplicates_before_any_embedding_run_the_hash_pass(lw, tmp_path):  # noqa: F811
    _import_photos(lw, tmp_path)
    result = lw("duplicates", "pets")
    assert result.exit_code == 0, result.output
    assert "run the embed job" in _said(result) and "cat-[copy].jpg" in _said(result)


def test_refusals_are_clear(lw, tmp_path):  # noqa: F811
    _import_photos(lw, tmp_path)
    far = lw("duplicates", "pets", "--max-distance", "9")
    assert far.exit_code == 1 and "between 0 and 7" in _said(far)
    unknown = lw("embed", "pets", "--model", "nope")
    assert unknown.exit_code == 1 and "nope" in _said(unknown)
    settings = lw("embed", "pets", "--settings", "[1]")
    assert settings.exit_code == 1 and "JSON object" in _said(settings)
    missing = lw("similar", "pets", "99")
    assert missing.exit_code == 1 and "item 99" in _said(missing)


@pytest.mark.skipif(
    not available(get_model_entry("imagenet-mobilenet-v2")), reason="needs labelwright[models]"
)
def test_embed_with_the_default_model(lw, tmp_path):  # noqa: F811
    _import_photos(lw, tmp_path)
    result = lw("embed", "pets", "--executor", "inline")
    assert result.exit_code == 0, result.output
    assert "3 images embedded by imagenet-mobilenet-v2" in _said(result)
