"""Rule checks on one annotation: sizes, bounds, duplicates, overlaps, attributes, counts.

Each check yields findings naming the item, the object, the rule, a severity and a
message; `rank_findings` orders them errors first, then by how far off they are.
"""

import itertools
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from labelwright.domain.geometry import AREA_KINDS, area_of, bbox_of, extent_of
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation, AnnotationObject
from labelwright.quality.similarity import SimilarityOptions, similarity_matrix

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class RuleSettings:
    """A project's thresholds for the rule checks."""

    min_box_size: float = 4.0
    """Area objects narrower or lower than this many pixels are flagged."""
    outside_tolerance_px: float = 1.0
    """How far past the image border an object may reach before it is flagged."""
    duplicate_iou: float = 0.9
    """Two objects of one class overlapping above this IoU are near-duplicates."""
    forbidden_overlaps: tuple[tuple[str, str], ...] = ()
    """Pairs of class ids whose objects must not overlap."""
    max_overlap: float = 0.05
    """Tolerated intersection of a forbidden pair, as a share of the smaller object."""
    min_objects: int = 0
    max_objects: int | None = None
    class_count_limits: Mapping[str, tuple[int, int | None]] = field(default_factory=dict)
    """Per class id, (at least, at most) objects per item; at most None is unbounded."""


@dataclass(frozen=True)
class RuleFinding:
    """One rule broken on one item (and object, when it concerns one)."""

    item_id: str
    object_id: str | None
    rule: str
    severity: Severity
    message: str
    score: float
    """How far off, for ranking within a severity: larger is worse."""


def _finding(item_id, obj, rule, severity, message, score) -> RuleFinding:
    """A finding about one object (or the item, when obj is None)."""
    object_id = obj.id if obj is not None else None
    return RuleFinding(item_id, object_id, rule, severity, message, float(score))


def _small_boxes(item_id, objects, settings: RuleSettings) -> Iterable[RuleFinding]:
    """Area objects whose box is below the minimum size."""
    for obj in objects:
        if obj.shape.kind not in AREA_KINDS:
            continue
        _, _, w, h = bbox_of(obj.shape)
        side = min(w, h)
        if side < settings.min_box_size:
            message = f"object {obj.id!r} is {w:.1f} x {h:.1f} px, below {settings.min_box_size} px"
            yield _finding(
                item_id, obj, "min_box_size", "warning", message, 1 - side / settings.min_box_size
            )


def _outside(item_id, objects, size, settings: RuleSettings) -> Iterable[RuleFinding]:
    """Objects reaching past the image border by more than the tolerance."""
    width, height = size
    for obj in objects:
        extent = extent_of(obj.shape)
        if extent is None:
            continue
        x0, y0, x1, y1 = extent
        beyond = max(-x0, -y0, x1 - width, y1 - height)
        if beyond > settings.outside_tolerance_px:
            message = (
                f"object {obj.id!r} reaches {beyond:.1f} px outside the {width}x{height} image"
            )
            yield _finding(item_id, obj, "outside_image", "error", message, beyond)


def _overlaps(item_id, objects, settings, options) -> Iterable[RuleFinding]:
    """Near-duplicates of one class, and objects of forbidden class pairs that overlap."""
    areas = [o for o in objects if o.shape.kind in AREA_KINDS]
    if len(areas) < 2:
        return
    iou = similarity_matrix(areas, areas, options)
    forbidden = {frozenset(pair) for pair in settings.forbidden_overlaps}
    for i, j in itertools.combinations(range(len(areas)), 2):
        a, b = areas[i], areas[j]
        if iou[i, j] <= 0:
            continue
        if a.class_id == b.class_id and iou[i, j] > settings.duplicate_iou:
            message = f"objects {a.id!r} and {b.id!r} of class {a.class_id!r} overlap at IoU "
            yield _finding(
                item_id, b, "near_duplicate", "warning", message + f"{iou[i, j]:.2f}", iou[i, j]
            )
        if frozenset((a.class_id, b.class_id)) in forbidden and a.class_id != b.class_id:
            share = _overlap_share(a, b, iou[i, j])
            if share > settings.max_overlap:
                message = (
                    f"objects {a.id!r} ({a.class_id}) and {b.id!r} ({b.class_id}) must not "
                    f"overlap; {share:.0%} of the smaller one does"
                )
                yield _finding(item_id, b, "forbidden_overlap", "warning", message, share)


