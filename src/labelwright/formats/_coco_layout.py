"""COCO file names and places, shared by the COCO reader and writer."""

from __future__ import annotations

from pathlib import Path

from labelwright.formats.dataset import FormatError

EXT = "labelwright"
_SPLITS = ("train", "val", "test")


def annotations_file(split: str | None) -> str:
    """The annotation file name for a split."""
    return f"instances_{split}.json" if split else "instances.json"


def _annotation_files(path: Path, *, strict: bool) -> list[Path]:
    """The instances files at `path` (a JSON file, a dataset folder or its annotations/)."""
    if path.is_file():
        return [path]
    folder = path / "annotations" if (path / "annotations").is_dir() else path
    files = sorted(f for f in folder.glob("*.json") if f.name != "manifest.json")
    if not files and strict:
        raise FormatError(f"{path}: no COCO annotation JSON files found")
    return files


def split_of(file: Path) -> str | None:
    """The split an annotation file's name says (instances_train2017.json -> train)."""
    tail = file.stem.rsplit("_", 1)[-1].rstrip("0123456789")
    return tail if "_" in file.stem and tail in _SPLITS else None
