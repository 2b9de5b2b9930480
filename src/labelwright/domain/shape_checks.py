"""Checks of one shape's own geometry, each returning `(field, message)` findings.

The per-shape checks say exactly what is wrong; `screen_shapes` runs ahead of them over
many shapes at once and clears those that are plainly fine (most of them), so only the
rest pay for the checks one by one. The messages therefore all come from one place.
"""

import math
from collections.abc import Iterable, Sequence
from itertools import chain

import numpy as np
import shapely
from pycocotools import mask as coco_mask

from labelwright.domain.findings import Finding
from labelwright.domain.geometry import area_of, extent_of, ring_area
from labelwright.domain.rle import coco_rle, rle_problem
from labelwright.domain.shapes import (
    BBox,
    Ellipse,
    Keypoints,
    Mask,
    Points,
    Polygon,
    Polyline,
    RotatedBox,
    Shape,
    Tag,
)

_SCALARS: dict[type, tuple[str, ...]] = {
    BBox: ("x", "y", "w", "h"),
    RotatedBox: ("w", "h", "cx", "cy", "angle"),
    Ellipse: ("cx", "cy", "rx", "ry", "angle"),
}
"""The number fields of each shape type that has any, in the order findings name them."""


def vertex_count(shape: Shape) -> int:
    """How many coordinate pairs a shape holds."""
    if type(shape) is BBox:  # the commonest shape first: this runs for every object
        return 1
    match shape:
        case Polygon():
            return sum(len(ring) for ring in shape.rings)
        case Polyline() | Points() | Keypoints():
            return len(shape.points)
        case Mask():
            return 0
    return 1


def _point_lists(shape: Shape) -> list[tuple[str, list]]:
    """Every list of points in a shape, with its field name."""
    match shape:
        case Polygon():
            return [(f"shape.rings[{i}]", ring) for i, ring in enumerate(shape.rings)]
        case Polyline() | Points() | Keypoints():
            return [("shape.points", shape.points)]
    return []


def non_finite_findings(shape: Shape) -> list[Finding]:
    """Report NaN or infinite coordinates and sizes."""
    findings = [
        (f"shape.{name}", f"{name} is {getattr(shape, name)}, not a finite number")
        for name in _SCALARS.get(type(shape), ())
        if not math.isfinite(getattr(shape, name))
    ]
    for field, points in _point_lists(shape):
        if not points:
            continue
        finite = np.isfinite(np.asarray(points, dtype=float)).all(axis=1)
        if not finite.all():
            index = int(np.argmin(finite))
            findings.append(
                (f"{field}[{index}]", f"point {index} is {list(points[index])}, not finite")
            )
    return findings


def open_length(ring: list) -> int:
    """Number of distinct ring positions, not counting a repeated closing point."""
    closed = len(ring) > 1 and tuple(ring[0]) == tuple(ring[-1])
    return len(ring) - 1 if closed else len(ring)


def _ring_name(index: int) -> str:
    """'outline' for the first ring, 'hole N' for the others."""
    return "outline" if index == 0 else f"hole {index}"


def polygon_findings(shape: Polygon) -> list[Finding]:
    """Report too-short rings, zero area, self-intersections and misplaced holes."""
    if not shape.rings:
        return [("shape.rings", "polygon has no rings")]
    findings = [
        (f"shape.rings[{i}]", f"{_ring_name(i)} has {n} points; a ring needs at least 3")
        for i, ring in enumerate(shape.rings)
        if (n := open_length(ring)) < 3
    ]
    if findings:
        return findings
    outer = shapely.Polygon(shape.rings[0])
    for i, ring in enumerate(shape.rings):
        field, name = f"shape.rings[{i}]", _ring_name(i)
        ring_shape = outer if i == 0 else shapely.Polygon(ring)
        if ring_shape.convex_hull.area <= 0:
            findings.append((field, f"{name} has zero area (its points lie on one line)"))
        elif not ring_shape.is_valid:
            reason = shapely.is_valid_reason(ring_shape)
            findings.append((field, f"{name} is not a simple polygon ({reason})"))
        elif i > 0 and outer.is_valid and not outer.contains(ring_shape):
            findings.append((field, f"{name} lies outside the outline"))
        elif ring_area(ring) <= 0:
            findings.append((field, f"{name} has zero area"))
    if findings:
        return findings
    whole = shapely.Polygon(shape.rings[0], shape.rings[1:])
    if not whole.is_valid:
        reason = shapely.is_valid_reason(whole)
        return [("shape.rings", f"polygon is invalid ({reason})")]
    if area_of(shape) <= 0:
        return [("shape.rings", "polygon has zero area once its holes are cut out")]
    return []


