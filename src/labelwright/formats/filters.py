"""Stream helpers shared by the writers: filtering, tallying a manifest, placing image files."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path

from labelwright.domain.schema import LabelSchema
from labelwright.formats._common import safe_relative as safe_relative
from labelwright.formats.dataset import DatasetImage, Manifest

MANIFEST_NAME = "manifest.json"


def only_where(
    images: Iterable[DatasetImage], keep: Callable[[DatasetImage], bool]
) -> Iterator[DatasetImage]:
    """Yield the images `keep` accepts."""
    return (image for image in images if keep(image))


def only_classes(images: Iterable[DatasetImage], class_ids: set[str]) -> Iterator[DatasetImage]:
    """Yield each image with only the objects of the given classes."""
    for image in images:
        objects = [o for o in image.annotation.objects if o.class_id in class_ids]
        if len(objects) != len(image.annotation.objects):
            kept = {o.id for o in objects}
            relations = [
                r for r in image.annotation.relations if r.subject in kept and r.object in kept
            ]
            annotation = image.annotation.model_copy(
                update={"objects": objects, "relations": relations}
            )
            image = DatasetImage(**{**image.__dict__, "annotation": annotation})
        yield image


class Tally:
    """Counts images and objects per class name and per split while a writer streams."""

    def __init__(self, format_name: str, schema: LabelSchema) -> None:
        self.manifest = Manifest(format=format_name)
        self._names = {c.id: c.name for c in schema.classes}

    def add(
        self, image: DatasetImage, class_ids: list[str] | None = None, split: str | None = None
    ) -> None:
        """Count one image and the objects written for it (all of its objects unless given)."""
        manifest = self.manifest
        manifest.images += 1
        split = split or image.split or "unassigned"
        manifest.per_split[split] = manifest.per_split.get(split, 0) + 1
        if class_ids is None:
            class_ids = [o.class_id for o in image.annotation.objects]
        manifest.objects += len(class_ids)
        for class_id in class_ids:
            name = self._names.get(class_id, class_id)
            manifest.per_class[name] = manifest.per_class.get(name, 0) + 1

    def finish(self, out: Path) -> Manifest:
        """Write `manifest.json` into `out` and return the manifest."""
        data = asdict(self.manifest)
        (Path(out) / MANIFEST_NAME).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        return self.manifest


def place_image(source: Path, target: Path) -> None:
    """Hard-link `source` to `target` (same file system), else copy it; keep any existing one."""
    ImagePlacer().place(source, target)


class ImagePlacer:
    """Places image files in an export, making each folder once (a writer places thousands)."""

    def __init__(self) -> None:
        self._made: set[Path] = set()

    def place(self, source: Path, target: Path) -> None:
        """Hard-link `source` to `target`, else copy it; keep any existing one."""
        folder = target.parent
        if folder not in self._made:
            folder.mkdir(parents=True, exist_ok=True)
            self._made.add(folder)
        try:
            os.link(source, target)
        except FileExistsError:
            return
        except OSError:  # another device, or a file system without hard links
            if not target.exists():
                shutil.copy2(source, target)
