"""Pascal VOC: Annotations/*.xml boxes, palette PNG segmentations, ImageSets splits.

Box convention: VOC boxes name 1-based inclusive pixel indices, so a box covering
pixels 0..9 (our continuous x 0 to 10) is written xmin=1, xmax=10. Writing gives
xmin = x + 1 and xmax = x + w; reading gives x = xmin - 1 and w = xmax - xmin + 1.
Fractional boxes are written as decimals (as CVAT does) rather than rounded.

SegmentationObject pixel value i marks the i-th <object> of the XML (1-based);
SegmentationClass pixel value i marks the i-th class of `labelmap.txt`; both are
palette PNGs with the standard VOC colour map, 0 background and 255 void. Objects
are painted in order, so a later one hides an earlier one where they overlap, and
only the first 254 objects and classes fit. Polylines, points, keypoints, tags and
image tag groups have no place in VOC and are not written.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path, PurePosixPath

import numpy as np
from PIL import Image

from labelwright.domain.geometry import extent_of
from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shapes import Annotation, AnnotationObject, BBox
from labelwright.formats._common import (
    ManifestCounter,
    SchemaBuilder,
    attribute_text,
    check_size,
    copy_image,
    encode_mask,
    hex_colour,
    number_text,
    parse_int,
    parse_number,
    safe_relative,
    shape_pixels,
    voc_colormap,
)
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, Manifest
from labelwright.formats.xmlutil import child_text, parse_xml, peek_root_tag, sub, to_text

FLAGS = ("difficult", "truncated", "occluded")
"""VOC's own per-object 0/1 flags, carried as checkbox attributes of the same name."""

SPLITS = ("train", "val", "test")
VOID = 255
_MAX_INDEX = 254
_BOX_KINDS = frozenset({"bbox", "rotated_box", "polygon", "ellipse", "mask"})


def palette() -> list[int]:
    """The VOC colour map flattened for `Image.putpalette`."""
    return [channel for rgb in voc_colormap(256) for channel in rgb]


class VocFormat:
    """Pascal VOC detection and segmentation layout."""

    name = "voc"

    def detect(self, path: Path) -> float:
        """Sure when `path` holds Annotations/*.xml whose root is <annotation>."""
        folder = path if path.is_dir() else path.parent
        annotations = folder / "Annotations"
        if not annotations.is_dir():
            return 0.0
        first = next(iter(sorted(annotations.rglob("*.xml"))), None)
        if first is None:
            return 0.3
        return 0.95 if peek_root_tag(first) == "annotation" else 0.1

    def read(self, path: Path) -> Dataset:
        """Read a VOC folder; boxes, plus masks where SegmentationObject has the image."""
        root = path if path.is_dir() else path.parent
        if not (root / "Annotations").is_dir():
            raise FormatError(f"{root}: no Annotations folder")
        builder = SchemaBuilder()
        _read_labelmap(root, builder)
        splits = _read_splits(root)
        images = [
            _read_image(root, xml_path, builder, splits)
            for xml_path in sorted((root / "Annotations").rglob("*.xml"))
        ]
        return Dataset(schema=builder.build(), images=images, name=root.name)

    def write(self, dataset: Dataset, out: Path, *, copy_images: bool = True) -> Manifest:
        """Write Annotations, JPEGImages, Segmentation PNGs, ImageSets and labelmap.txt."""
        out.mkdir(parents=True, exist_ok=True)
        schema = dataset.schema
        counter = ManifestCounter(self.name, schema)
        class_index = {c.id: i + 1 for i, c in enumerate(schema.classes)}
        _write_labelmap(out / "labelmap.txt", schema)
        split_lists: dict[str, list[str]] = {}
        stems: set[str] = set()
        for image in dataset:
            stem = _stem(image.file_name)
            if stem in stems:
                raise FormatError(f"{image.file_name}: another image also has the name {stem!r}")
            stems.add(stem)
            objects = [o for o in image.annotation.objects if o.shape.kind in _BOX_KINDS]
            tree = _image_xml(image, objects, schema)
            if _paint(out, stem, image, objects, class_index):
                tree.find("segmented").text = "1"  # type: ignore[union-attr]
            target = out / "Annotations" / f"{stem}.xml"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(to_text(tree) + "\n", encoding="utf-8")
            if copy_images:
                copy_image(image, out / "JPEGImages")
            if image.split:
                split_lists.setdefault(image.split, []).append(stem)
            counter.add_image(image)
            for obj in objects:
                counter.add_object(obj)
        sets = out / "ImageSets" / "Main"
        sets.mkdir(parents=True, exist_ok=True)
        for split, names in split_lists.items():
            (sets / f"{split}.txt").write_text("".join(f"{n}\n" for n in names), encoding="utf-8")
        return counter.manifest


