"""Reading Label Studio values: region geometry and attribute specs guessed from values."""

from __future__ import annotations

import math
from typing import Any

from labelwright.domain.attributes import (
    CheckboxAttribute,
    MultiselectAttribute,
    NumberAttribute,
    Option,
    SelectAttribute,
    TextAttribute,
)
from labelwright.domain.shapes import AnnotationObject, BBox, Ellipse, Polygon, RotatedBox
from labelwright.formats._common import encode_mask, options_from_names
from labelwright.formats._labelstudio_codec import decode_brush, is_finite
from labelwright.formats.dataset import FormatError


def _guess_spec(note: dict[str, Any], common: dict[str, str]) -> Any:
    """An attribute spec fitting the values seen of one attribute."""
    if note["kind"] == "number":
        return NumberAttribute(**common)
    if note["kind"] == "textarea":
        return TextAttribute(**common)
    if note["flag"]:
        return CheckboxAttribute(**common)
    kind = MultiselectAttribute if note["multi"] else SelectAttribute
    return kind(**common, options=options_from_names(note["options"]))


def _option_id(options: list[Option], name: str) -> str:
    """The id of the option called `name`."""
    return next(o.id for o in options if o.name == name)


def _typed(obj: AnnotationObject, specs: dict, class_names: dict[str, str]) -> dict[str, Any]:
    """An object's attributes keyed by attribute id, option names turned into ids."""
    typed = {}
    for name, raw in obj.attributes.items():
        spec = specs[(class_names[obj.class_id], name)]
        value: Any = raw
        if isinstance(spec, CheckboxAttribute):
            value = True
        elif isinstance(spec, SelectAttribute) and isinstance(raw, list) and raw:
            value = _option_id(spec.options, raw[0])
        elif isinstance(spec, MultiselectAttribute) and isinstance(raw, list):
            value = [_option_id(spec.options, n) for n in raw]
        elif isinstance(spec, TextAttribute) and isinstance(raw, list):
            value = ",".join(raw)
        typed[spec.id] = value
    return typed


def _coord(value: dict, key: str, full: int, where: str) -> float:
    """A percent coordinate of `value` in pixels."""
    number = value.get(key)
    if not is_finite(number):
        raise FormatError(f"{where}: value.{key} is not a number")
    return number * full / 100.0


def _shape(kind: str, value: dict, size: tuple[int, int], where: str):
    """The geometry of one region value."""
    width, height = size
    if kind == "rectanglelabels":
        x, w = _coord(value, "x", width, where), _coord(value, "width", width, where)
        y, h = _coord(value, "y", height, where), _coord(value, "height", height, where)
        angle = value.get("rotation", 0) or 0
        if not is_finite(angle):
            raise FormatError(f"{where}: value.rotation is not a number")
        if angle % 360 == 0:
            return BBox(x=x, y=y, w=w, h=h)
        c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
        cx, cy = x + w / 2 * c - h / 2 * s, y + w / 2 * s + h / 2 * c
        return RotatedBox(cx=cx, cy=cy, w=w, h=h, angle=angle)
    if kind == "polygonlabels":
        points = value.get("points")
        if not isinstance(points, list) or len(points) < 3:
            raise FormatError(f"{where}: value.points must list at least 3 points")
        ring = []
        for index, point in enumerate(points, start=1):
            if not isinstance(point, list | tuple) or len(point) != 2:
                raise FormatError(f"{where}: value.points[{index}] is not an [x, y] pair")
            pair = {"x": point[0], "y": point[1]}
            ring.append((_coord(pair, "x", width, where), _coord(pair, "y", height, where)))
        return Polygon(rings=[ring])
    if kind == "ellipselabels":
        angle = value.get("rotation", 0) or 0
        if not is_finite(angle):
            raise FormatError(f"{where}: value.rotation is not a number")
        return Ellipse(
            cx=_coord(value, "x", width, where),
            cy=_coord(value, "y", height, where),
            rx=_coord(value, "radiusX", width, where),
            ry=_coord(value, "radiusY", height, where),
            angle=angle,
        )
    if value.get("format", "rle") != "rle":
        raise FormatError(f"{where}: brush format {value.get('format')!r} is not rle")
    return encode_mask(decode_brush(value.get("rle"), height, width, where))
