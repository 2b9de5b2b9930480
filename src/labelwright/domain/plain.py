"""Annotations of the usual kind, checked and encoded as stored without building models.

Most objects of a large import are a box or a one-ring polygon, made by hand, with no
attributes, track, group or score. `plain_bodies` settles annotations made only of such
objects, for many images at once: the same box and ring screens `validate_many` runs first
(`screen_shapes`), the usual-object test it runs next, then each annotation encoded as a
revision stores it. Building and checking models costs about three times as much.

An annotation it cannot settle comes back as None, for the full path (models, then
`validate_many`), which says exactly what is wrong. The tests hold it to what that path
gives: None, or the same annotation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import chain
from typing import Any, NamedTuple

import numpy as np
import orjson

from labelwright.domain.schema import LabelSchema
from labelwright.domain.shape_checks import (
    box_is_plain,
    open_length,
    plain_flat_rings,
    screen_margin,
)
from labelwright.domain.shapes import Annotation, AnnotationObject, Tag
from labelwright.domain.validation import DEFAULT_LIMITS, MAX_ID_LENGTH, ImageSize, Limits

_NUMBERS = frozenset({int, float})  # not bool, not a numeric string: those take the full path
_FLOATS = frozenset({float})


class PlainObject(NamedTuple):
    """An object of the usual kind as plain data.

    `flat` is a box's [x, y, w, h] (`kind` "bbox") or a polygon's one ring as
    [x0, y0, x1, y1, ...] (`kind` "polygon"), numbers as read.
    """

    id: str
    class_id: str
    kind: str
    flat: list


class PlainBody(NamedTuple):
    """An annotation as a revision stores it: its JSON, and its objects per class (the
    class index a save keeps)."""

    json: bytes
    classes: dict[str, int]


class _Draft(NamedTuple):
    """One image's objects as stored, before its rings are screened together."""

    objects: list[dict[str, Any]]
    classes: dict[str, int]
    rings: list[list]  # its polygons' rings, flat, to screen with the batch's


def plain_bodies(
    images: Sequence[tuple[Sequence[PlainObject], ImageSize]],
    schema: LabelSchema,
    *,
    source: str | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> list[PlainBody | None]:
    """For each (objects, image size): the annotation as stored, or None when it is not
    plainly valid under `schema` (the full path then decides). With `source`, every object
    carries it (a model's predictions)."""
    bodies: list[PlainBody | None] = [None] * len(images)
    clip = schema.out_of_bounds == "clip"
    margin = screen_margin(schema.tolerance_px, clip, limits.max_vertices_per_object)
    if margin is None:
        return bodies
    kinds = {c.id: c.shape_kinds for c in schema.classes if not c.attributes}
    template = _stored_object(source)
    drafts: list[tuple[int, _Draft]] = []
    flats: list[list] = []
    ring_sizes: list[tuple[int, int]] = []
    for index, (objects, size) in enumerate(images):
        draft = _draft(objects, size, kinds, margin, limits, template)
        if draft is not None:
            flats += draft.rings
            ring_sizes += [(size.width, size.height)] * len(draft.rings)
            drafts.append((index, draft))
    plain = iter(_screened(flats, ring_sizes, margin))
    empty = Annotation().model_dump(mode="json")
    for index, draft in drafts:
        if all([next(plain) for _ in draft.rings]):  # a list, so that every ring is taken
            body = orjson.dumps({**empty, "objects": draft.objects})
            bodies[index] = PlainBody(body, draft.classes)
    return bodies


def _stored_object(source: str | None) -> dict[str, Any]:
    """The fields every plain object shares, as a stored object has them, in its order."""
    stored = AnnotationObject(id="-", class_id="-", shape=Tag()).model_dump(mode="json")
    return stored | {"source": source} if source is not None else stored


def _draft(
    objects: Sequence[PlainObject],
    size: ImageSize,
    kinds: Mapping[str, list[str]],
    margin: float,
    limits: Limits,
    template: dict[str, Any],
) -> _Draft | None:
    """One image's objects as stored, its boxes screened; None as soon as one is not of the
    usual kind."""
    width, height, frames = size
    if not (width > 0 and height > 0 and frames > 0) or len(objects) > limits.max_objects:
        return None
    right, bottom, low = width + margin, height + margin, -margin
    stored, classes, rings = [], {}, []
    vertices = 0
    for object_id, class_id, kind, flat in objects:
        types = set(map(type, flat))
        if (
            type(object_id) is not str
            or not 1 <= len(object_id) <= MAX_ID_LENGTH
            or kind not in kinds.get(class_id, ())
            or not types <= _NUMBERS
        ):
            return None
        if types != _FLOATS:  # stored as floats, as the models store them
            flat = [float(v) for v in flat]
        if kind == "bbox" and len(flat) == 4:
            x, y, w, h = flat
            if not box_is_plain(x, y, w, h, right, bottom, low):
                return None
            shape: dict[str, Any] = {"kind": "bbox", "x": x, "y": y, "w": w, "h": h}
            vertices += 1
        elif kind == "polygon" and len(flat) % 2 == 0:
            ring = list(zip(flat[0::2], flat[1::2], strict=True))
            if len(ring) > limits.max_vertices_per_object or open_length(ring) < 3:
                return None
            rings.append(flat)
            vertices += len(ring)
            shape = {"kind": "polygon", "rings": [ring]}
        else:
            return None
        stored.append({**template, "id": object_id, "class_id": class_id, "shape": shape})
        classes[class_id] = classes.get(class_id, 0) + 1
    if vertices > limits.max_total_vertices or len({o.id for o in objects}) != len(objects):
        return None
    return _Draft(stored, classes, rings)


def _screened(flats: list[list], sizes: list[tuple[int, int]], margin: float) -> list[bool]:
    """Whether each ring is plainly fine (`plain_flat_rings`), all of them at once."""
    if not flats:
        return []
    lengths = np.fromiter((len(f) // 2 for f in flats), dtype=np.intp, count=len(flats))
    return plain_flat_rings(chain.from_iterable(flats), lengths, sizes, margin)
