"""Likely labeling mistakes, found by comparing annotations with a model's predictions.

Four kinds, each scored in [0, 1] (higher = more likely a mistake):
- `wrong_class`: a confident prediction of another class sits on the object, and no
  prediction of the object's own class does: score = confidence x IoU x (1 - own IoU).
- `misplaced`: the best prediction of the object's class overlaps it, but poorly:
  score = confidence x (1 - IoU).
- `missed`: a confident prediction overlaps no annotated object: score = confidence.
- `spurious`: an annotated object that no prediction overlaps: score =
  `spurious_weight` x (1 - best IoU), lower because a model's silence is weaker
  evidence than its confident prediction.
With the optional `cleanlab` package and box-only data, the first three use cleanlab's
object-detection label-quality scores instead (see `cleanlab_adapter`).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from labelwright.domain.shapes import Annotation, AnnotationObject
from labelwright.quality.similarity import SimilarityOptions, similarity_matrix

ErrorKind = Literal["wrong_class", "misplaced", "missed", "spurious"]
Engine = Literal["auto", "plain", "cleanlab"]
ItemPredictions = tuple[str, Annotation, Sequence[AnnotationObject]]
"""(item id, the annotation, the model's predicted objects with their scores)."""


@dataclass(frozen=True)
class LabelErrorSettings:
    """Thresholds of the model-based error finding."""

    match_iou: float = 0.5
    """A prediction at least this close is the same thing as the annotated object."""
    overlap_iou: float = 0.1
    """Below this, two shapes do not overlap at all."""
    min_confidence: float = 0.5
    """Predictions less confident than this cannot claim a missed object or a wrong class."""
    spurious_weight: float = 0.5
    min_score: float = 0.1
    """Findings scoring below this are not reported."""


@dataclass(frozen=True)
class LabelError:
    """One likely mistake on one item."""

    item_id: str
    kind: ErrorKind
    score: float
    object_id: str | None
    """The annotated object concerned (None for a missed object)."""
    prediction_id: str | None
    """The prediction that points at the mistake, if any."""
    suggested_class: str | None
    message: str


@dataclass(frozen=True)
class LabelErrorReport:
    """Mistakes ranked most likely first, and a quality score per item (1 = clean)."""

    errors: list[LabelError]
    item_quality: dict[str, float]
    engine: Literal["plain", "cleanlab"]


def confidence(prediction: AnnotationObject) -> float:
    """A prediction's score, or 1 when the model gave none."""
    return 1.0 if prediction.score is None else float(prediction.score)


def spurious_error(
    item_id: str, obj: AnnotationObject, best_iou: float, settings: LabelErrorSettings
) -> LabelError:
    """An annotated object that no prediction overlaps."""
    score = settings.spurious_weight * (1 - best_iou)
    message = f"no prediction overlaps object {obj.id!r}"
    return LabelError(item_id, "spurious", score, obj.id, None, None, message)


def missed_error(item_id: str, prediction: AnnotationObject, score: float) -> LabelError:
    """A confident prediction that no annotated object overlaps."""
    message = (
        f"the model found a {prediction.class_id!r} ({confidence(prediction):.2f}) nobody annotated"
    )
    return LabelError(item_id, "missed", score, None, prediction.id, prediction.class_id, message)


def _object_error(item_id, obj, predictions, iou_row, settings) -> LabelError | None:
    """The most likely mistake of one annotated object, if any."""
    if not predictions or iou_row.max() < settings.overlap_iou:
        best = float(iou_row.max()) if predictions else 0.0
        return spurious_error(item_id, obj, best, settings)
    conf = np.array([confidence(p) for p in predictions])
    own = np.array([p.class_id == obj.class_id for p in predictions])
    own_iou = np.where(own, iou_row, 0.0)
    own_best = int(own_iou.argmax())
    rival = np.where(~own & (conf >= settings.min_confidence), conf * iou_row, 0.0)
    r = int(rival.argmax())
    if iou_row[r] >= settings.match_iou and rival[r] > 0 and own_iou[own_best] < settings.match_iou:
        p = predictions[r]
        score = conf[r] * iou_row[r] * (1 - own_iou[own_best])
        message = f"object {obj.id!r} is {obj.class_id!r}; the model sees {p.class_id!r} there"
        return LabelError(item_id, "wrong_class", float(score), obj.id, p.id, p.class_id, message)
    if settings.overlap_iou <= own_iou[own_best] < settings.match_iou:
        p = predictions[own_best]
        score = conf[own_best] * (1 - own_iou[own_best])
        message = f"object {obj.id!r} overlaps the model's {p.class_id!r} only at IoU "
        return LabelError(
            item_id,
            "misplaced",
            float(score),
            obj.id,
            p.id,
            None,
            message + f"{own_iou[own_best]:.2f}",
        )
    return None


def plain_item_errors(
    item_id: str,
    annotation: Annotation,
    predictions: Sequence[AnnotationObject],
    settings: LabelErrorSettings,
    options: SimilarityOptions | None = None,
) -> list[LabelError]:
    """All likely mistakes of one item by the plain scores, unfiltered."""
    objects = annotation.objects
    iou = similarity_matrix(objects, predictions, options)
    errors = [
        e
        for i, obj in enumerate(objects)
        if (e := _object_error(item_id, obj, predictions, iou[i], settings)) is not None
    ]
    for j, p in enumerate(predictions):
        reach = iou[:, j].max() if objects else 0.0
        if confidence(p) >= settings.min_confidence and reach < settings.overlap_iou:
            errors.append(missed_error(item_id, p, confidence(p)))
    return errors


def _use_cleanlab(engine: Engine, items: Sequence[ItemPredictions]) -> bool:
    """Whether to score with cleanlab: asked for, or `auto` with it installed and boxes only."""
    if engine == "plain":
        return False
    from labelwright.quality import cleanlab_adapter

    if engine == "cleanlab":
        cleanlab_adapter.require()
        return True
    return cleanlab_adapter.available() and cleanlab_adapter.boxes_only(items)


def find_label_errors(
    items: Sequence[ItemPredictions],
    *,
    settings: LabelErrorSettings | None = None,
    options: SimilarityOptions | None = None,
    engine: Engine = "auto",
) -> LabelErrorReport:
    """Score likely mistakes over many items and rank them, most likely first."""
    settings = settings or LabelErrorSettings()
    if engine not in ("auto", "plain", "cleanlab"):
        raise ValueError(f"unknown engine {engine!r}; use auto, plain or cleanlab")
    if _use_cleanlab(engine, items):
        from labelwright.quality.cleanlab_adapter import cleanlab_errors

        errors, quality = cleanlab_errors(items, settings)
        used: Literal["plain", "cleanlab"] = "cleanlab"
    else:
        errors = [e for i, a, p in items for e in plain_item_errors(i, a, p, settings, options)]
        quality = {item_id: 1.0 for item_id, _, _ in items}
        for e in errors:
            quality[e.item_id] = min(quality[e.item_id], 1 - e.score)
        used = "plain"
    kept = [e for e in errors if e.score >= settings.min_score]
    kept.sort(key=lambda e: (-e.score, e.item_id, e.object_id or "", e.prediction_id or ""))
    return LabelErrorReport(kept, quality, used)
