"""Label-error scores from cleanlab's object-detection module, when it is installed.

cleanlab (`pip install labelwright[quality]`) scores each annotated box for a swapped
class and a bad location, and each confident prediction for an overlooked object; an
error score here is 1 minus its quality score. Objects no prediction overlaps are
scored `spurious` as in the plain scores, which cleanlab has no measure for.
"""

import importlib.util
from collections.abc import Sequence

import numpy as np

from labelwright.domain.shapes import BBox
from labelwright.quality.boxes import boxes_xyxy, iou_matrix
from labelwright.quality.label_errors import (
    ItemPredictions,
    LabelError,
    LabelErrorSettings,
    confidence,
    missed_error,
    spurious_error,
)


def available() -> bool:
    """Whether cleanlab can be imported."""
    return importlib.util.find_spec("cleanlab") is not None


def require() -> None:
    """Raise ValueError when cleanlab is missing."""
    if not available():
        raise ValueError("the cleanlab engine needs cleanlab: pip install 'labelwright[quality]'")


def boxes_only(items: Sequence[ItemPredictions]) -> bool:
    """Whether every annotated and predicted object is an axis-aligned box."""
    return all(
        isinstance(o.shape, BBox)
        for _, annotation, predictions in items
        for o in (*annotation.objects, *predictions)
    )


def _inputs(items: Sequence[ItemPredictions]) -> tuple[list, list, list[str]]:
    """cleanlab's labels and predictions lists, and the class id of each class index."""
    names = sorted({o.class_id for _, a, p in items for o in (*a.objects, *p)})
    index = {name: i for i, name in enumerate(names)}
    labels, predictions = [], []
    for _, annotation, predicted in items:
        for obj in (*annotation.objects, *predicted):
            if not isinstance(obj.shape, BBox):
                raise ValueError(f"object {obj.id!r} is a {obj.shape.kind}; cleanlab takes boxes")
        labels.append(
            {
                "bboxes": boxes_xyxy([o.shape for o in annotation.objects]),
                "labels": np.array([index[o.class_id] for o in annotation.objects], dtype=int),
            }
        )
        per_class = np.empty(max(len(names), 1), dtype=object)
        for k in range(len(per_class)):
            chosen = [p for p in predicted if index[p.class_id] == k]
            rows = [(*boxes_xyxy([p.shape])[0], confidence(p)) for p in chosen]
            per_class[k] = np.array(rows, dtype=float).reshape(-1, 5)
        predictions.append(per_class)
    return labels, predictions, names


def cleanlab_errors(
    items: Sequence[ItemPredictions], settings: LabelErrorSettings
) -> tuple[list[LabelError], dict[str, float]]:
    """Mistakes and per-item quality scores from cleanlab (box-only items)."""
    from cleanlab.object_detection import rank

    labels, predictions, _ = _inputs(items)
    confident = settings.min_confidence
    swap = rank.compute_swap_box_scores(
        labels=labels, predictions=predictions, high_probability_threshold=confident
    )
    badloc = rank.compute_badloc_box_scores(
        labels=labels, predictions=predictions, low_probability_threshold=confident
    )
    overlooked = rank.compute_overlooked_box_scores(
        labels=labels, predictions=predictions, high_probability_threshold=confident
    )
    quality = rank.get_label_quality_scores(labels, predictions, verbose=False)
    errors: list[LabelError] = []
    for n, (item_id, annotation, predicted) in enumerate(items):
        errors += _item_errors(
            item_id, annotation.objects, predicted, swap[n], badloc[n], overlooked[n], settings
        )
    return errors, {item_id: float(q) for (item_id, _, _), q in zip(items, quality, strict=True)}


def _nearest(i: int, obj, predicted, iou: np.ndarray, *, same_class: bool):
    """The prediction of the object's class (or of another) overlapping it most, or None."""
    chosen = [j for j, p in enumerate(predicted) if (p.class_id == obj.class_id) == same_class]
    best = max(chosen, key=lambda j: iou[i, j], default=None)
    return None if best is None else predicted[best]


def _object_error(i, obj, item_id, predicted, iou, swap, badloc, settings) -> LabelError:
    """The likelier of cleanlab's two mistakes for one annotated box, or `spurious`."""
    best = float(iou[i].max()) if predicted else 0.0
    if best < settings.overlap_iou:
        return spurious_error(item_id, obj, best, settings)
    rival = _nearest(i, obj, predicted, iou, same_class=False)
    if 1 - swap[i] >= 1 - badloc[i] and rival is not None:
        message = f"object {obj.id!r} is {obj.class_id!r}; the model sees {rival.class_id!r} there"
        score = float(1 - swap[i])
        return LabelError(item_id, "wrong_class", score, obj.id, rival.id, rival.class_id, message)
    own = _nearest(i, obj, predicted, iou, same_class=True)
    message = f"object {obj.id!r} is placed unlike the model's boxes"
    own_id = None if own is None else own.id
    return LabelError(item_id, "misplaced", float(1 - badloc[i]), obj.id, own_id, None, message)


def _item_errors(item_id, objects, predicted, swap, badloc, overlooked, settings):
    """One item's mistakes from cleanlab's per-box quality scores."""
    iou = iou_matrix(
        boxes_xyxy([o.shape for o in objects]), boxes_xyxy([p.shape for p in predicted])
    )
    errors = [
        _object_error(i, obj, item_id, predicted, iou, swap, badloc, settings)
        for i, obj in enumerate(objects)
    ]
    errors += [
        missed_error(item_id, p, float(1 - overlooked[j]))
        for j, p in enumerate(predicted)
        if not np.isnan(overlooked[j])
    ]
    return errors
