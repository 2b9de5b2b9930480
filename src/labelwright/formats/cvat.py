"""CVAT for images 1.1: one `annotations.xml` with label metadata and per-image

Mapping: bbox -> <box>, rotated box -> <box rotation>, polygon -> <polygon> (a polygon
with holes becomes a <mask>, as CVAT polygons have none), polyline, points, ellipse,
mask -> <mask> (CVAT's RLE over the mask's bounding box, row by row, starting with
a run of 0s), keypoints -> <skeleton>, tag -> <tag>. CVAT's `occluded` flag is the
checkbox attribute named "occluded"; `group_id` is the object's group (numbers are
kept, other group names get fresh numbers); `z_order` is written as 0 and used on
reading only to order objects. Image tag groups become tag labels whose one
select attribute has the label's own name. Not carried: scores, model names in
`source` (CVAT allows only manual/auto/semi-auto/file/consensus, so others become
"auto"), frames and tracks, skeleton symmetric pairs, multiselect attributes
(written as comma-separated text).
"""

from __future__ import annotations

from pathlib import Path

from labelwright.formats._common import ImageFolder, ManifestCounter, copy_image
from labelwright.formats._cvat_read import MetaReader as MetaReader
from labelwright.formats._cvat_write import SOURCES as SOURCES
from labelwright.formats._cvat_write import image_element as image_element
from labelwright.formats._cvat_write import is_occluded_flag as is_occluded_flag
from labelwright.formats._cvat_write import meta_element as meta_element
from labelwright.formats._cvat_write import num as num
from labelwright.formats._cvat_write import skeleton_svg as skeleton_svg
from labelwright.formats.dataset import Dataset, FormatError, Manifest
from labelwright.formats.xmlutil import parse_xml, peek_root_tag, to_text

FILE_NAME = "annotations.xml"


class CvatFormat:
    """CVAT for images 1.1 XML."""

    name = "cvat"

    def detect(self, path: Path) -> float:
        """Sure when the file (or the folder's annotations.xml) is <annotations> XML."""
        target = path / FILE_NAME if path.is_dir() else path
        if not target.is_file() or target.suffix.lower() != ".xml":
            return 0.0
        return 0.9 if peek_root_tag(target) == "annotations" else 0.0

    def read(self, path: Path) -> Dataset:
        """Read annotations.xml (the file itself or the folder holding it)."""
        target = path / FILE_NAME if path.is_dir() else path
        label = target.name
        root = parse_xml(target, label)
        if root.tag != "annotations":
            raise FormatError(f"{label}: root element is <{root.tag}>, not <annotations>")
        meta = MetaReader(root.find("meta"), label)
        folder = ImageFolder(target.parent / "images")
        images = [
            meta.read_image(element, number, folder)
            for number, element in enumerate(root.iterfind("image"), start=1)
        ]
        return Dataset(schema=meta.schema(), images=images, name=meta.task_name)

    def write(self, dataset: Dataset, out: Path, *, copy_images: bool = True) -> Manifest:
        """Write annotations.xml (and images/ with the pixels) into `out`, image by image."""
        out.mkdir(parents=True, exist_ok=True)
        schema = dataset.schema
        counter = ManifestCounter(self.name, schema)
        with (out / FILE_NAME).open("w", encoding="utf-8") as stream:
            stream.write('<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n')
            stream.write("  <version>1.1</version>\n")
            stream.write("  " + to_text(meta_element(schema, dataset.name), level=1) + "\n")
            for number, image in enumerate(dataset):
                element = image_element(image, number, schema)
                stream.write("  " + to_text(element, level=1) + "\n")
                if copy_images:
                    copy_image(image, out / "images")
                counter.add_image(image)
                for obj in image.annotation.objects:
                    counter.add_object(obj)
            stream.write("</annotations>\n")
        return counter.manifest


FORMAT = CvatFormat()
"""The CVAT for images 1.1 format plugin."""
