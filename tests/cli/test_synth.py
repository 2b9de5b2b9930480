"""`labelwright synth` end to end on a data dir: into a project, into a folder, and errors."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import lw  # noqa: F401 - the fixture
from tests.cli.test_datasets_cli import flat
from tests.synth.gl import gl  # noqa: F401 - the fixture

RECIPE = {
    "name": "blocks",
    "image": {"width": 64, "height": 48},
    "objects": [
        {"class": "Block", "primitive": {"type": "box"}, "count": [1, 2]},
        {"class": "Ball", "primitive": {"type": "sphere"}},
    ],
    "camera": {"distance": [3, 4]},
}


@pytest.fixture
def recipe_file(tmp_path):
    """The recipe as a YAML file (JSON is YAML)."""
    path = tmp_path / "scene.yaml"
    path.write_text(json.dumps(RECIPE))
    return path


@pytest.mark.usefixtures("gl")
def test_synth_into_a_project(lw, recipe_file):  # noqa: F811
    assert lw("project", "create", "Blocks").exit_code == 0
    result = lw(
        "synth", str(recipe_file), "--project", "Blocks", "--count", "3", "--workers", "1",
        "--seed", "7",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 images added" in flat(result.output) and "3 annotations written" in result.output
    assert "accepted 3" in lw("project", "show", "Blocks").output
    again = lw("synth", str(recipe_file), "--project", "Blocks", "--count", "3", "--seed", "7")
    assert again.exit_code == 0 and "0 images added, 3 already there" in flat(again.output)


@pytest.mark.usefixtures("gl")
def test_synth_into_a_folder(lw, recipe_file, tmp_path):  # noqa: F811
    out = tmp_path / "yolo"
    result = lw(
        "synth", str(recipe_file), "--out", str(out), "--format", "yolo", "--count", "2",
        "--workers", "1",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 images" in result.output
    assert sorted(p.name for p in out.rglob("*.jpg")) == [
        "blocks-0-000000.jpg",
        "blocks-0-000001.jpg",
    ]


def test_clear_errors(lw, recipe_file, tmp_path):  # noqa: F811
    o = str(tmp_path / "o")
    both = lw("synth", str(recipe_file), "--count", "1", "--project", "P", "--out", o)
    assert both.exit_code == 1 and "either --project" in flat(both.output)
    neither = lw("synth", str(recipe_file), "--count", "1")
    assert neither.exit_code == 1 and "either --project" in flat(neither.output)
    stray = lw("synth", str(recipe_file), "--count", "1", "--project", "P", "--format", "coco")
    assert stray.exit_code == 1 and "--format applies to --out" in flat(stray.output)
    missing = lw("synth", str(tmp_path / "nope.yaml"), "--count", "1", "--out", o)
    assert missing.exit_code == 1 and "no such recipe file" in flat(missing.output)
    bad = tmp_path / "bad.yaml"
    bad.write_text("objects:\n  - class: A\n    primitive: {type: box}\n    count: [2, 1]\n")
    wrong = lw("synth", str(bad), "--count", "1", "--out", o)
    assert wrong.exit_code == 1 and "objects[0].count: low 2 is above high 1" in flat(wrong.output)
    seed = lw("synth", str(recipe_file), "--count", "1", "--out", o, "--seed", "-3")
    assert seed.exit_code == 1 and "seed -3 must be between" in flat(seed.output)
    no_project = lw("synth", str(recipe_file), "--count", "1", "--project", "Nope")
    assert no_project.exit_code == 1 and "'Nope' does not exist" in flat(no_project.output)
    unknown = lw("synth", str(recipe_file), "--count", "1", "--out", o, "--format", "tiff")
    assert unknown.exit_code == 1 and "tiff" in flat(unknown.output)
    assert not (tmp_path / "o").exists()
