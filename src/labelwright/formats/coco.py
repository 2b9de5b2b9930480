"""COCO instances JSON: boxes, polygons, masks and keypoints, written as a stream.

Layout: `annotations/instances_<split>.json` per split (`instances.json` for images without
one), `images/<split>/<file_name>` when images are copied, and `manifest.json`.

Choices (COCO cannot say everything Labelwright can):
- Category ids are 1-based positions in the schema's class list, so they stay the same
  across exports as long as classes are only appended (removing a class shifts later ids).
- A polygon with holes is written as compressed RLE with `iscrowd` 0 (COCO polygons have no
  holes, and several polygons would mean several parts, not holes); its rings are kept in
  the annotation's `labelwright.shape` so Labelwright reads the polygon back exactly.
- A mask is RLE; `iscrowd` is 0 for an instance mask and 1 for a semantic (stuff) mask,
  since COCOeval treats crowd regions as "ignore", which is right only for the latter.
- Rotated boxes and ellipses are written as polygons (ellipses with ELLIPSE_VERTICES points);
  the exact shape rides along in `labelwright.shape`. Boxes carry their rectangle as the
  segmentation, and so do keypoints (the box round their labeled nodes), so `annToMask`
  and COCOeval's segm mode work on every annotation.
- Keypoints go to the category's `keypoints` (node names) and 1-based `skeleton`.
- What COCO has no place for lives in `labelwright` extension fields, which COCO tools
  ignore: per image `tags` (tag group -> option ids), `objects` (polylines, points and tag
  objects as native JSON), `relations`, `state`, `meta`; per annotation the object `id`,
  `attributes`, `frame`, `track`, `group`, `score`, `source`; at the top the whole schema.
- Reading plain COCO: a polygon in several parts becomes one instance mask (pixel-exact);
  an annotation without segmentation becomes a box.

Writing puts every image and annotation entry on a line of its own; reading such a file
keeps each annotation as its raw line until its image is iterated (about 300 bytes per
annotation), while any other layout is parsed whole (about 1 KB per annotation). Images
are converted to domain objects only as the dataset is iterated.
"""

from __future__ import annotations

from pathlib import Path

from labelwright.domain.schema import LabelSchema
from labelwright.formats._coco_layout import EXT as EXT
from labelwright.formats._coco_layout import _annotation_files
from labelwright.formats._coco_layout import annotations_file as annotations_file
from labelwright.formats._coco_layout import split_of as split_of
from labelwright.formats._coco_read import _CocoFile, _CocoImages
from labelwright.formats._coco_write import _SplitWriter, write_image
from labelwright.formats._coco_write import categories as categories
from labelwright.formats._coco_write import coco_annotation as coco_annotation
from labelwright.formats.dataset import Dataset, Manifest
from labelwright.formats.filters import ExportFiles, Tally, safe_relative


class CocoFormat:
    """COCO instances JSON (detection, segmentation, keypoints)."""

    name = "coco"
    skips_images = True  # its image stream passes images over unbuilt (see _CocoImageIterator)

    def detect(self, path: Path) -> float:
        """Sure for a JSON file (or annotations/ folder of them) that starts like COCO."""
        files = _annotation_files(Path(path), strict=False)
        if not files:
            return 0.0
        head = files[0].open("rb").read(4096)
        return 0.9 if b'"images"' in head or b'"categories"' in head else 0.1

    def write(self, dataset: Dataset, out: Path, *, copy_images: bool = True) -> Manifest:
        """Write one instances file per split, streaming; return and save the manifest."""
        out = Path(out)
        folder = out / "annotations"
        folder.mkdir(parents=True, exist_ok=True)
        cats = categories(dataset.schema)
        by_class = {c.id: cat for c, cat in zip(dataset.schema.classes, cats, strict=True)}
        head = {
            "info": {"description": dataset.name, "version": "1.0"},
            "categories": cats,
            EXT: {"schema": dataset.schema.model_dump(mode="json")},
        }
        tally = Tally(self.name, dataset.schema)
        writers: dict[str | None, _SplitWriter] = {}
        try:
            with ExportFiles() as files:
                for image in dataset:
                    writer = writers.get(image.split)
                    if writer is None:
                        writer = writers[image.split] = _SplitWriter(folder, image.split, head)
                    relative = safe_relative(image.file_name, annotations_file(image.split))
                    if copy_images and image.path is not None:
                        files.place(image.path, out / "images" / (image.split or "") / relative)
                    write_image(writer, image, by_class)
                    tally.add(image)
        finally:
            for writer in writers.values():
                writer.close()
        return tally.finish(out)

    def read(self, path: Path, *, schema: LabelSchema | None = None) -> Dataset:
        """Read every instances file; build the schema from the file unless one is given."""
        files = _annotation_files(Path(path), strict=True)
        loaded = [_CocoFile(file, schema) for file in files]
        schema = schema or loaded[0].schema
        for other in loaded[1:]:
            other.check_schema(schema)
        return Dataset(schema=schema, images=_CocoImages(loaded, schema))
