"""Turning a model's predictions into annotation objects of one project's schema.

A model speaks its own label names; a project has classes with stable ids. Labels map to
classes by case-insensitive name unless the caller says otherwise; a label with no class
is dropped. A shape whose kind the class does not allow is converted where that loses
nothing a person would miss (a rotated box becomes a polygon, any area shape its bounding
box); otherwise it is dropped. Keypoints are re-ordered into the class skeleton's node
order by node name (`left_wrist` matches `Left wrist`). Every drop is counted by reason,
so a job can say what it left out.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from labelwright.domain.geometry import ellipse_outline, extent_of, rotated_box_corners
from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shapes import (
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoint,
    Keypoints,
    Polygon,
    RotatedBox,
    Shape,
)
from labelwright.models.protocol import ModelError, ModelSpec, Prediction

_AREA_KINDS = ("rotated_box", "polygon", "ellipse", "mask")


def node_key(name: str) -> str:
    """A skeleton node name for matching: case, spaces, `_` and `-` do not matter."""
    return " ".join(name.casefold().replace("_", " ").replace("-", " ").split())


def _as_polygon(shape: Shape) -> Shape | None:
    """A rotated box or ellipse as the polygon of its outline."""
    if isinstance(shape, RotatedBox):
        return Polygon(rings=[rotated_box_corners(shape)])
    if isinstance(shape, Ellipse):
        return Polygon(rings=[ellipse_outline(shape)])
    return None


def _as_bbox(shape: Shape) -> Shape | None:
    """The axis-aligned box around an area shape, or None when it is empty."""
    extent = extent_of(shape)
    if extent is None:
        return None
    x0, y0, x1, y1 = extent
    return BBox(x=x0, y=y0, w=x1 - x0, h=y1 - y0)


def convert_shape(shape: Shape, allowed: Iterable[str]) -> Shape | None:
    """`shape` itself when its kind is allowed, else its nearest allowed form, else None."""
    allowed = set(allowed)
    if shape.kind in allowed:
        return shape
    if shape.kind in ("rotated_box", "ellipse") and "polygon" in allowed:
        return _as_polygon(shape)
    if shape.kind in _AREA_KINDS and "bbox" in allowed:
        return _as_bbox(shape)
    return None


@dataclass
class MappedObjects:
    """The objects made from one image's predictions, and why any were left out."""

    objects: list[AnnotationObject] = field(default_factory=list)
    dropped: Counter[str] = field(default_factory=Counter)


class PredictionMapper:
    """Maps one model's predictions onto one project's classes (see the module docstring)."""

    def __init__(
        self,
        schema: LabelSchema,
        spec: ModelSpec,
        *,
        label_map: Mapping[str, str | None] | None = None,
        model_name: str | None = None,
    ) -> None:
        self.schema = schema
        self.source = f"model:{model_name or spec.name}"
        self.model_skeleton = [node_key(name) for name in spec.skeleton]
        self._by_name = {c.name.casefold(): c for c in schema.classes}
        self._explicit = self._checked_map(label_map or {})

    def _checked_map(self, label_map: Mapping[str, str | None]) -> dict[str, LabelClass | None]:
        """The caller's label → class id map, by folded label; an unknown class id is refused."""
        checked: dict[str, LabelClass | None] = {}
        for label, class_id in label_map.items():
            if class_id is None:
                checked[label.casefold()] = None
                continue
            label_class = self.schema.class_by_id(class_id)
            if label_class is None:
                known = ", ".join(c.id for c in self.schema.classes) or "none"
                raise ModelError(
                    f"label map sends {label!r} to class id {class_id!r}, which the project "
                    f"does not have (class ids: {known})"
                )
            checked[label.casefold()] = label_class
        return checked

    def class_for(self, label: str) -> LabelClass | None:
        """The class a model label becomes: the label map's choice, else the same-named class."""
        folded = label.casefold()
        if folded in self._explicit:
            return self._explicit[folded]
        return self._by_name.get(folded)

    def to_objects(self, predictions: Sequence[Prediction], *, frame: int = 0) -> MappedObjects:
        """Annotation objects for one image's predictions, with fresh ids and the model source."""
        mapped = MappedObjects()
        for prediction in predictions:
            label_class = self.class_for(prediction.label)
            if label_class is None:
                mapped.dropped[f"label {prediction.label!r} has no class"] += 1
                continue
            shape, problem = self._fit_shape(prediction.shape, label_class)
            if shape is None:
                mapped.dropped[problem] += 1
                continue
            mapped.objects.append(
                AnnotationObject(
                    id=uuid.uuid4().hex,
                    class_id=label_class.id,
                    shape=shape,
                    attributes=_class_attributes(prediction.attributes, label_class),
                    frame=frame,
                    score=float(prediction.score),
                    source=self.source,
                )
            )
        return mapped

    def _fit_shape(self, shape: Shape, label_class: LabelClass) -> tuple[Shape | None, str]:
        """The shape as the class accepts it, or None and the reason it cannot be."""
        allowed = [str(kind) for kind in label_class.shape_kinds]
        fitted = convert_shape(shape, allowed)
        if fitted is None:
            return None, f"class {label_class.name!r} does not allow {shape.kind}"
        if isinstance(fitted, Keypoints):
            return self._reorder_keypoints(fitted, label_class)
        return fitted, ""

    def _reorder_keypoints(
        self, shape: Keypoints, label_class: LabelClass
    ) -> tuple[Shape | None, str]:
        """Keypoints in the class skeleton's node order, matched by name; missing nodes 0."""
        nodes = [node_key(name) for name in label_class.skeleton.nodes]  # type: ignore[union-attr]
        if not self.model_skeleton:
            if len(shape.points) == len(nodes):
                return shape, ""
            return None, (
                f"{len(shape.points)} unnamed keypoints do not fit the {len(nodes)} nodes "
                f"of class {label_class.name!r}"
            )
        if len(shape.points) != len(self.model_skeleton):
            count = len(self.model_skeleton)
            return None, f"{len(shape.points)} keypoints, but the model's skeleton has {count}"
        position = {name: index for index, name in enumerate(nodes)}
        points: list[Keypoint] = [(0.0, 0.0, 0)] * len(nodes)
        shared = 0
        for name, point in zip(self.model_skeleton, shape.points, strict=True):
            if name in position:
                points[position[name]] = point
                shared += 1
        if not shared:
            return None, f"no keypoint names in common with class {label_class.name!r}"
        return Keypoints(points=points), ""


def _class_attributes(values: Mapping[str, object], label_class: LabelClass) -> dict[str, object]:
    """The model's attributes that the class defines (by id or name), keyed by attribute id."""
    by_key = {a.id: a.id for a in label_class.attributes}
    by_key |= {a.name.casefold(): a.id for a in label_class.attributes}
    kept: dict[str, object] = {}
    for key, value in values.items():
        attribute_id = by_key.get(key) or by_key.get(key.casefold())
        if attribute_id is not None:
            kept[attribute_id] = value
    return kept


def predictions_to_objects(
    predictions: Sequence[Prediction],
    schema: LabelSchema,
    spec: ModelSpec,
    *,
    label_map: Mapping[str, str | None] | None = None,
    frame: int = 0,
) -> list[AnnotationObject]:
    """One image's predictions as annotation objects (see PredictionMapper)."""
    mapper = PredictionMapper(schema, spec, label_map=label_map)
    return mapper.to_objects(predictions, frame=frame).objects
