"""How alike two objects are, in [0, 1]: IoU, OKS for keypoints, distance scores for points.

Area shapes (box, rotated box, polygon with holes, ellipse, mask) compare by IoU, also
across kinds (a box against a polygon); keypoints by COCO's object keypoint similarity;
points and polylines by a Gaussian of the distance between them; tags by exact class.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from pycocotools import mask as coco_mask
from scipy.optimize import linear_sum_assignment

from labelwright.domain.geometry import AREA_KINDS, bbox_of, iou
from labelwright.domain.rle import coco_rle
from labelwright.domain.shapes import (
    AnnotationObject,
    BBox,
    Keypoints,
    Mask,
    Points,
    Polyline,
    Shape,
)
from labelwright.quality.boxes import boxes_xyxy, iou_matrix

COCO_PERSON_SIGMAS = (
    0.026, 0.025, 0.025, 0.035, 0.035, 0.079, 0.079, 0.072, 0.072,
    0.062, 0.062, 0.107, 0.107, 0.087, 0.087, 0.089, 0.089,
)  # fmt: skip
"""Per-node sigmas of COCO's 17 person keypoints (nose, eyes, ears, shoulders, ... ankles)."""

DEFAULT_KEYPOINT_SIGMA = 0.07
"""Sigma for nodes whose class gives none: about the mean of COCO's person sigmas."""

DEFAULT_TOLERANCE_PX = 8.0
"""Distance in pixels at which a point or polyline scores exp(-1/2), about 0.61."""

POLYLINE_SAMPLES = 32
"""Points sampled along each polyline to measure its distance to the other."""


@dataclass(frozen=True)
class SimilarityOptions:
    """Settings of the similarity measures that depend on the project."""

    keypoint_sigmas: Mapping[str, Sequence[float]] = field(default_factory=dict)
    """Per class id, one sigma per skeleton node; others use DEFAULT_KEYPOINT_SIGMA."""
    tolerance_px: float = DEFAULT_TOLERANCE_PX
    """Distance scale of points and polylines, in pixels."""

    def sigmas_for(self, class_id: str, nodes: int) -> np.ndarray:
        """The sigma of each of `nodes` skeleton nodes of a class."""
        given = self.keypoint_sigmas.get(class_id)
        if given is None:
            return np.full(nodes, DEFAULT_KEYPOINT_SIGMA)
        if len(given) != nodes:
            raise ValueError(
                f"class {class_id!r} has {len(given)} keypoint sigmas but the object has "
                f"{nodes} nodes"
            )
        return np.asarray(given, dtype=float)


def oks(
    reference: Keypoints,
    other: Keypoints,
    sigmas: Sequence[float] | None = None,
    area: float | None = None,
) -> float:
    """COCO object keypoint similarity of `other` to `reference`.

    Counts the nodes labeled (v > 0) in the reference; a node the other leaves
    unlabeled scores 0. `area` defaults to the area of the reference's box (of its
    labeled nodes). With no labeled reference node, 1 if the other labels none too.
    """
    count = len(reference.points)
    if len(other.points) != count:
        raise ValueError(f"keypoint counts differ: {count} and {len(other.points)}")
    sigma = np.full(count, DEFAULT_KEYPOINT_SIGMA) if sigmas is None else np.asarray(sigmas)
    if sigma.shape != (count,):
        raise ValueError(f"{len(sigma)} sigmas given for {count} keypoints")
    ref = np.asarray(reference.points, dtype=float).reshape(count, 3)
    oth = np.asarray(other.points, dtype=float).reshape(count, 3)
    labeled = ref[:, 2] > 0
    if not labeled.any():
        return float(not (oth[:, 2] > 0).any())
    if area is None:
        _, _, w, h = bbox_of(reference)
        area = w * h
    squared = ((ref[:, :2] - oth[:, :2]) ** 2).sum(axis=1)
    # COCO's formula: e = d^2 / (2 s^2 k^2) with k = 2 sigma and s^2 the object area.
    spread = (2 * sigma) ** 2 * (area + np.spacing(1)) * 2
    scores = np.exp(-squared / spread) * (oth[:, 2] > 0)
    return float(scores[labeled].mean())


def keypoint_similarity(a: Keypoints, b: Keypoints, sigmas: Sequence[float] | None) -> float:
    """OKS made symmetric: the mean of each side taken as the reference."""
    return (oks(a, b, sigmas) + oks(b, a, sigmas)) / 2


def _closeness(distance: np.ndarray, tolerance: float) -> np.ndarray:
    """Gaussian closeness exp(-d^2 / 2t^2) of distances in pixels."""
    return np.exp(-(distance**2) / (2 * tolerance**2))


def points_similarity(a: Points, b: Points, tolerance: float = DEFAULT_TOLERANCE_PX) -> float:
    """Points paired one to one (Hungarian); summed closeness over the larger count."""
    if not a.points and not b.points:
        return 1.0
    if not a.points or not b.points:
        return 0.0
    pa, pb = np.asarray(a.points, dtype=float), np.asarray(b.points, dtype=float)
    distance = np.linalg.norm(pa[:, None, :] - pb[None, :, :], axis=2)
    closeness = _closeness(distance, tolerance)
    r, c = linear_sum_assignment(closeness, maximize=True)
    return float(closeness[r, c].sum() / max(len(pa), len(pb)))


def _line(points: list[tuple[float, float]]) -> shapely.Geometry:
    """A polyline as a shapely line (a point if it has one vertex)."""
    if len(points) >= 2:
        return shapely.LineString(points)
    return shapely.Point(points[0]) if points else shapely.LineString()