def mask_findings(shape: Mask, width: int, height: int) -> list[Finding]:
    """Report an RLE of the wrong size, one that does not decode, or an empty mask."""
    if list(shape.rle.size) != [height, width]:
        return [
            (
                "shape.rle.size",
                f"mask size {list(shape.rle.size)} is not the image's [height, width] "
                f"[{height}, {width}]",
            )
        ]
    problem = rle_problem(shape.rle)
    if problem:
        return [("shape.rle.counts", f"mask does not decode: {problem}")]
    try:
        area = int(coco_mask.area(coco_rle(shape.rle)))
    except Exception as error:  # pycocotools raises assorted types on bad input
        return [("shape.rle.counts", f"mask does not decode: {error}")]
    return [] if area > 0 else [("shape.rle", "mask is empty")]


def geometry_findings(shape: Shape, width: int, height: int) -> list[Finding]:
    """Report shapes that are degenerate: no area, too few points, invalid, undecodable."""
    match shape:
        case BBox() | RotatedBox():
            return [
                (f"shape.{n}", f"{n} is {getattr(shape, n)}; it must be above 0")
                for n in ("w", "h")
                if getattr(shape, n) <= 0
            ]
        case Ellipse():
            return [
                (f"shape.{n}", f"{n} is {getattr(shape, n)}; it must be above 0")
                for n in ("rx", "ry")
                if getattr(shape, n) <= 0
            ]
        case Polygon():
            return polygon_findings(shape)
        case Polyline():
            if len(shape.points) < 2:
                return [("shape.points", f"polyline has {len(shape.points)} points; needs 2")]
            if len(set(shape.points)) < 2:
                return [("shape.points", "polyline has zero length")]
        case Points():
            if not shape.points:
                return [("shape.points", "points shape has no points")]
        case Keypoints():
            return [
                (f"shape.points[{i}]", f"keypoint {i} has visibility {p[2]}; use 0, 1 or 2")
                for i, p in enumerate(shape.points)
                if p[2] not in (0, 1, 2)
            ]
        case Mask():
            return mask_findings(shape, width, height)
    return []


def out_of_bounds_finding(
    shape: Shape, width: int, height: int, tolerance: float
) -> Finding | None:
    """Report a shape reaching further outside the image than `tolerance` pixels."""
    if isinstance(shape, Mask):
        return None
    extent = extent_of(shape)
    if extent is None:
        return None
    x0, y0, x1, y1 = extent
    if (
        x0 >= -tolerance
        and y0 >= -tolerance
        and x1 <= width + tolerance
        and y1 <= height + tolerance
    ):
        return None
    return (
        "shape",
        f"reaches outside the {width}x{height} image (x {x0:g} to {x1:g}, y {y0:g} to {y1:g}, "
        f"tolerance {tolerance:g} px)",
    )


AREA_ALLOWANCE = 1e-15
"""Rounding allowance of an area, per (vertices x largest coordinate)^2: well above what
GEOS's and `ring_area`'s sums can be off by (a few units of 1.1e-16 each), so an area
over it is above zero by either count."""


def screen_margin(tolerance: float, clip: bool, max_vertices: int) -> float | None:
    """How far outside the image a plainly fine shape may reach under these settings (a
    clipped shape must lie inside, so that clipping keeps it as it is); None when no shape
    can be settled in bulk."""
    margin = 0.0 if clip else float(tolerance)
    return margin if max_vertices >= 1 and math.isfinite(margin) else None


