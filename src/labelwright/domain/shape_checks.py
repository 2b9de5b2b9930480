"""Checks of one shape's own geometry, each returning `(field, message)` findings."""

import math

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
)

_SCALARS = ("x", "y", "w", "h", "cx", "cy", "rx", "ry", "angle")


def vertex_count(shape: Shape) -> int:
    """How many coordinate pairs a shape holds."""
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
        for name in _SCALARS
        if hasattr(shape, name) and not math.isfinite(getattr(shape, name))
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


def _open_length(ring: list) -> int:
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
        if (n := _open_length(ring)) < 3
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