def _overlap_share(a: AnnotationObject, b: AnnotationObject, iou: float) -> float:
    """Intersection over the smaller area, from the IoU: I = IoU (A + B) / (1 + IoU)."""
    area_a, area_b = area_of(a.shape), area_of(b.shape)
    smaller = min(area_a, area_b)
    return iou * (area_a + area_b) / (1 + iou) / smaller if smaller > 0 else 0.0


def _attributes(item_id, objects, schema: LabelSchema) -> Iterable[RuleFinding]:
    """Objects of unknown classes, and required attributes left without a value."""
    for obj in objects:
        label_class = schema.class_by_id(obj.class_id)
        if label_class is None:
            message = f"object {obj.id!r} has class {obj.class_id!r}, not in the schema"
            yield _finding(item_id, obj, "unknown_class", "error", message, 1.0)
            continue
        for spec in label_class.attributes:
            if spec.required and obj.attributes.get(spec.id) in (None, "", []):
                message = f"object {obj.id!r} ({label_class.name}) lacks required {spec.name!r}"
                yield _finding(item_id, obj, "missing_attribute", "error", message, 1.0)


def _counts(item_id, objects, settings: RuleSettings) -> Iterable[RuleFinding]:
    """Too few or too many objects, in all and per class."""
    limits = {None: (settings.min_objects, settings.max_objects)}
    limits.update(settings.class_count_limits)
    per_class = Counter(o.class_id for o in objects)
    for class_id, (least, most) in limits.items():
        count = len(objects) if class_id is None else per_class[class_id]
        what = "objects" if class_id is None else f"objects of class {class_id!r}"
        if count < least:
            message = f"{count} {what}; at least {least} expected"
            yield _finding(item_id, None, "too_few_objects", "warning", message, least - count)
        if most is not None and count > most:
            message = f"{count} {what}; at most {most} allowed"
            yield _finding(item_id, None, "too_many_objects", "warning", message, count - most)


def check_annotation(
    annotation: Annotation,
    *,
    item_id: str,
    image_size: tuple[int, int] | None = None,
    schema: LabelSchema | None = None,
    settings: RuleSettings | None = None,
    options: SimilarityOptions | None = None,
) -> list[RuleFinding]:
    """Run every rule on one item's annotation; `image_size` is (width, height)."""
    settings = settings or RuleSettings()
    objects = annotation.objects
    findings = [*_small_boxes(item_id, objects, settings), *_counts(item_id, objects, settings)]
    if image_size is not None:
        findings += _outside(item_id, objects, image_size, settings)
    for frame in sorted({o.frame for o in objects}):
        on_frame = [o for o in objects if o.frame == frame]
        findings += _overlaps(item_id, on_frame, settings, options)
    if schema is not None:
        findings += _attributes(item_id, objects, schema)
    return rank_findings(findings)


def check_items(
    items: Iterable[tuple[str, Annotation, tuple[int, int] | None]],
    *,
    schema: LabelSchema | None = None,
    settings: RuleSettings | None = None,
    options: SimilarityOptions | None = None,
) -> list[RuleFinding]:
    """Run the rules on many `(item_id, annotation, (width, height))` and rank all findings."""
    findings: list[RuleFinding] = []
    for item_id, annotation, size in items:
        findings += check_annotation(
            annotation,
            item_id=item_id,
            image_size=size,
            schema=schema,
            settings=settings,
            options=options,
        )
    return rank_findings(findings)


def rank_findings(findings: Sequence[RuleFinding]) -> list[RuleFinding]:
    """Errors before warnings before notes; within each, the worst first."""
    return sorted(
        findings,
        key=lambda f: (SEVERITY_ORDER[f.severity], -f.score, f.item_id, f.object_id or ""),
    )