def screen_shapes(
    shapes: Sequence[Shape],
    sizes: Sequence[tuple[int, int]],
    *,
    tolerance: float,
    clip: bool,
    max_vertices: int,
) -> list[bool]:
    """For each shape (on an image of `sizes[i]` = (width, height)): True if it is plainly fine.

    True means every per-shape check (`non_finite_findings`, `geometry_findings`, then
    `out_of_bounds_finding` within `tolerance`, or, when `clip`, lying inside the image so
    that clipping keeps it as it is) finds nothing, and it has at most `max_vertices`
    points. False only means "not decided here": such a shape goes through the checks one
    by one. Boxes and tags are decided here, polygons of one ring all together through
    GEOS; other kinds are left to the checks.
    """
    settled = [False] * len(shapes)
    margin = screen_margin(tolerance, clip, max_vertices)
    if margin is None:
        return settled
    rings, ring_sizes, where = [], [], []
    for index, (shape, (width, height)) in enumerate(zip(shapes, sizes, strict=True)):
        kind = type(shape)
        if kind is BBox:
            settled[index] = box_is_plain(
                shape.x, shape.y, shape.w, shape.h, width + margin, height + margin, -margin
            )
        elif kind is Polygon and len(shape.rings) == 1:
            ring = shape.rings[0]
            if len(ring) <= max_vertices and open_length(ring) >= 3:
                rings.append(ring)
                ring_sizes.append((width, height))
                where.append(index)
        elif kind is Tag:
            settled[index] = True
    if rings:
        for index, plain in zip(where, plain_rings(rings, ring_sizes, margin), strict=True):
            settled[index] = plain
    return settled


def box_is_plain(
    x: float, y: float, w: float, h: float, right: float, bottom: float, low: float
) -> bool:
    """Whether a box has a positive size and lies within [low, right] x [low, bottom].

    Comparisons with NaN are false and an infinite corner lands past `right` or `bottom`,
    so a box passing this is finite too.
    """
    return w > 0 and h > 0 and x >= low and y >= low and x + w <= right and y + h <= bottom


def plain_rings(rings: list[list], sizes: list[tuple[int, int]], margin: float) -> list[bool]:
    """For each one-ring polygon: finite, within the image +- margin, simple, clearly not flat."""
    lengths = np.fromiter(map(len, rings), dtype=np.intp, count=len(rings))
    return plain_flat_rings(chain.from_iterable(chain.from_iterable(rings)), lengths, sizes, margin)


def plain_flat_rings(
    coordinates: Iterable[float], lengths: np.ndarray, sizes: list[tuple[int, int]], margin: float
) -> list[bool]:
    """`plain_rings` of rings given as one run of x, y, x, y, ... and each ring's point count."""
    total = int(lengths.sum())
    try:
        coords = np.fromiter(coordinates, dtype=float, count=2 * total).reshape(total, 2)
    except (TypeError, ValueError):  # a point that is not a pair of numbers: check one by one
        return [False] * len(lengths)
    starts = np.cumsum(lengths) - lengths
    with np.errstate(all="ignore"):
        finite = np.logical_and.reduceat(np.isfinite(coords).all(axis=1), starts)
        low = np.minimum.reduceat(coords, starts, axis=0)
        high = np.maximum.reduceat(coords, starts, axis=0)
        inside = (low >= -margin).all(axis=1) & (high <= np.asarray(sizes) + margin).all(axis=1)
        candidates = finite & inside
        plain = np.zeros(len(lengths), dtype=bool)
        if candidates.any():
            plain[candidates] = _simple_with_area(
                coords[np.repeat(candidates, lengths)],
                lengths[candidates],
                np.maximum(np.abs(low), np.abs(high)).max(axis=1)[candidates],
            )
    return plain.tolist()


def _simple_with_area(coords: np.ndarray, lengths: np.ndarray, largest: np.ndarray) -> np.ndarray:
    """Whether each ring (consecutive runs of `coords`) is a valid polygon with area > 0.

    The area must beat the rounding allowance, so that `ring_area` finds it above zero too.
    """
    try:
        rings = shapely.linearrings(coords, indices=np.repeat(np.arange(len(lengths)), lengths))
        polygons = shapely.polygons(rings)
        valid, area = shapely.is_valid(polygons), shapely.area(polygons)
    except (ValueError, shapely.errors.GEOSException):  # left to the one-by-one checks
        return np.zeros(len(lengths), dtype=bool)
    allowance = AREA_ALLOWANCE * ((lengths + 1.0) * (largest + 1.0)) ** 2
    return valid & (area > allowance)
