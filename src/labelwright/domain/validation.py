"""Checking an annotation against its project's schema and its image before it is saved."""

from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np
import shapely
from pydantic import BaseModel, ConfigDict, ValidationError

from labelwright.domain.attributes import TextAttribute
from labelwright.domain.findings import Finding, quoted
from labelwright.domain.geometry import clip_shape, extent_of
from labelwright.domain.relation_checks import relation_problems, tag_problems
from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shape_checks import (
    geometry_findings,
    non_finite_findings,
    out_of_bounds_finding,
    screen_shapes,
    vertex_count,
)
from labelwright.domain.shapes import Annotation, AnnotationObject, Keypoints, Mask, Shape

MAX_OBJECTS = 20_000
"""Most objects one annotation may hold."""
MAX_VERTICES_PER_OBJECT = 100_000
"""Most points one object's shape may hold."""
MAX_TOTAL_VERTICES = 2_000_000
"""Most points all objects of one annotation may hold together."""
MAX_TEXT_LENGTH = 10_000
"""Longest text attribute value when the attribute sets no limit of its own."""
MAX_ID_LENGTH = 200
"""Longest object, track or group id."""
MAX_PARSE_PROBLEMS = 200
"""Most problems reported for input that does not even parse."""
MAX_PROBLEMS_IN_MESSAGE = 20
"""How many problems an AnnotationInvalid message spells out."""


class Limits(BaseModel):
    """Size limits that keep one save from exhausting the server."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_objects: int = MAX_OBJECTS
    max_vertices_per_object: int = MAX_VERTICES_PER_OBJECT
    max_total_vertices: int = MAX_TOTAL_VERTICES
    max_text_length: int = MAX_TEXT_LENGTH


DEFAULT_LIMITS = Limits()


class Problem(BaseModel):
    """One thing wrong with an annotation: which object, which field, and what."""

    model_config = ConfigDict(frozen=True)

    object_id: str | None
    field: str
    message: str


class AnnotationInvalid(ValueError):
    """An annotation does not fit its schema or image; `problems` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        shown = "; ".join(p.message for p in self.problems[:MAX_PROBLEMS_IN_MESSAGE])
        more = len(self.problems) - MAX_PROBLEMS_IN_MESSAGE
        suffix = f"; and {more} more" if more > 0 else ""
        count = len(self.problems)
        super().__init__(f"annotation has {count} problem{'s' * (count != 1)}: {shown}{suffix}")

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:
        return (type(self), (self.problems,))


def describe_object(obj: AnnotationObject, label_class: LabelClass | None) -> str:
    """How a message names an object: its id and its class name."""
    if label_class is None:
        return f"object {quoted(obj.id)} (unknown class {quoted(obj.class_id)})"
    return f"object {quoted(obj.id)} (class {quoted(label_class.name)})"


def parse_annotation(data: Any) -> Annotation:
    """Build an Annotation from JSON-like data, or raise AnnotationInvalid saying why not."""
    try:
        return Annotation.model_validate(data)
    except ValidationError as error:
        errors = error.errors(include_url=False)[:MAX_PARSE_PROBLEMS]
        problems = [_problem_from_error(data, e) for e in errors]
        raise AnnotationInvalid(problems) from None


def _problem_from_error(data: Any, error: Mapping[str, Any]) -> Problem:
    """Turn one pydantic error into a Problem, naming the object when it can."""
    loc = list(error["loc"])
    object_id = None
    if len(loc) >= 2 and loc[0] == "objects" and isinstance(loc[1], int):
        try:
            raw_id = data["objects"][loc[1]]["id"]
            object_id = raw_id if isinstance(raw_id, str) else None
        except (KeyError, IndexError, TypeError):
            object_id = None
        loc = loc[2:]
        where = f"object {quoted(object_id)}" if object_id else f"object #{error['loc'][1]}"
    else:
        where = "annotation"
    field = ".".join(str(part) for part in loc)
    return Problem(object_id=object_id, field=field, message=f"{where}: {field}: {error['msg']}")


class ImageSize(NamedTuple):
    """The image an annotation belongs to: its size in pixels and its frame count."""

    width: int
    height: int
    frame_count: int = 1


