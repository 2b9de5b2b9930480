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

import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from labelwright.domain.attributes import (
    CheckboxAttribute,
    MultiselectAttribute,
    NumberAttribute,
    SelectAttribute,
    TextAttribute,
)
from labelwright.domain.schema import LabelClass, LabelSchema, Skeleton, TagGroup
from labelwright.domain.shapes import (
    Annotation,
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Mask,
    Points,
    Polygon,
    Polyline,
    RotatedBox,
    Tag,
)
from labelwright.formats._common import (
    ManifestCounter,
    SchemaBuilder,
    attribute_text,
    attribute_value,
    check_size,
    copy_image,
    encode_mask,
    number_text,
    options_from_names,
    parse_int,
    parse_number,
    safe_relative,
    shape_pixels,
    stable_id,
)
from labelwright.formats.dataset import Dataset, DatasetImage, FormatError, Manifest
from labelwright.formats.xmlutil import child_text, parse_xml, peek_root_tag, sub, to_text

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
        images = [
            meta.read_image(element, number, target.parent / "images")
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


def meta_element(schema: LabelSchema, name: str):
    """<meta> with a <task> listing every class (and tag group) as a <label>."""
    meta = ET.Element("meta")
    task = sub(meta, "task")
    sub(task, "name", name or "labelwright")
    sub(task, "mode", "annotation")
    labels = sub(task, "labels")
    for label_class in schema.classes:
        _label_element(labels, label_class)
        if label_class.skeleton is not None:
            for node in label_class.skeleton.nodes:
                child = _bare_label(labels, node, label_class.color, "points")
                sub(child, "parent", label_class.name)
    for group in schema.tag_groups:
        label = _bare_label(labels, group.name, "#808080", "tag")
        attributes = label.find("attributes")
        spec = SelectAttribute(id=group.id, name=group.name, options=group.options)
        _attribute_spec(attributes, spec)
    return meta


def _bare_label(labels, name: str, colour: str, kind: str):
    """A <label> with a name, colour, type and no attributes."""
    label = sub(labels, "label")
    sub(label, "name", name)
    sub(label, "color", colour)
    sub(label, "type", kind)
    sub(label, "attributes")
    return label


def _label_element(labels, label_class: LabelClass) -> None:
    """The <label> of one class with its attribute specs (and skeleton drawing)."""
    kinds = [str(k) for k in label_class.shape_kinds]
    kind = "skeleton" if label_class.skeleton else ("tag" if kinds == ["tag"] else "any")
    label = _bare_label(labels, label_class.name, label_class.color, kind)
    attributes = label.find("attributes")
    for spec in label_class.attributes:
        if not is_occluded_flag(spec):
            _attribute_spec(attributes, spec)
    if label_class.skeleton is not None:
        sub(label, "svg", skeleton_svg(label_class.skeleton))


def _attribute_spec(parent, spec: Any) -> None:
    """One <attribute> spec: name, input type, default and allowed values."""
    attribute = sub(parent, "attribute")
    sub(attribute, "name", spec.name)
    sub(attribute, "mutable", "False")
    default = getattr(spec, "default", None)
    if isinstance(spec, SelectAttribute):
        values = [o.name for o in spec.options]
        default = next((o.name for o in spec.options if o.id == default), values[0])
        kind = "select"
    elif isinstance(spec, CheckboxAttribute):
        kind, values, default = "checkbox", ["false", "true"], "true" if default else "false"
    elif isinstance(spec, NumberAttribute):
        low = spec.min if spec.min is not None else -1e9
        high = spec.max if spec.max is not None else 1e9
        step = 1 if spec.integer else 0.001
        kind, values = "number", [num(low), num(high), num(step)]
        default = num(default if default is not None else max(low, min(high, 0)))
    else:  # text, and multiselect as comma-separated option names (CVAT has no multiselect)
        kind, values = "text", []
        if isinstance(spec, MultiselectAttribute):
            default = ",".join(default or [])
    sub(attribute, "input_type", kind)
    sub(attribute, "default_value", "" if default is None else str(default))
    sub(attribute, "values", "\n".join(values))


SOURCES = frozenset({"manual", "auto", "semi-auto", "file", "consensus"})
"""The `source` values CVAT accepts."""

_UNBOUNDED = 1e9  # CVAT number attributes need a range; this stands for "none"
_NODE_ID = re.compile(r'data-node-id="(\d+)"[^>]*data-label-name="([^"]*)"')
_EDGE = re.compile(r'data-node-from="(\d+)"[^>]*data-node-to="(\d+)"')


def num(value: float) -> str:
    """A coordinate or number as CVAT writes it (two decimals are too few for 1e-6)."""
    return number_text(round(float(value), 6))


def is_occluded_flag(spec: Any) -> bool:
    """Whether an attribute spec is the one CVAT's built-in `occluded` flag carries."""
    return isinstance(spec, CheckboxAttribute) and spec.name.casefold() == "occluded"


def skeleton_svg(skeleton: Skeleton) -> str:
    """The SVG fragment CVAT keeps in a skeleton label: its edges and its nodes."""
    parts = [
        f'<line x1="0" y1="0" x2="0" y2="0" data-type="edge" '
        f'data-node-from="{a + 1}" data-node-to="{b + 1}"></line>'
        for a, b in skeleton.edges
    ]
    parts += [
        f'<circle r="1.5" cx="0" cy="0" data-type="element node" data-element-id="{i + 1}" '
        f'data-node-id="{i + 1}" data-label-name="{escape(name, {chr(34): "&quot;"})}"></circle>'
        for i, name in enumerate(skeleton.nodes)
    ]
    return "".join(parts)


def image_element(image: DatasetImage, number: int, schema: LabelSchema) -> ET.Element:
    """The <image> element of one image with all of its objects and tags."""
    element = ET.Element("image", {"id": str(number), "name": image.file_name})
    element.set("width", str(image.width))
    element.set("height", str(image.height))
    if image.split:
        element.set("subset", image.split)
    groups = _group_numbers(image.annotation.objects)
    for obj in image.annotation.objects:
        where = f"image {image.file_name!r} object {obj.id!r}"
        label_class = schema.class_by_id(obj.class_id)
        if label_class is None:
            raise FormatError(f"{where}: class id {obj.class_id!r} is not in the schema")
        child = _shape_element(element, obj, label_class, image, where)
        if child is None:
            continue
        if obj.group is not None:
            child.set("group_id", str(groups[obj.group]))
        for attribute_id, value in obj.attributes.items():
            spec = label_class.attribute(attribute_id)
            if value is not None and not is_occluded_flag(spec):
                name = spec.name if spec else attribute_id
                sub(child, "attribute", attribute_text(spec, value), name=name)
    for group_id, option_ids in image.annotation.tags.items():
        group = schema.tag_group_by_id(group_id)
        if group is None:
            raise FormatError(f"image {image.file_name!r}: tag group {group_id!r} is not known")
        names = {o.id: o.name for o in group.options}
        for option_id in option_ids:
            tag = sub(element, "tag", label=group.name, source="manual")
            sub(tag, "attribute", names.get(option_id, option_id), name=group.name)
    return element


def _group_numbers(objects: list[AnnotationObject]) -> dict[str, int]:
    """CVAT's positive group_id for each group name: numbers stay, others get fresh ones."""
    numbers = {g: int(g) for g in {o.group for o in objects if o.group} if g.isdigit()}
    numbers = {g: n for g, n in numbers.items() if n > 0}
    fresh = max(numbers.values(), default=0)
    for obj in objects:
        if obj.group is not None and obj.group not in numbers:
            fresh += 1
            numbers[obj.group] = fresh
    return numbers


def _shape_element(parent, obj, label_class, image, where) -> ET.Element | None:
    """The element of one object's shape, with label, source and the CVAT flags."""
    shape = obj.shape
    attrib = {"label": label_class.name, "source": obj.source if obj.source in SOURCES else "auto"}
    if shape.kind == "tag":
        return sub(parent, "tag", **attrib)
    occluded = any(
        is_occluded_flag(label_class.attribute(k)) and v is True for k, v in obj.attributes.items()
    )
    attrib["occluded"] = "1" if occluded else "0"
    if shape.kind == "polygon" and len(shape.rings) > 1:
        shape = _as_mask(shape, image, where)
    match shape:
        case BBox():
            tag = "box"
            attrib |= _box(shape.x, shape.y, shape.w, shape.h)
        case RotatedBox():
            tag = "box"
            attrib |= _box(shape.cx - shape.w / 2, shape.cy - shape.h / 2, shape.w, shape.h)
            attrib["rotation"] = num(shape.angle % 360)
        case Polygon() | Polyline() | Points():
            tag = shape.kind
            points = shape.rings[0] if isinstance(shape, Polygon) else shape.points
            attrib["points"] = ";".join(f"{num(x)},{num(y)}" for x, y in points)
        case Ellipse():
            tag = "ellipse"
            attrib |= {k: num(getattr(shape, k)) for k in ("cx", "cy", "rx", "ry")}
            attrib["rotation"] = num(shape.angle % 360)
        case Mask():
            tag = "mask"
            encoded = _encode_cvat_rle(_mask_pixels(shape, image, where))
            if encoded is None:
                return None  # an empty mask has nothing CVAT can hold
            attrib |= encoded
        case Keypoints():
            return _skeleton_element(parent, shape, label_class, attrib, where)
    attrib["z_order"] = "0"
    return sub(parent, tag, **attrib)


def _box(x: float, y: float, w: float, h: float) -> dict[str, str]:
    """xtl, ytl, xbr, ybr of a box."""
    return {"xtl": num(x), "ytl": num(y), "xbr": num(x + w), "ybr": num(y + h)}


def _as_mask(shape: Polygon, image: DatasetImage, where: str) -> Mask:
    """A polygon with holes as a mask of the image's size."""
    pixels = shape_pixels(shape, image.height, image.width)
    if pixels is None:
        raise FormatError(f"{where}: the polygon's outline has fewer than 3 points")
    return encode_mask(pixels)


def _mask_pixels(shape: Mask, image: DatasetImage, where: str) -> np.ndarray:
    """A mask's pixels, checked against the image size."""
    try:
        return shape_pixels(shape, image.height, image.width)  # type: ignore[return-value]
    except ValueError as error:
        raise FormatError(f"{where}: {error}") from None


def _encode_cvat_rle(pixels: np.ndarray) -> dict[str, str] | None:
    """CVAT's mask attributes: runs over the tight box, row-major, starting with 0s."""
    rows, cols = np.nonzero(pixels)
    if rows.size == 0:
        return None
    top, left = int(rows.min()), int(cols.min())
    crop = pixels[top : int(rows.max()) + 1, left : int(cols.max()) + 1]
    flat = crop.ravel().astype(np.int8)
    bounds = np.concatenate([[0], np.flatnonzero(np.diff(flat)) + 1, [flat.size]])
    runs = np.diff(bounds).tolist()
    if flat[0]:
        runs = [0, *runs]
    return {
        "rle": ", ".join(str(r) for r in runs),
        "left": str(left),
        "top": str(top),
        "width": str(crop.shape[1]),
        "height": str(crop.shape[0]),
    }


def _skeleton_element(parent, shape: Keypoints, label_class, attrib, where) -> ET.Element:
    """<skeleton> with one <points> per node; unlabeled nodes are `outside`."""
    nodes = label_class.skeleton.nodes if label_class.skeleton else []
    if len(nodes) != len(shape.points):
        raise FormatError(f"{where}: {len(shape.points)} keypoints for {len(nodes)} nodes")
    element = sub(parent, "skeleton", label=attrib["label"], source=attrib["source"])
    element.set("z_order", "0")
    for node, (x, y, v) in zip(nodes, shape.points, strict=True):
        point = sub(element, "points", label=node, source=attrib["source"])
        point.set("outside", "1" if v == 0 else "0")
        point.set("occluded", "1" if v == 1 else "0")
        point.set("points", f"{num(x)},{num(y)}")
    return element


class MetaReader:
    """Reads <meta> labels into a schema, then images against it."""

    def __init__(self, meta: ET.Element | None, label: str) -> None:
        self.label = label
        self.builder = SchemaBuilder()
        self.task_name = ""
        self.skeletons: dict[str, list[str]] = {}
        self.groups: dict[str, dict[str, Any]] = {}  # tag groups by label name
        if meta is not None:
            self.task_name = meta.findtext("task/name") or meta.findtext("project/name") or ""
            self._read_labels(list(meta.iterfind(".//labels/label")))

    def _read_labels(self, labels: list[ET.Element]) -> None:
        """Declare each label's class, attributes and skeleton (or its tag group)."""
        children: dict[str, list[str]] = {}
        for number, label in enumerate(labels, start=1):
            if not child_text(label, "name"):
                raise FormatError(f"{self.label}: meta label {number}: <name> is missing")
            parent = child_text(label, "parent")
            if parent:
                children.setdefault(parent, []).append(child_text(label, "name") or "")
        group_ids: set[str] = set()
        for label in labels:
            name = child_text(label, "name") or ""
            if child_text(label, "parent"):
                continue
            where = f"{self.label}: meta label {name!r}"
            kind = child_text(label, "type") or "any"
            specs = _read_specs(label, where)
            if _is_tag_group(kind, name, specs):
                self.groups[name] = {
                    "id": stable_id(name, group_ids),
                    "options": specs[0].options,
                    "multiple": False,
                }
                continue
            colour = child_text(label, "color")
            self.builder.class_id(name, color=colour if _is_colour(colour) else None)
            for spec in specs:
                self.builder.add_attribute(name, spec)
            if kind == "skeleton":
                self._read_skeleton(name, label, children.get(name, []), where)

    def _read_skeleton(self, name: str, label: ET.Element, nodes: list[str], where: str):
        """A skeleton class: nodes from its sublabels, edges from its SVG."""
        if not nodes:
            raise FormatError(f"{where}: skeleton has no node labels")
        svg = child_text(label, "svg") or ""
        by_id = {int(i): n for i, n in _NODE_ID.findall(svg)}
        index = {n: i for i, n in enumerate(nodes)}
        edges = []
        for a, b in _EDGE.findall(svg):
            ends = (index.get(by_id.get(int(a), "")), index.get(by_id.get(int(b), "")))
            if None not in ends and ends[0] != ends[1]:
                edges.append(ends)
        try:
            self.builder.set_skeleton(name, Skeleton(nodes=nodes, edges=edges))
        except ValueError as error:
            raise FormatError(f"{where}: bad skeleton: {error}") from None
        self.skeletons[name] = nodes

    def schema(self) -> LabelSchema:
        """The schema of every label seen in <meta> and in the images."""
        groups = [
            TagGroup(id=g["id"], name=name, multiple=g["multiple"], options=g["options"])
            for name, g in self.groups.items()
        ]
        return self.builder.build(tag_groups=groups)

    def read_image(self, element: ET.Element, number: int, images: Path) -> DatasetImage:
        """One <image> and its objects, ordered by z_order."""
        name = element.get("name")
        if not name:
            raise FormatError(f"{self.label}: image {number}: name is missing")
        where = f"{self.label}: image {name!r}"
        safe_relative(name, where)
        width = parse_int(element.get("width"), where, "width")
        height = parse_int(element.get("height"), where, "height")
        check_size(width, height, where)
        placed: list[tuple[int, AnnotationObject]] = []
        tags: dict[str, list[str]] = {}
        for index, child in enumerate(element, start=1):
            child_where = f"{where} {child.tag} {index}"
            if child.tag == "tag" and child.get("label") in self.groups:
                self._read_group_tag(child, tags, child_where)
                continue
            z = parse_int(child.get("z_order") or "0", child_where, "z_order")
            obj = self._read_object(child, str(index), height, width, child_where)
            placed.append((z, obj))
        placed.sort(key=lambda item: item[0])  # stable: equal z keeps file order
        path = images / name
        return DatasetImage(
            file_name=name,
            width=width,
            height=height,
            annotation=Annotation(objects=[o for _, o in placed], tags=tags),
            path=path if path.is_file() else None,
            split=element.get("subset") or None,
        )

    def _read_group_tag(self, child: ET.Element, tags: dict, where: str) -> None:
        """A <tag> of a tag-group label: its one attribute names the chosen option."""
        group = self.groups[child.get("label") or ""]
        text = (child.findtext("attribute") or "").strip()
        option = next((o.id for o in group["options"] if o.name == text), None)
        if option is None:
            raise FormatError(f"{where}: {text!r} is not an option of {child.get('label')!r}")
        chosen = tags.setdefault(group["id"], [])
        chosen.append(option)
        group["multiple"] = group["multiple"] or len(chosen) > 1

    def _read_object(self, child, object_id, height, width, where) -> AnnotationObject:
        """One shape element as an AnnotationObject."""
        label = child.get("label")
        if not label:
            raise FormatError(f"{where}: label is missing")
        class_id = self.builder.class_id(label)
        shape = self._read_shape(child, label, height, width, where)
        self.builder.add_kind(label, shape.kind)
        attributes = {}
        for attribute in child.iterfind("attribute"):
            key = attribute.get("name")
            if not key:
                raise FormatError(f"{where}: an <attribute> has no name")
            text = (attribute.text or "").strip()
            spec = self.builder.attribute(label, key)
            if spec is None:
                attribute_id, value = self.builder.infer_attribute(label, key, text)
            else:
                attribute_id, value = spec.id, attribute_value(spec, text)
            attributes[attribute_id] = value
        if child.get("occluded") == "1":
            spec = self.builder.attribute(label, "occluded")
            if spec is None:
                spec = CheckboxAttribute(id="occluded", name="occluded")
                self.builder.add_attribute(label, spec)
            attributes[spec.id] = True
        group = child.get("group_id")
        if group:
            group = str(parse_int(group, where, "group_id")) if group != "0" else None
        try:
            return AnnotationObject(
                id=object_id,
                class_id=class_id,
                shape=shape,
                attributes=attributes,
                group=group or None,
                source=child.get("source") or "manual",
            )
        except ValueError as error:
            raise FormatError(f"{where}: {error}") from None

    def _read_shape(self, child, label, height, width, where):
        """The geometry of one shape element."""
        tag = child.tag

        def number(field: str, default: str | None = None) -> float:
            return parse_number(child.get(field, default), where, field)

        if tag == "box":
            xtl, ytl, xbr, ybr = (number(f) for f in ("xtl", "ytl", "xbr", "ybr"))
            if xbr < xtl or ybr < ytl:
                raise FormatError(f"{where}: xbr/ybr lie before xtl/ytl")
            angle = number("rotation", "0")
            if angle:
                return RotatedBox(
                    cx=(xtl + xbr) / 2, cy=(ytl + ybr) / 2, w=xbr - xtl, h=ybr - ytl, angle=angle
                )
            return BBox(x=xtl, y=ytl, w=xbr - xtl, h=ybr - ytl)
        if tag in ("polygon", "polyline", "points"):
            points = _read_points(child.get("points"), where)
            least = {"polygon": 3, "polyline": 2, "points": 1}[tag]
            if len(points) < least:
                raise FormatError(f"{where}: needs at least {least} points, has {len(points)}")
            return (
                Polygon(rings=[points])
                if tag == "polygon"
                else {
                    "polyline": Polyline,
                    "points": Points,
                }[tag](points=points)
            )
        if tag == "ellipse":
            cx, cy, rx, ry = (number(f) for f in ("cx", "cy", "rx", "ry"))
            return Ellipse(cx=cx, cy=cy, rx=rx, ry=ry, angle=number("rotation", "0"))
        if tag == "mask":
            return encode_mask(_decode_cvat_rle(child, height, width, where))
        if tag == "tag":
            return Tag()
        if tag == "skeleton":
            return self._read_keypoints(child, label, where)
        raise FormatError(f"{where}: <{tag}> is not supported")

    def _read_keypoints(self, child, label: str, where: str) -> Keypoints:
        """A <skeleton>: one (x, y, v) per node of the label's skeleton, in node order."""
        nodes = self.skeletons.get(label)
        if nodes is None:
            raise FormatError(f"{where}: label {label!r} is not a skeleton in <meta>")
        found: dict[str, tuple[float, float, int]] = {}
        for point in child.iterfind("points"):
            node_where = f"{where} node {point.get('label')!r}"
            xy = _read_points(point.get("points"), node_where)
            if len(xy) != 1:
                raise FormatError(f"{node_where}: needs exactly one point")
            v = 0 if point.get("outside") == "1" else (1 if point.get("occluded") == "1" else 2)
            found[point.get("label") or ""] = (*xy[0], v)
        return Keypoints(points=[found.get(node, (0.0, 0.0, 0)) for node in nodes])


def _read_points(text: str | None, where: str) -> list[tuple[float, float]]:
    """`x1,y1;x2,y2;...` as points."""
    if not text:
        raise FormatError(f"{where}: points is missing")
    points = []
    for pair in text.split(";"):
        xy = pair.split(",")
        if len(xy) != 2:
            raise FormatError(f"{where}: points is not a list of x,y pairs ({pair!r})")
        points.append((parse_number(xy[0], where, "x"), parse_number(xy[1], where, "y")))
    return points


def _decode_cvat_rle(child: ET.Element, height: int, width: int, where: str) -> np.ndarray:
    """The full-image pixels of a <mask>, checked to fit the image."""
    check_size(width, height, where, for_mask=True)
    left, top, w, h = (
        parse_int(child.get(f), where, f) for f in ("left", "top", "width", "height")
    )
    if left < 0 or top < 0 or w <= 0 or h <= 0 or left + w > width or top + h > height:
        raise FormatError(f"{where}: mask box ({left}, {top}, {w}, {h}) is outside the image")
    runs = [parse_int(v, where, "rle") for v in (child.get("rle") or "").split(",") if v.strip()]
    if any(r < 0 for r in runs) or sum(runs) != w * h:
        raise FormatError(f"{where}: rle covers {sum(runs)} pixels, not {w}x{h}")
    values = np.arange(len(runs)) % 2 == 1  # runs alternate 0s and 1s, 0s first
    flat = np.repeat(values, runs)
    pixels = np.zeros((height, width), dtype=bool)
    pixels[top : top + h, left : left + w] = flat.reshape(h, w)
    return pixels


def _read_specs(label: ET.Element, where: str) -> list:
    """The attribute specs of a meta label."""
    specs: list = []
    taken: set[str] = set()
    for attribute in label.iterfind("attributes/attribute"):
        name = child_text(attribute, "name")
        if not name:
            raise FormatError(f"{where}: an attribute has no <name>")
        kind = child_text(attribute, "input_type") or "text"
        default = child_text(attribute, "default_value")
        values = [v for v in (attribute.findtext("values") or "").split("\n") if v.strip()]
        common = {"id": stable_id(name, taken), "name": name}
        try:
            specs.append(_spec(kind, values, default, common))
        except ValueError as error:
            raise FormatError(f"{where}: attribute {name!r}: {error}") from None
    return specs


def _spec(kind: str, values: list[str], default: str | None, common: dict) -> Any:
    """One attribute spec from CVAT's input type, values and default."""
    if kind in ("select", "radio"):
        options = options_from_names([v.strip() for v in values])
        chosen = next((o.id for o in options if o.name == default), None)
        return SelectAttribute(**common, options=options, default=chosen)
    if kind == "checkbox":
        return CheckboxAttribute(**common, default=(default or "").lower() == "true")
    if kind == "number":
        low, high, step = (float(v) for v in [*values, "0", "0", "1"][:3])
        return NumberAttribute(
            **common,
            min=None if low <= -_UNBOUNDED else low,
            max=None if high >= _UNBOUNDED else high,
            integer=float(step).is_integer(),
        )
    return TextAttribute(**common, default=default or None)


def _is_tag_group(kind: str, name: str, specs: list) -> bool:
    """Whether a meta label is a tag group: a tag whose one select attribute is its name."""
    return (kind == "tag" and len(specs) == 1 and specs[0].name == name) and isinstance(
        specs[0], SelectAttribute
    )


def _is_colour(text: str | None) -> bool:
    """Whether `text` is `#rrggbb`."""
    return bool(text and re.fullmatch(r"#[0-9a-fA-F]{6}", text))


FORMAT = CvatFormat()
"""The CVAT for images 1.1 format plugin."""