def _stem(file_name: str) -> str:
    """The name VOC files of an image share: its relative path without the suffix."""
    return str(safe_relative(file_name, file_name).with_suffix(""))


def _write_labelmap(path: Path, schema: LabelSchema) -> None:
    """CVAT-style labelmap.txt: `name:r,g,b::` per class, in segmentation index order."""
    lines = ["# label:color_rgb:parts:actions", "background:0,0,0::"]
    for label_class in schema.classes:
        r, g, b = (int(label_class.color[i : i + 2], 16) for i in (1, 3, 5))
        lines.append(f"{label_class.name}:{r},{g},{b}::")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _image_xml(image: DatasetImage, objects: list[AnnotationObject], schema: LabelSchema):
    """The <annotation> element of one image."""
    root = ET.Element("annotation")
    sub(root, "folder", "JPEGImages")
    sub(root, "filename", image.file_name)
    size = sub(root, "size")
    sub(size, "width", str(image.width))
    sub(size, "height", str(image.height))
    sub(size, "depth", "3")
    sub(root, "segmented", "0")
    for obj in objects:
        label_class = schema.class_by_id(obj.class_id)
        x0, y0, x1, y1 = extent_of(obj.shape) or (0.0, 0.0, 0.0, 0.0)
        element = sub(root, "object")
        sub(element, "name", label_class.name if label_class else obj.class_id)
        sub(element, "pose", "Unspecified")
        flags, others = _split_attributes(obj, label_class)
        for flag in FLAGS:
            if flag != "occluded" or flag in flags:
                sub(element, flag, "1" if flags.get(flag) else "0")
        box = sub(element, "bndbox")
        for tag, value in (("xmin", x0 + 1), ("ymin", y0 + 1), ("xmax", x1), ("ymax", y1)):
            sub(box, tag, number_text(value))
        if others:
            attributes = sub(element, "attributes")
            for name, text in others:
                attribute = sub(attributes, "attribute")
                sub(attribute, "name", name)
                sub(attribute, "value", text)
    return root


def _split_attributes(obj: AnnotationObject, label_class: LabelClass | None):
    """VOC's own flags (by attribute id or name) apart from the other attributes, as text."""
    flags: dict[str, bool] = {}
    others: list[tuple[str, str]] = []
    for attribute_id, value in obj.attributes.items():
        spec = label_class.attribute(attribute_id) if label_class else None
        name = spec.name if spec else attribute_id
        if name.casefold() in FLAGS and isinstance(value, bool):
            flags[name.casefold()] = value
        elif value is not None:
            others.append((name, attribute_text(spec, value)))
    return flags, others


def _paint(out, stem, image, objects, class_index) -> bool:
    """Write the two segmentation PNGs of an image; False when nothing has an outline."""
    if not any(o.shape.kind != "bbox" for o in objects):
        return False
    by_object = np.zeros((image.height, image.width), dtype=np.uint8)
    by_class = np.zeros_like(by_object)
    for number, obj in enumerate(objects, start=1):
        if obj.shape.kind == "bbox" or number > _MAX_INDEX:
            continue
        try:
            pixels = shape_pixels(obj.shape, image.height, image.width)
        except ValueError as error:
            raise FormatError(f"{image.file_name}: object {obj.id!r}: {error}") from None
        if pixels is None:
            continue
        by_object[pixels] = number
        by_class[pixels] = min(class_index.get(obj.class_id, 0), _MAX_INDEX)
    for folder, pixels in (("SegmentationObject", by_object), ("SegmentationClass", by_class)):
        target = out / folder / f"{stem}.png"
        target.parent.mkdir(parents=True, exist_ok=True)
        picture = Image.fromarray(pixels, mode="P")
        picture.putpalette(palette())
        picture.save(target)
    return True


def _read_labelmap(root: Path, builder: SchemaBuilder) -> None:
    """Declare the classes of labelmap.txt, in order and with their colours, if present."""
    path = root / "labelmap.txt"
    if not path.is_file():
        return
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        name, _, rest = line.partition(":")
        if name == "background":
            continue
        try:
            rgb = tuple(int(v) for v in rest.split(":")[0].split(","))
            colour = hex_colour(rgb) if len(rgb) == 3 and all(0 <= v < 256 for v in rgb) else None
        except ValueError:
            raise FormatError(f"labelmap.txt: line {number}: colour is not r,g,b") from None
        builder.class_id(name, color=colour)


