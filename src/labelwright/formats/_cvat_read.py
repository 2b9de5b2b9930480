"""Reading CVAT XML: <meta> labels into a schema, then each <image> against it."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from labelwright.domain.attributes import CheckboxAttribute
from labelwright.domain.schema import LabelSchema, Skeleton, TagGroup
from labelwright.domain.shapes import (
    Annotation,
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Points,
    Polygon,
    Polyline,
    RotatedBox,
    Tag,
)
from labelwright.formats._common import (
    ImageFolder,
    SchemaBuilder,
    attribute_value,
    check_size,
    encode_mask,
    parse_int,
    parse_number,
    safe_relative,
    stable_id,
)
from labelwright.formats._cvat_parse import (
    _decode_cvat_rle,
    _is_colour,
    _is_tag_group,
    _read_points,
    _read_specs,
)
from labelwright.formats.dataset import DatasetImage, FormatError
from labelwright.formats.xmlutil import child_text

_NODE_ID = re.compile(r'data-node-id="(\d+)"[^>]*data-label-name="([^"]*)"')
_EDGE = re.compile(r'data-node-from="(\d+)"[^>]*data-node-to="(\d+)"')


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

    def read_image(self, element: ET.Element, number: int, images: ImageFolder) -> DatasetImage:
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
        return DatasetImage(
            file_name=name,
            width=width,
            height=height,
            annotation=Annotation(objects=[o for _, o in placed], tags=tags),
            path=images.find(name),
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
