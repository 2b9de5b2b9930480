"""Label Studio JSON tasks: `tasks.json`, a list of {data, meta, annotations, predictions}.

Coordinates are percent of the image (`original_width`/`original_height` say its
size). A rectangle's `rotation` turns it clockwise around its top-left corner, as
Label Studio does. Masks are `brushlabels` in Label Studio's own RLE (the rle-pack
encoding of the RGBA pixels; the alpha channel, over 127, is the mask). Manual
objects go to the first annotation, the others to one prediction per `source`
(its `model_version`) with their scores. Per-region attributes are extra results
with the region's id: select/multiselect as `choices` of option names, a true
checkbox as `choices` holding the attribute's own name, text as `textarea`,
numbers as `number`. Object-class tags are `choices` from "class"; image tag
groups are `choices` from the group's name.

Not carried: polylines; keypoint skeletons (each labeled node is a
`keypointlabels` point, read back as a `points` object: the points of one object
share the result id `<object id>#<n>`); polygon holes (such polygons are written
as brushes); frames, tracks, groups; attribute and tag-group types are guessed
from the values present, since the JSON holds no schema.
"""

from __future__ import annotations

import json
from pathlib import Path

from labelwright.formats._common import ManifestCounter, copy_image
from labelwright.formats._labelstudio_codec import CLASS_TAGS as CLASS_TAGS
from labelwright.formats._labelstudio_codec import FROM_NAMES as FROM_NAMES
from labelwright.formats._labelstudio_codec import decode_brush as decode_brush
from labelwright.formats._labelstudio_codec import encode_brush as encode_brush
from labelwright.formats._labelstudio_codec import is_finite as is_finite
from labelwright.formats._labelstudio_read import file_name_of as file_name_of
from labelwright.formats._labelstudio_read import read_tasks as read_tasks
from labelwright.formats._labelstudio_write import task_of as task_of
from labelwright.formats.dataset import Dataset, Manifest

FILE_NAME = "tasks.json"


class LabelStudioFormat:
    """Label Studio JSON export/import for image tasks."""

    name = "labelstudio"

    def __init__(self, image_root: str = "") -> None:
        # e.g. "/data/local-files/?d=" so Label Studio finds the copied images
        self.image_root = image_root

    def detect(self, path: Path) -> float:
        """Sure when the JSON (or the folder's tasks.json) is a list of tasks with `data`."""
        target = path / FILE_NAME if path.is_dir() else path
        if not target.is_file() or target.suffix.lower() != ".json":
            return 0.0
        with target.open("rb") as stream:
            head = stream.read(4096).decode("utf-8", "replace").lstrip()
        if not head.startswith("[") or '"data"' not in head:
            return 0.0
        return 0.9 if '"annotations"' in head or '"predictions"' in head else 0.7

    def read(self, path: Path) -> Dataset:
        """Read a Label Studio JSON export (the file, or the folder holding tasks.json)."""
        target = path / FILE_NAME if path.is_dir() else path
        return read_tasks(target, self.image_root)

    def write(self, dataset: Dataset, out: Path, *, copy_images: bool = True) -> Manifest:
        """Write tasks.json (and images/ with the pixels), one task at a time."""
        out.mkdir(parents=True, exist_ok=True)
        schema = dataset.schema
        counter = ManifestCounter(self.name, schema)
        with (out / FILE_NAME).open("w", encoding="utf-8") as stream:
            stream.write("[")
            for number, image in enumerate(dataset):
                task = task_of(image, schema, self.image_root)
                stream.write(("," if number else "") + "\n" + json.dumps(task))
                if copy_images:
                    copy_image(image, out / "images")
                counter.add_image(image)
                for obj in image.annotation.objects:
                    if obj.shape.kind != "polyline":
                        counter.add_object(obj)
            stream.write("\n]\n")
        return counter.manifest


FORMAT = LabelStudioFormat()
"""The Label Studio JSON format plugin."""