def _read_splits(root: Path) -> dict[str, str]:
    """Image name (without suffix) to split, from ImageSets/Main/{train,val,test}.txt."""
    splits: dict[str, str] = {}
    for split in SPLITS:
        path = root / "ImageSets" / "Main" / f"{split}.txt"
        if path.is_file():
            for line in path.read_text(encoding="utf-8").split():
                splits.setdefault(line.strip(), split)
    return splits


def _read_image(root: Path, xml_path: Path, builder: SchemaBuilder, splits) -> DatasetImage:
    """One annotation file, with masks from its SegmentationObject PNG when there is one."""
    relative = xml_path.relative_to(root).as_posix()
    element = parse_xml(xml_path, relative)
    if element.tag != "annotation":
        raise FormatError(f"{relative}: root element is <{element.tag}>, not <annotation>")
    stem = str(PurePosixPath(relative).relative_to("Annotations").with_suffix(""))
    file_name = child_text(element, "filename") or f"{stem}.jpg"
    safe_relative(file_name, f"{relative}: filename")
    size = element.find("size")
    if size is None:
        raise FormatError(f"{relative}: <size> is missing")
    width = parse_int(child_text(size, "width"), f"{relative}: size", "width")
    height = parse_int(child_text(size, "height"), f"{relative}: size", "height")
    check_size(width, height, f"{relative}: size")
    objects = [
        _read_object(item, f"{relative}: object {number}", builder, number)
        for number, item in enumerate(element.findall("object"), start=1)
    ]
    segmentation = root / "SegmentationObject" / f"{stem}.png"
    if segmentation.is_file():
        objects = _attach_masks(segmentation, objects, width, height, builder)
    image_path = root / "JPEGImages" / file_name
    return DatasetImage(
        file_name=file_name,
        width=width,
        height=height,
        annotation=Annotation(objects=[o for o, _ in objects]),
        path=image_path if image_path.is_file() else None,
        split=splits.get(stem),
    )


def _read_object(item, where: str, builder: SchemaBuilder, number: int):
    """One <object> as (AnnotationObject with a box, its class name)."""
    name = child_text(item, "name")
    if not name:
        raise FormatError(f"{where}: <name> is missing")
    class_id = builder.class_id(name)
    box = item.find("bndbox")
    if box is None:
        raise FormatError(f"{where} ({name!r}): <bndbox> is missing")
    xmin, ymin, xmax, ymax = (
        parse_number(child_text(box, tag), f"{where} ({name!r})", tag)
        for tag in ("xmin", "ymin", "xmax", "ymax")
    )
    if xmax < xmin - 1 or ymax < ymin - 1:
        raise FormatError(f"{where} ({name!r}): xmax/ymax lie before xmin/ymin")
    attributes: dict = {}
    for flag in FLAGS:
        text = child_text(item, flag)
        if text is not None and parse_number(text, f"{where} ({name!r})", flag) != 0:
            attributes[flag] = True
            builder.infer_attribute(name, flag, "true")
    for attribute in item.iterfind("attributes/attribute"):
        key, text = child_text(attribute, "name"), child_text(attribute, "value") or ""
        if not key:
            raise FormatError(f"{where} ({name!r}): an <attribute> has no <name>")
        attribute_id, value = builder.infer_attribute(name, key, text)
        attributes[attribute_id] = value
    shape = BBox(x=xmin - 1, y=ymin - 1, w=xmax - xmin + 1, h=ymax - ymin + 1)
    builder.add_kind(name, "bbox")
    obj = AnnotationObject(id=str(number), class_id=class_id, shape=shape, attributes=attributes)
    return obj, name


def _attach_masks(path: Path, objects, width: int, height: int, builder: SchemaBuilder):
    """Replace the boxes of objects that have pixels in a SegmentationObject PNG by masks."""
    label = f"SegmentationObject/{path.name}"
    try:
        with Image.open(path) as picture:
            if picture.mode not in ("P", "L"):
                raise FormatError(f"{label}: mode {picture.mode} is not a palette image")
            pixels = np.asarray(picture)
    except (OSError, SyntaxError) as error:
        raise FormatError(f"{label}: cannot read the PNG: {error}") from None
    if pixels.shape != (height, width):
        raise FormatError(f"{label}: size {pixels.shape[::-1]} differs from the XML's")
    result = []
    for number, (obj, name) in enumerate(objects, start=1):
        region = pixels == number
        if number <= _MAX_INDEX and region.any():
            obj = obj.model_copy(update={"shape": encode_mask(region)})
            builder.add_kind(name, "mask")
        result.append((obj, name))
    return result


FORMAT = VocFormat()
"""The Pascal VOC format plugin."""
