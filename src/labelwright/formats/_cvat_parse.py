"""Reading CVAT XML pieces: point lists, mask RLE and label attribute specs."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

import numpy as np

from labelwright.domain.attributes import (
    CheckboxAttribute,
    NumberAttribute,
    SelectAttribute,
    TextAttribute,
)
from labelwright.formats._common import (
    check_size,
    options_from_names,
    parse_int,
    parse_number,
    stable_id,
)
from labelwright.formats.dataset import FormatError
from labelwright.formats.xmlutil import child_text

_UNBOUNDED = 1e9  # CVAT number attributes need a range; this stands for "none"


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
