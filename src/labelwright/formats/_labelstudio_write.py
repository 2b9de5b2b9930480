"""Writing Label Studio tasks: regions, attribute results and predictions per image."""

from __future__ import annotations

from typing import Any

from labelwright.domain.geometry import rotated_box_corners
from labelwright.domain.shapes import (
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Mask,
    Points,
    Polygon,
    RotatedBox,
    Tag,
)
from labelwright.formats._common import encode_mask, shape_pixels
from labelwright.formats._labelstudio_codec import CLASS_TAGS, FROM_NAMES, encode_brush
from labelwright.formats.dataset import DatasetImage, FormatError


def task_of(image: DatasetImage, schema, image_root: str = "") -> dict[str, Any]:
    """One Label Studio task for an image."""
    manual: list[dict] = []
    predicted: dict[str, list[AnnotationObject]] = {}
    for obj in image.annotation.objects:
        if obj.source == "manual":
            manual += _results(obj, image, schema)
        else:
            predicted.setdefault(obj.source, []).append(obj)
    for group_id, option_ids in image.annotation.tags.items():
        group = schema.tag_group_by_id(group_id)
        if group is None:
            raise FormatError(f"image {image.file_name!r}: tag group {group_id!r} is not known")
        names = {o.id: o.name for o in group.options}
        value = {"choices": [names.get(i, i) for i in option_ids]}
        manual.append(_result(f"tags-{group.id}", "choices", group.name, image, value))
    predictions = []
    for source, objects in predicted.items():
        scores = [o.score for o in objects if o.score is not None]
        prediction: dict[str, Any] = {"model_version": source}
        if scores:
            prediction["score"] = sum(scores) / len(scores)
        prediction["result"] = [r for o in objects for r in _results(o, image, schema)]
        predictions.append(prediction)
    meta = {"file_name": image.file_name, "width": image.width, "height": image.height}
    if image.split:
        meta["split"] = image.split
    return {
        "data": {"image": image_root + image.file_name},
        "meta": meta,
        "annotations": [{"result": manual}] if manual else [],
        "predictions": predictions,
    }


def _result(rid: str, kind: str, from_name: str, image: DatasetImage, value: dict) -> dict:
    """One result dict with the fields Label Studio expects on every region."""
    return {
        "id": rid,
        "type": kind,
        "from_name": from_name,
        "to_name": "image",
        "original_width": image.width,
        "original_height": image.height,
        "image_rotation": 0,
        "value": value,
    }


def _results(obj: AnnotationObject, image: DatasetImage, schema) -> list[dict]:
    """The results of one object: its region(s), then one per attribute."""
    label_class = schema.class_by_id(obj.class_id)
    where = f"image {image.file_name!r} object {obj.id!r}"
    if label_class is None:
        raise FormatError(f"{where}: class id {obj.class_id!r} is not in the schema")
    regions = _regions(obj, image, label_class.name, where)
    for region in regions:
        if obj.score is not None and obj.source != "manual":
            region["score"] = obj.score
    if regions and obj.shape.kind != "tag":
        regions += _attribute_results(obj, label_class, image, regions[0]["id"])
    return regions


def _regions(obj: AnnotationObject, image: DatasetImage, name: str, where: str) -> list[dict]:
    """The region results of an object's shape (several for multi-point shapes)."""
    px, py = 100.0 / image.width, 100.0 / image.height  # pixels to percent
    shape = obj.shape
    if isinstance(shape, Polygon) and len(shape.rings) > 1:
        shape = _brush_mask(shape, image, where)
    match shape:
        case BBox() | RotatedBox():
            if isinstance(shape, BBox):
                x, y, w, h, angle = shape.x, shape.y, shape.w, shape.h, 0.0
            else:
                (x, y), w, h, angle = rotated_box_corners(shape)[0], shape.w, shape.h, shape.angle
            value = {"x": x * px, "y": y * py, "width": w * px, "height": h * py}
            value["rotation"] = angle % 360
            kind = "rectanglelabels"
        case Polygon():
            value = {"points": [[x * px, y * py] for x, y in shape.rings[0]], "closed": True}
            kind = "polygonlabels"
        case Ellipse():
            value = {"x": shape.cx * px, "y": shape.cy * py}
            value |= {"radiusX": shape.rx * px, "radiusY": shape.ry * py}
            value["rotation"] = shape.angle % 360
            kind = "ellipselabels"
        case Mask():
            try:
                pixels = shape_pixels(shape, image.height, image.width)
            except ValueError as error:
                raise FormatError(f"{where}: {error}") from None
            value = {"format": "rle", "rle": encode_brush(pixels)}
            kind = "brushlabels"
        case Points() | Keypoints():
            points = [(p[0], p[1]) for p in shape.points if len(p) < 3 or p[2] > 0]
            return [
                _result(
                    f"{obj.id}#{n}",
                    "keypointlabels",
                    FROM_NAMES["keypointlabels"],
                    image,
                    {"x": x * px, "y": y * py, "width": 0.5, "keypointlabels": [name]},
                )
                for n, (x, y) in enumerate(points)
            ]
        case Tag():
            return [_result(obj.id, "choices", CLASS_TAGS, image, {"choices": [name]})]
        case _:
            return []  # polylines have no Label Studio image region
    value[kind] = [name]
    return [_result(obj.id, kind, FROM_NAMES[kind], image, value)]


def _brush_mask(shape: Polygon, image: DatasetImage, where: str) -> Mask:
    """A polygon with holes as a mask, since Label Studio polygons have none."""
    pixels = shape_pixels(shape, image.height, image.width)
    if pixels is None:
        raise FormatError(f"{where}: the polygon's outline has fewer than 3 points")
    return encode_mask(pixels)


def _attribute_results(obj, label_class, image, rid: str) -> list[dict]:
    """Per-region results carrying the object's attributes."""
    results = []
    for attribute_id, value in obj.attributes.items():
        spec = label_class.attribute(attribute_id)
        name = spec.name if spec else attribute_id
        options = {o.id: o.name for o in getattr(spec, "options", [])}
        if isinstance(value, bool):
            if not value:
                continue  # an unticked checkbox is simply absent
            kind, payload = "choices", {"choices": [name]}
        elif isinstance(value, int | float):
            kind, payload = "number", {"number": value}
        elif isinstance(value, list):
            kind, payload = "choices", {"choices": [options.get(v, v) for v in value]}
        elif options:
            kind, payload = "choices", {"choices": [options.get(value, value)]}
        else:
            kind, payload = "textarea", {"text": [str(value)]}
        results.append(_result(rid, kind, name, image, payload))
    return results