def validate_annotation(
    annotation: Annotation | Mapping[str, Any],
    schema: LabelSchema,
    *,
    width: int,
    height: int,
    frame_count: int = 1,
    limits: Limits = DEFAULT_LIMITS,
) -> Annotation:
    """Return the annotation (clipped if the schema says so) or raise AnnotationInvalid.

    Every problem is collected, not only the first; each message names the object.
    """
    size = _checked_size(ImageSize(width, height, frame_count))
    if not isinstance(annotation, Annotation):
        annotation = parse_annotation(annotation)
    outcome = validate_many([annotation], [size], schema, limits=limits)[0]
    if isinstance(outcome, AnnotationInvalid):
        raise outcome
    return outcome


def validate_many(
    annotations: Sequence[Annotation],
    sizes: Sequence[ImageSize],
    schema: LabelSchema,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> list[Annotation | AnnotationInvalid]:
    """Validate annotations of several images under one schema: for each, what
    `validate_annotation` would return, or the AnnotationInvalid it would raise.

    The shapes of all of them are screened in one pass (`screen_shapes`), so a thousand
    small annotations cost about what one big annotation does.
    """
    if len(annotations) != len(sizes):
        raise ValueError(f"{len(annotations)} annotations but {len(sizes)} image sizes")
    sizes = [_checked_size(ImageSize(*size)) for size in sizes]
    outcomes: list[Annotation | AnnotationInvalid | None] = [
        _size_problem(a, limits) for a in annotations
    ]
    shapes, shape_sizes = [], []
    for annotation, size, outcome in zip(annotations, sizes, outcomes, strict=True):
        if outcome is None:
            shapes += [o.shape for o in annotation.objects]
            shape_sizes += [(size.width, size.height)] * len(annotation.objects)
    settled = screen_shapes(
        shapes,
        shape_sizes,
        tolerance=schema.tolerance_px,
        clip=schema.out_of_bounds == "clip",
        max_vertices=limits.max_vertices_per_object,
    )
    classes = {c.id: c for c in schema.classes}
    start = 0
    for index, (annotation, size) in enumerate(zip(annotations, sizes, strict=True)):
        if outcomes[index] is None:
            end = start + len(annotation.objects)
            checker = _ObjectChecker(schema, classes, size, limits)
            outcomes[index] = _validate_one(annotation, schema, checker, settled[start:end])
            start = end
    return outcomes  # type: ignore[return-value]  # every None was replaced


def _checked_size(size: ImageSize) -> ImageSize:
    """The size itself, or ValueError when no image can have it (a caller's mistake)."""
    if size.width <= 0 or size.height <= 0 or size.frame_count <= 0:
        raise ValueError(
            f"image size {size.width}x{size.height} with {size.frame_count} frames is impossible"
        )
    return size


def _validate_one(
    annotation: Annotation, schema: LabelSchema, checker: "_ObjectChecker", settled: list[bool]
) -> Annotation | AnnotationInvalid:
    """One annotation checked object by object; `settled` marks shapes already found fine."""
    problems: list[Problem] = []
    objects: list[AnnotationObject] = []
    clipped = False
    for obj, plain in zip(annotation.objects, settled, strict=True):
        if plain and checker.plainly_fine(obj):  # most objects of a large import
            objects.append(obj)
            continue
        checked, found = checker.check(obj, plain)
        objects.append(checked)
        clipped = clipped or checked is not obj
        if found:
            problems += found
    problems += _duplicate_problems(annotation.objects)
    if annotation.relations or annotation.tags:
        problems += [
            Problem(object_id=None, field=f, message=m)
            for f, m in relation_problems(annotation, schema)
            + tag_problems(annotation.tags, schema)
        ]
    if problems:
        return AnnotationInvalid(problems)
    return annotation.model_copy(update={"objects": objects}) if clipped else annotation


def _size_problem(annotation: Annotation, limits: Limits) -> AnnotationInvalid | None:
    """Refuse absurdly large annotations before any expensive check."""
    count = len(annotation.objects)
    if count > limits.max_objects:
        message = f"annotation has {count} objects; at most {limits.max_objects} allowed"
        return AnnotationInvalid([Problem(object_id=None, field="objects", message=message)])
    total = sum(vertex_count(o.shape) for o in annotation.objects)
    if total > limits.max_total_vertices:
        message = f"annotation has {total} points; at most {limits.max_total_vertices} allowed"
        return AnnotationInvalid([Problem(object_id=None, field="objects", message=message)])
    return None


def _duplicate_problems(objects: list[AnnotationObject]) -> list[Problem]:
    """Report repeated object ids and two objects of one track on the same frame."""
    if len({o.id for o in objects}) == len(objects) and all(o.track is None for o in objects):
        return []  # the usual case, found without counting
    problems = []
    for object_id, n in Counter(o.id for o in objects).items():
        if n > 1:
            message = f"object id {quoted(object_id)} is used by {n} objects"
            problems.append(Problem(object_id=object_id, field="id", message=message))
    tracked = Counter((o.track, o.frame) for o in objects if o.track is not None)
    for (track, frame), n in tracked.items():
        if n > 1:
            message = f"track {quoted(track)} has {n} objects on frame {frame}"
            problems.append(Problem(object_id=None, field="track", message=message))
    return problems


class _ObjectChecker:
    """Checks one object at a time against the schema and the image."""

    def __init__(
        self,
        schema: LabelSchema,
        classes: Mapping[str, LabelClass],
        size: ImageSize,
        limits: Limits,
    ) -> None:
        self.schema, self.classes, self.limits = schema, classes, limits
        self.width, self.height, self.frame_count = size

    def check(
        self, obj: AnnotationObject, shape_settled: bool = False
    ) -> tuple[AnnotationObject, list[Problem]]:
        """Return the object (clipped if need be) and everything wrong with it.

        `shape_settled` says the shape already passed `screen_shapes`, so its own checks
        (which would find nothing and change nothing) are skipped.
        """
        label_class = self.classes.get(obj.class_id)
        findings = self._identity(obj, label_class)
        if obj.attributes or (label_class is not None and label_class.attributes):
            findings += self._attributes(obj, label_class)
        shape = obj.shape
        if not shape_settled:
            with np.errstate(all="ignore"):  # GEOS warns on huge coordinates; we report them
                shape, shape_findings = self._shape(obj.shape, label_class)
            findings += shape_findings
        checked = obj if shape is obj.shape else obj.model_copy(update={"shape": shape})
        if not findings:
            return checked, []
        name = describe_object(obj, label_class)
        object_id = obj.id if isinstance(obj.id, str) else None
        problems = [
            Problem(object_id=object_id, field=f, message=f"{name}: {m}") for f, m in findings
        ]
        return checked, problems

    def plainly_fine(self, obj: AnnotationObject) -> bool:
        """Whether an object whose shape is settled (`screen_shapes`) needs no other check: the
        usual object, with no attributes on either side, found in one test."""
        label_class = self.classes.get(obj.class_id)
        return (
            label_class is not None
            and not obj.attributes
            and not label_class.attributes
            and self._usual(obj, label_class)
        )

    def _usual(self, obj: AnnotationObject, label_class: LabelClass) -> bool:
        """Whether id, class, frame, track, group, score and source are those of the usual
        object, which then needs no look field by field."""
        return (
            obj.track is None
            and obj.group is None
            and obj.score is None
            and obj.source == "manual"
            and 1 <= len(obj.id) <= MAX_ID_LENGTH
            and 0 <= obj.frame < self.frame_count
            and obj.shape.kind in label_class.shape_kinds
        )

    def _identity(self, obj: AnnotationObject, label_class: LabelClass | None) -> list[Finding]:
        """Check id, class, frame, track, group, score and source."""
        if label_class is not None and self._usual(obj, label_class):
            return []  # anything else is looked at field by field
        findings: list[Finding] = []
        for field in ("id", "track", "group"):
            value = getattr(obj, field)
            if value is not None and not 1 <= len(value) <= MAX_ID_LENGTH:
                findings.append((field, f"{field} must be 1 to {MAX_ID_LENGTH} characters long"))
        if label_class is None:
            findings.append(("class_id", f"class id {quoted(obj.class_id)} is not in the schema"))
        elif obj.shape.kind not in label_class.shape_kinds:
            allowed = ", ".join(label_class.shape_kinds)
            message = f"class does not allow {obj.shape.kind} shapes (allowed: {allowed})"
            findings.append(("shape.kind", message))
        if not 0 <= obj.frame < self.frame_count:
            message = f"frame {obj.frame} is outside 0..{self.frame_count - 1}"
            findings.append(("frame", message))
        if obj.score is not None and not 0 <= obj.score <= 1:
            findings.append(("score", f"score {obj.score} is outside 0..1"))
        if not _is_source(obj.source):
            message = (
                f"source {quoted(obj.source)} is not manual, synthetic, consensus or model:<name>"
            )
            findings.append(("source", message))
        return findings

    def _attributes(self, obj: AnnotationObject, label_class: LabelClass | None) -> list[Finding]:
        """Check attribute ids, value types and ranges, and required attributes."""
        if label_class is None:
            return []
        findings: list[Finding] = []
        for attribute_id, value in obj.attributes.items():
            field = f"attributes.{attribute_id}"
            spec = label_class.attribute(attribute_id)
            if spec is None:
                findings.append((field, f"attribute id {quoted(attribute_id)} is not defined"))
                continue
            if value is None:
                continue
            problem = spec.value_problem(value)
            too_long = isinstance(spec, TextAttribute) and spec.max_length is None
            if not problem and too_long and len(value) > self.limits.max_text_length:
                problem = f"text is longer than {self.limits.max_text_length} characters"
            if problem:
                findings.append((field, f"attribute {quoted(spec.name)}: {problem}"))
        for spec in label_class.attributes:
            if spec.required and obj.attributes.get(spec.id) is None:
                findings.append(
                    (f"attributes.{spec.id}", f"attribute {quoted(spec.name)} is required")
                )
        return findings

    def _shape(self, shape: Shape, label_class: LabelClass | None) -> tuple[Shape, list[Finding]]:
        """Check the geometry, clipping it to the image when the schema says so."""
        count = vertex_count(shape)
        if count > self.limits.max_vertices_per_object:
            limit = self.limits.max_vertices_per_object
            return shape, [("shape", f"shape has {count} points; at most {limit} allowed")]
        findings = non_finite_findings(shape)
        if findings:
            return shape, findings
        findings = geometry_findings(shape, self.width, self.height)
        findings += _skeleton_findings(shape, label_class)
        if findings:
            return shape, findings
        if self.schema.out_of_bounds == "refuse":
            finding = out_of_bounds_finding(
                shape, self.width, self.height, self.schema.tolerance_px
            )
            return shape, [finding] if finding else []
        return self._clip(shape)

    def _clip(self, shape: Shape) -> tuple[Shape, list[Finding]]:
        """Clip a shape to the image and check what is left."""
        if isinstance(shape, Mask) or extent_of(shape, unlabeled_keypoints=True) is None:
            return shape, []
        try:
            clipped = clip_shape(shape, self.width, self.height)
        except (ValueError, shapely.errors.GEOSException) as error:
            return shape, [("shape", f"cannot clip to the image: {error}")]
        if clipped is shape:
            return shape, []
        findings = non_finite_findings(clipped) + geometry_findings(
            clipped, self.width, self.height
        )
        return clipped, [(f, f"after clipping to the image, {m}") for f, m in findings]


def _skeleton_findings(shape: Shape, label_class: LabelClass | None) -> list[Finding]:
    """Report keypoints whose count differs from the class skeleton's nodes."""
    if not isinstance(shape, Keypoints) or label_class is None or label_class.skeleton is None:
        return []
    expected = len(label_class.skeleton.nodes)
    if len(shape.points) != expected:
        message = f"has {len(shape.points)} keypoints; the skeleton has {expected} nodes"
        return [("shape.points", message)]
    return []


def _is_source(source: str) -> bool:
    """Whether `source` is manual, synthetic, consensus or model:<name>."""
    if source in ("manual", "synthetic", "consensus"):
        return True
    name = source.removeprefix("model:")
    return source.startswith("model:") and 0 < len(name) <= MAX_ID_LENGTH and name.strip() == name
