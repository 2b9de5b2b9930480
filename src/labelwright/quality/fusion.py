"""Fusing the shapes of one cluster (the same thing drawn by several annotators) into one.

Boxes, rotated boxes and ellipses: weighted box fusion (a score-weighted mean of the
coordinates; angles aligned first). Masks: pixel majority vote. Polygons: rasterized,
voted like masks, and traced back to a polygon. Keypoints: per node, the mean of the
annotators who labeled it. Points and polylines: the member most like the others.
"""

import warnings
from collections import Counter
from collections.abc import Sequence

import numpy as np
import shapely
from pycocotools import mask as coco_mask

from labelwright.domain.geometry import bbox_of
from labelwright.domain.rle import coco_rle
from labelwright.domain.shapes import (
    AnnotationObject,
    BBox,
    Ellipse,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Rle,
    RotatedBox,
    Shape,
)
from labelwright.quality.similarity import SimilarityOptions, similarity_matrix

POLYGON_RASTER_PX = 512
"""Longest side of the grid on which polygons are voted (finer for small polygons)."""
POLYGON_MAX_SCALE = 4.0
"""At most this many grid cells per image pixel when voting small polygons."""


def weight_of(obj: AnnotationObject) -> float:
    """An object's weight in fusion: its score, or 1 when it has none."""
    return 1.0 if obj.score is None else max(float(obj.score), 1e-6)


def fuse_boxes(boxes: Sequence[BBox], weights: Sequence[float]) -> BBox:
    """Weighted box fusion: the weighted mean of the corners."""
    corners = np.array([(b.x, b.y, b.x + b.w, b.y + b.h) for b in boxes])
    x0, y0, x1, y1 = np.average(corners, axis=0, weights=weights)
    return BBox(x=float(x0), y=float(y0), w=float(x1 - x0), h=float(y1 - y0))


def _aligned(shape: RotatedBox | Ellipse, reference_angle: float) -> tuple[float, ...]:
    """(cx, cy, size_a, size_b, angle) of a turned shape, its angle within 45 deg of reference.

    A box or ellipse looks the same turned by 180 degrees, and turned by 90 with its
    two sizes swapped, so its angle can always be brought within 45 of any reference.
    """
    a, b = (shape.rx, shape.ry) if isinstance(shape, Ellipse) else (shape.w, shape.h)
    delta = (shape.angle - reference_angle + 90) % 180 - 90
    if delta > 45:
        delta, a, b = delta - 90, b, a
    elif delta < -45:
        delta, a, b = delta + 90, b, a
    return (shape.cx, shape.cy, a, b, reference_angle + delta)


def fuse_turned(
    shapes: Sequence[RotatedBox | Ellipse], weights: Sequence[float]
) -> RotatedBox | Ellipse:
    """Weighted fusion of rotated boxes (or ellipses) after aligning their angles."""
    reference = shapes[0].angle
    rows = np.array([_aligned(s, reference) for s in shapes])
    cx, cy, a, b, angle = (float(v) for v in np.average(rows, axis=0, weights=weights))
    if isinstance(shapes[0], Ellipse):
        return Ellipse(cx=cx, cy=cy, rx=a, ry=b, angle=angle)
    return RotatedBox(cx=cx, cy=cy, w=a, h=b, angle=angle)