def _samples(line: shapely.Geometry) -> np.ndarray:
    """POLYLINE_SAMPLES points spread evenly along a line."""
    if isinstance(line, shapely.Point):
        return np.array([line])
    return shapely.line_interpolate_point(
        line, np.linspace(0, 1, POLYLINE_SAMPLES), normalized=True
    )


def polyline_similarity(a: Polyline, b: Polyline, tolerance: float = DEFAULT_TOLERANCE_PX) -> float:
    """Mean closeness of points sampled along each line to the other line, both ways."""
    la, lb = _line(a.points), _line(b.points)
    if la.is_empty or lb.is_empty:
        return float(la.is_empty and lb.is_empty)
    distances = np.concatenate(
        [shapely.distance(_samples(la), lb), shapely.distance(_samples(lb), la)]
    )
    return float(_closeness(distances, tolerance).mean())


def comparable(a: Shape, b: Shape) -> bool:
    """Whether two shapes have a similarity: both areas, or the same kind."""
    return (a.kind in AREA_KINDS and b.kind in AREA_KINDS) or a.kind == b.kind


def shape_similarity(
    a: Shape,
    b: Shape,
    *,
    sigmas: Sequence[float] | None = None,
    tolerance: float = DEFAULT_TOLERANCE_PX,
) -> float:
    """Similarity in [0, 1] of two shapes; ValueError if their kinds cannot be compared."""
    if not comparable(a, b):
        raise ValueError(f"a {a.kind} cannot be compared with a {b.kind}")
    if a.kind in AREA_KINDS:
        return iou(a, b)
    if isinstance(a, Keypoints) and isinstance(b, Keypoints):
        return keypoint_similarity(a, b, sigmas)
    if isinstance(a, Points) and isinstance(b, Points):
        return points_similarity(a, b, tolerance)
    if isinstance(a, Polyline) and isinstance(b, Polyline):
        return polyline_similarity(a, b, tolerance)
    return 1.0  # two tags: the class decides, and the caller compares classes


def object_similarity(
    a: AnnotationObject, b: AnnotationObject, options: SimilarityOptions | None = None
) -> float:
    """Similarity of two objects; 0 across frames or incomparable kinds, tags by class."""
    options = options or SimilarityOptions()
    if a.frame != b.frame or not comparable(a.shape, b.shape):
        return 0.0
    if a.shape.kind == "tag":
        return float(a.class_id == b.class_id)
    sigmas = None
    if isinstance(a.shape, Keypoints):
        sigmas = options.sigmas_for(a.class_id, len(a.shape.points))
    try:
        return shape_similarity(a.shape, b.shape, sigmas=sigmas, tolerance=options.tolerance_px)
    except ValueError as error:
        raise ValueError(f"objects {a.id!r} and {b.id!r}: {error}") from None


def similarity_matrix(
    a: Sequence[AnnotationObject],
    b: Sequence[AnnotationObject],
    options: SimilarityOptions | None = None,
) -> np.ndarray:
    """Similarity of every object of `a` with every object of `b`, as an (n, m) array.

    Box pairs and same-size mask pairs are computed in bulk; other pairs one by one.
    """
    out = np.zeros((len(a), len(b)))
    if not a or not b:
        return out
    done = np.zeros_like(out, dtype=bool)
    _fill_boxes(a, b, out, done)
    _fill_masks(a, b, out, done)
    for i, j in zip(*np.nonzero(~done), strict=True):
        out[i, j] = object_similarity(a[i], b[j], options)
    return out


def _fill_boxes(a, b, out: np.ndarray, done: np.ndarray) -> None:
    """IoU of every box pair on the same frame, in one array operation."""
    ia = [i for i, o in enumerate(a) if isinstance(o.shape, BBox)]
    ib = [j for j, o in enumerate(b) if isinstance(o.shape, BBox)]
    if not ia or not ib:
        return
    ious = iou_matrix(boxes_xyxy([a[i].shape for i in ia]), boxes_xyxy([b[j].shape for j in ib]))
    same_frame = np.equal.outer([a[i].frame for i in ia], [b[j].frame for j in ib])
    out[np.ix_(ia, ib)] = np.where(same_frame, ious, 0.0)
    done[np.ix_(ia, ib)] = True


def _fill_masks(a, b, out: np.ndarray, done: np.ndarray) -> None:
    """IoU of every pair of masks of one size on the same frame, through pycocotools."""
    ia = [i for i, o in enumerate(a) if isinstance(o.shape, Mask)]
    ib = [j for j, o in enumerate(b) if isinstance(o.shape, Mask)]
    sizes = {tuple(o.shape.rle.size) for o in [*(a[i] for i in ia), *(b[j] for j in ib)]}
    if not ia or not ib or len(sizes) != 1:
        return  # masks of different sizes fall through to the pairwise error message
    rle_a = [_rle(a[i]) for i in ia]
    rle_b = [_rle(b[j]) for j in ib]
    ious = np.asarray(coco_mask.iou(rle_a, rle_b, [0] * len(rle_b))).reshape(len(ia), len(ib))
    same_frame = np.equal.outer([a[i].frame for i in ia], [b[j].frame for j in ib])
    out[np.ix_(ia, ib)] = np.where(same_frame, ious, 0.0)
    done[np.ix_(ia, ib)] = True


def _rle(obj: AnnotationObject) -> dict:
    """An object's mask as a pycocotools RLE, with the object named if it is malformed."""
    try:
        return coco_rle(obj.shape.rle)
    except ValueError as error:
        raise ValueError(f"object {obj.id!r}: {error}") from None
