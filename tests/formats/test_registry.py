"""The format registry: built-ins through the plugin hook, lazy, tolerant of broken plugins."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from labelwright.formats import registry
from labelwright.formats.registry import (
    FormatRegistry,
    UnknownFormat,
    available_formats,
    detect_format,
    get_format,
)
from labelwright.hookspecs import hookimpl
from tests.formats.conftest import rich_dataset


def test_builtins_are_available() -> None:
    assert {"coco", "yolo", "native", "voc", "cvat", "labelstudio"} <= set(available_formats())
    assert get_format("coco").name == "coco"


def test_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(UnknownFormat, match=r"unknown format 'pascal'; available: .*coco"):
        get_format("pascal")


def test_listing_formats_imports_no_format_module() -> None:
    code = (
        "import sys; from labelwright.formats.registry import available_formats; "
        "available_formats(); "
        "print([m for m in ('labelwright.formats.coco', 'pycocotools.mask', 'yaml') "
        "if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


class _EntryPoint:
    def __init__(self, name: str, plugin=None, error: Exception | None = None) -> None:
        self.name, self.value, self._plugin, self._error = name, f"pkg.{name}", plugin, error

    def load(self):
        if self._error:
            raise self._error
        return self._plugin


class _ToyFormat:
    name = "toy"

    def detect(self, path: Path) -> float:
        return 0.95 if Path(path).suffix == ".toy" else 0.0


class _GoodPlugin:
    @hookimpl
    def labelwright_formats(self):
        return [_ToyFormat()]


class _RaisingPlugin:
    @hookimpl
    def labelwright_formats(self):
        raise RuntimeError("boom")


def test_plugins_register_and_broken_ones_only_warn(monkeypatch) -> None:
    points = [
        _EntryPoint("good", _GoodPlugin()),
        _EntryPoint("broken", error=ImportError("no module named cv2")),
        _EntryPoint("raising", _RaisingPlugin()),
    ]
    monkeypatch.setattr(registry, "entry_points", lambda group: points)
    with pytest.warns(UserWarning) as caught:
        formats = FormatRegistry()
    messages = " ".join(str(w.message) for w in caught)
    assert "'broken'" in messages and "no module named cv2" in messages
    assert "'raising'" in messages and "boom" in messages
    assert formats.names() == ["coco", "cvat", "labelstudio", "native", "toy", "voc", "yolo"]
    assert formats.detect(Path("x.toy")).name == "toy"


def test_detect_picks_the_format_of_a_folder(tmp_path: Path) -> None:
    get_format("native").write(rich_dataset(), tmp_path / "native")
    get_format("coco").write(rich_dataset(), tmp_path / "coco")
    assert detect_format(tmp_path / "native").name == "native"
    assert detect_format(tmp_path / "coco").name == "coco"
    assert detect_format(tmp_path / "nothing") is None


@pytest.mark.parametrize("name", ["coco", "yolo", "native", "voc", "cvat", "labelstudio"])
def test_every_format_writes_an_empty_dataset(name, tmp_path) -> None:
    from labelwright.domain.schema import LabelSchema
    from labelwright.formats.dataset import Dataset

    out = tmp_path / "not-yet-made" / name
    manifest = get_format(name).write(Dataset(schema=LabelSchema(), images=[]), out)
    assert manifest.images == 0 and out.is_dir()