def _decode(rle: dict) -> np.ndarray:
    """Pixels of an RLE as booleans (pycocotools warns needlessly under NumPy 2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return coco_mask.decode(rle).astype(bool)


def _encode(pixels: np.ndarray) -> Rle:
    """Boolean pixels as a domain RLE."""
    rle = coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))
    return Rle(size=(int(rle["size"][0]), int(rle["size"][1])), counts=rle["counts"].decode())


def majority_pixels(layers: Sequence[np.ndarray]) -> np.ndarray:
    """Pixels set in more than half of the layers."""
    votes = np.sum(layers, axis=0, dtype=np.int32)
    return votes * 2 > len(layers)


def vote_masks(masks: Sequence[Mask]) -> Mask | None:
    """Pixel majority vote of masks of one size; None if no pixel wins a majority."""
    sizes = {tuple(m.rle.size) for m in masks}
    if len(sizes) != 1:
        raise ValueError(f"cannot vote masks of different sizes: {sorted(sizes)}")
    pixels = majority_pixels([_decode(coco_rle(m.rle)) for m in masks])
    if not pixels.any():
        return None
    return Mask(rle=_encode(pixels), instance=masks[0].instance)


def _ring_pixels(rings: list[list[Point]], origin, scale: float, shape) -> np.ndarray:
    """A polygon (outline minus holes) rasterized on a local grid."""
    height, width = shape
    flat = [
        [c for x, y in ring for c in ((x - origin[0]) * scale, (y - origin[1]) * scale)]
        for ring in rings
        if len(ring) >= 3
    ]
    if not flat or len(rings[0]) < 3:
        return np.zeros(shape, dtype=bool)
    pixels = _decode(coco_mask.merge(coco_mask.frPyObjects([flat[0]], height, width)))
    if len(flat) > 1:
        holes = coco_mask.merge(coco_mask.frPyObjects(flat[1:], height, width))
        pixels &= ~_decode(holes)
    return pixels


def _traced(pixels: np.ndarray, origin, scale: float) -> Polygon | None:
    """The largest region of a pixel grid as a polygon with holes, in image coordinates."""
    from skimage.measure import find_contours  # heavy import, needed only here

    padded = np.pad(pixels.astype(float), 1)
    region = shapely.Polygon()
    for contour in find_contours(padded, 0.5):
        if len(contour) >= 4:
            # A level-0.5 contour runs between cell centres; cell (r, c) spans [c, c+1].
            xy = contour[:, ::-1] - 0.5
            region = region.symmetric_difference(shapely.make_valid(shapely.Polygon(xy)))
    parts = [p for p in shapely.get_parts(region) if isinstance(p, shapely.Polygon)]
    if not parts:
        return None
    best = max(parts, key=lambda p: p.area).simplify(0.5, preserve_topology=True)
    rings = [_to_image(best.exterior.coords, origin, scale)]
    rings += [_to_image(hole.coords, origin, scale) for hole in best.interiors]
    return Polygon(rings=[r for r in rings if len(r) >= 3])


def _to_image(coords, origin, scale: float) -> list[Point]:
    """Closed-ring grid coordinates as an open ring in image pixels."""
    return [(float(x / scale + origin[0]), float(y / scale + origin[1])) for x, y in coords[:-1]]


def vote_polygons(polygons: Sequence[Polygon]) -> Polygon | None:
    """Polygons voted pixel by pixel on a local grid, then traced back to one polygon."""
    extents = np.array([bbox_of(p) for p in polygons])
    x0, y0 = extents[:, 0].min(), extents[:, 1].min()
    x1 = (extents[:, 0] + extents[:, 2]).max()
    y1 = (extents[:, 1] + extents[:, 3]).max()
    longest = max(x1 - x0, y1 - y0)
    if longest <= 0:
        return None
    scale = min(POLYGON_MAX_SCALE, POLYGON_RASTER_PX / longest)
    shape = (int(np.ceil((y1 - y0) * scale)) + 1, int(np.ceil((x1 - x0) * scale)) + 1)
    layers = [_ring_pixels(p.rings, (x0, y0), scale, shape) for p in polygons]
    pixels = majority_pixels(layers)
    return _traced(pixels, (x0, y0), scale) if pixels.any() else None


def average_keypoints(keypoints: Sequence[Keypoints], weights: Sequence[float]) -> Keypoints:
    """Per node, the weighted mean of the members that labeled it (v > 0).

    A node labeled by fewer than half of the members stays unlabeled; a labeled node
    is visible (2) when most of those who labeled it saw it, else occluded (1).
    """
    counts = {len(k.points) for k in keypoints}
    if len(counts) != 1:
        raise ValueError(f"cannot average keypoints with different node counts: {sorted(counts)}")
    nodes = np.array([k.points for k in keypoints], dtype=float).reshape(len(keypoints), -1, 3)
    w = np.asarray(weights, dtype=float)[:, None]
    labeled = nodes[:, :, 2] > 0
    result = []
    for n in range(nodes.shape[1]):
        who = labeled[:, n]
        if who.sum() * 2 < len(keypoints):
            result.append((0.0, 0.0, 0))
            continue
        x, y = np.average(nodes[who, n, :2], axis=0, weights=w[who, 0])
        visible = (nodes[who, n, 2] == 2).sum() * 2 > who.sum()
        result.append((float(x), float(y), 2 if visible else 1))
    return Keypoints(points=result)


def medoid(members: Sequence[AnnotationObject], options: SimilarityOptions | None) -> Shape:
    """The shape of the member with the highest total similarity to the others."""
    if len(members) <= 2:
        return members[0].shape
    similarity = similarity_matrix(members, members, options)
    return members[int(similarity.sum(axis=1).argmax())].shape


def fuse_shapes(
    members: Sequence[AnnotationObject], options: SimilarityOptions | None = None
) -> Shape | None:
    """One shape for a cluster, from the members of its most common kind; None if void."""
    kind = Counter(m.shape.kind for m in members).most_common(1)[0][0]
    same = [m for m in members if m.shape.kind == kind]
    shapes = [m.shape for m in same]
    weights = [weight_of(m) for m in same]
    match kind:
        case "bbox":
            return fuse_boxes(shapes, weights)
        case "rotated_box" | "ellipse":
            return fuse_turned(shapes, weights)
        case "mask":
            return vote_masks(shapes)
        case "polygon":
            return vote_polygons(shapes)
        case "keypoints":
            return average_keypoints(shapes, weights)
    return medoid(same, options)
