"""Writing CVAT XML: the <meta> labels and one <image> element per image."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

import numpy as np

from labelwright.domain.attributes import (
    CheckboxAttribute,
    MultiselectAttribute,
    NumberAttribute,
    SelectAttribute,
)
from labelwright.domain.schema import LabelClass, LabelSchema, Skeleton
from labelwright.domain.shapes import (
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Mask,
    Points,
    Polygon,
    Polyline,
    RotatedBox,
)
from labelwright.formats._common import attribute_text, encode_mask, number_text, shape_pixels
from labelwright.formats.dataset import DatasetImage, FormatError
from labelwright.formats.xmlutil import sub

SOURCES = frozenset({"manual", "auto", "semi-auto", "file", "consensus"})
"""The `source` values CVAT accepts."""


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
