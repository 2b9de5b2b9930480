"""Geometry of shapes: extents, areas, overlap (IoU) and clipping to the image."""

import math
import warnings

import numpy as np
import shapely
from pycocotools import mask as coco_mask

from labelwright.domain.rle import coco_rle
from labelwright.domain.shapes import (
    BBox,
    Ellipse,
    Keypoints,
    Mask,
    Point,
    Points,
    Polygon,
    Polyline,
    RotatedBox,
    Shape,
)

ELLIPSE_VERTICES = 64
"""How many vertices approximate an ellipse where an outline is needed."""

AREA_KINDS = frozenset({"bbox", "rotated_box", "polygon", "ellipse", "mask"})
"""Shape kinds that cover an area, so that IoU is defined for them."""

Extent = tuple[float, float, float, float]


def _turned(cx: float, cy: float, dx: float, dy: float, angle: float) -> Point:
    """Offset (dx, dy) from a centre, turned clockwise on screen by `angle` degrees."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return (cx + dx * c - dy * s, cy + dx * s + dy * c)


def rotated_box_corners(box: RotatedBox) -> list[Point]:
    """The four corners of a rotated box, in drawing order."""
    hw, hh = box.w / 2, box.h / 2
    offsets = ((-hw, -hh), (hw, -hh), (hw, hh), (-hw, hh))
    return [_turned(box.cx, box.cy, dx, dy, box.angle) for dx, dy in offsets]


def ellipse_outline(ellipse: Ellipse, vertices: int = ELLIPSE_VERTICES) -> list[Point]:
    """A polygon with `vertices` points on the ellipse."""
    steps = (2 * math.pi * i / vertices for i in range(vertices))
    return [
        _turned(
            ellipse.cx,
            ellipse.cy,
            ellipse.rx * math.cos(t),
            ellipse.ry * math.sin(t),
            ellipse.angle,
        )
        for t in steps
    ]


def _half_extents(half_w: float, half_h: float, angle: float, *, ellipse: bool) -> Point:
    """Half width and half height of the axis-aligned box around a turned box or ellipse."""
    c, s = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
    half_w, half_h = abs(half_w), abs(half_h)
    if ellipse:
        return (math.hypot(half_w * c, half_h * s), math.hypot(half_w * s, half_h * c))
    return (half_w * c + half_h * s, half_w * s + half_h * c)


def _points_extent(points: list[Point] | list[tuple[float, float, int]]) -> Extent | None:
    """(x_min, y_min, x_max, y_max) of some points, or None when there are none."""
    if not points:
        return None
    xs = [p[0] for p in points]
    ys = [p[1] for p in points]
    return (min(xs), min(ys), max(xs), max(ys))


def extent_of(shape: Shape, *, unlabeled_keypoints: bool = False) -> Extent | None:
    """(x_min, y_min, x_max, y_max) of a shape's geometry, or None if it has none."""
    match shape:
        case BBox():
            return (shape.x, shape.y, shape.x + shape.w, shape.y + shape.h)
        case RotatedBox() | Ellipse():
            is_ellipse = isinstance(shape, Ellipse)
            half = (shape.rx, shape.ry) if is_ellipse else (shape.w / 2, shape.h / 2)
            ex, ey = _half_extents(*half, shape.angle, ellipse=is_ellipse)
            return (shape.cx - ex, shape.cy - ey, shape.cx + ex, shape.cy + ey)
        case Polygon():
            return _points_extent([p for ring in shape.rings for p in ring])
        case Polyline() | Points():
            return _points_extent(shape.points)
        case Keypoints():
            kept = [p for p in shape.points if unlabeled_keypoints or p[2] > 0]
            return _points_extent(kept)
        case Mask():
            x, y, w, h = (float(v) for v in coco_mask.toBbox(coco_rle(shape.rle)))
            return (x, y, x + w, y + h) if w > 0 and h > 0 else None
    return None


def bbox_of(shape: Shape) -> tuple[float, float, float, float]:
    """(x, y, w, h) of the tightest axis-aligned box; zeros for a tag or an empty shape.

    Keypoints count only labeled nodes (v > 0), as COCO does.
    """
    if isinstance(shape, BBox):
        return (shape.x, shape.y, shape.w, shape.h)
    extent = extent_of(shape)
    if extent is None:
        return (0.0, 0.0, 0.0, 0.0)
    x0, y0, x1, y1 = extent
    return (x0, y0, x1 - x0, y1 - y0)


def ring_area(ring: list[Point]) -> float:
    """Unsigned area enclosed by one ring (shoelace formula); 0 below three points."""
    if len(ring) < 3:
        return 0.0
    xy = np.asarray(ring, dtype=float)
    x, y = xy[:, 0], xy[:, 1]
    with np.errstate(all="ignore"):
        twice = float(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1)))
    return abs(twice) / 2


def area_of(shape: Shape) -> float:
    """Area in square pixels; 0 for lines, points, keypoints and tags."""
    match shape:
        case BBox() | RotatedBox():
            return abs(shape.w * shape.h)
        case Ellipse():
            return math.pi * abs(shape.rx * shape.ry)
        case Polygon():
            if not shape.rings:
                return 0.0
            return ring_area(shape.rings[0]) - sum(ring_area(r) for r in shape.rings[1:])
        case Mask():
            return float(coco_mask.area(coco_rle(shape.rle)))
    return 0.0


def rings_of(shape: Shape) -> list[list[Point]]:
    """The outline (and holes) of an area shape other than a mask, as rings of points."""
    match shape:
        case BBox():
            x0, y0, x1, y1 = shape.x, shape.y, shape.x + shape.w, shape.y + shape.h
            return [[(x0, y0), (x1, y0), (x1, y1), (x0, y1)]]
        case RotatedBox():
            return [rotated_box_corners(shape)]
        case Ellipse():
            return [ellipse_outline(shape)]
        case Polygon():
            return shape.rings
    raise ValueError(f"a {shape.kind} shape has no outline")


def to_shapely(shape: Shape) -> shapely.Polygon | shapely.MultiPolygon:
    """The area of a shape other than a mask as a valid shapely geometry."""
    rings = [r for r in rings_of(shape) if len(r) >= 3]
    if not rings or len(rings_of(shape)[0]) < 3:
        return shapely.Polygon()
    geometry = shapely.Polygon(rings[0], rings[1:])
    if not geometry.is_valid:
        geometry = shapely.make_valid(geometry)
    return geometry


def _rasterize(shape: Shape, height: int, width: int) -> dict:
    """The shape as a pycocotools RLE of the given size."""
    if isinstance(shape, Mask):
        if tuple(shape.rle.size) != (height, width):
            raise ValueError(f"mask sizes differ: {list(shape.rle.size)} vs {[height, width]}")
        return coco_rle(shape.rle)
    flat = [[c for p in ring for c in p[:2]] if len(ring) >= 3 else [] for ring in rings_of(shape)]
    if not flat[0]:
        return coco_mask.encode(np.zeros((height, width), dtype=np.uint8, order="F"))
    outer = coco_mask.merge(coco_mask.frPyObjects([flat[0]], height, width))
    holes = [ring for ring in flat[1:] if ring]
    if not holes:
        return outer
    hole_rle = coco_mask.merge(coco_mask.frPyObjects(holes, height, width))
    pixels = _decode(outer) & ~_decode(hole_rle)
    return coco_mask.encode(np.asfortranarray(pixels.astype(np.uint8)))


def _decode(rle: dict) -> np.ndarray:
    """Pixels of an RLE as booleans (pycocotools warns needlessly under NumPy 2)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return coco_mask.decode(rle).astype(bool)


def iou(a: Shape, b: Shape) -> float:
    """Intersection over union of two area shapes (box, rotated box, polygon, ellipse, mask).

    Masks are compared pixel by pixel (the other shape is rasterized to the mask's size);
    ellipses are approximated by a polygon of ELLIPSE_VERTICES vertices.
    """
    for shape in (a, b):
        if shape.kind not in AREA_KINDS:
            raise ValueError(f"IoU is not defined for a {shape.kind} shape")
    if isinstance(a, BBox) and isinstance(b, BBox):
        return _box_iou(a, b)
    if isinstance(a, Mask) or isinstance(b, Mask):
        height, width = (a if isinstance(a, Mask) else b).rle.size
        ra, rb = _rasterize(a, height, width), _rasterize(b, height, width)
        return float(coco_mask.iou([ra], [rb], [0])[0][0])
    ga, gb = to_shapely(a), to_shapely(b)
    inter = ga.intersection(gb).area
    union = ga.area + gb.area - inter
    return inter / union if union > 0 else 0.0


def _box_iou(a: BBox, b: BBox) -> float:
    """IoU of two axis-aligned boxes."""
    iw = min(a.x + a.w, b.x + b.w) - max(a.x, b.x)
    ih = min(a.y + a.h, b.y + b.h) - max(a.y, b.y)
    inter = max(iw, 0.0) * max(ih, 0.0)
    union = max(a.w, 0.0) * max(a.h, 0.0) + max(b.w, 0.0) * max(b.h, 0.0) - inter
    return inter / union if union > 0 else 0.0


def _clamp_point(point: Point, width: float, height: float) -> Point:
    """The nearest position inside [0, width] x [0, height]."""
    return (min(max(point[0], 0.0), width), min(max(point[1], 0.0), height))


def _inside(extent: Extent | None, width: float, height: float) -> bool:
    """Whether an extent lies within the image (a missing extent always does)."""
    if extent is None:
        return True
    x0, y0, x1, y1 = extent
    return x0 >= 0 and y0 >= 0 and x1 <= width and y1 <= height


def clip_shape(shape: Shape, width: float, height: float) -> Shape:
    """Return the part of a shape inside the image, or raise ValueError if none is.

    Boxes, polygons and polylines are cut at the image border (ValueError if a cut
    would split one in pieces); points and keypoints move to the nearest position
    inside; rotated boxes and ellipses keep their angle and shrink to the visible
    part, then to fit. Shapes already inside come back unchanged.
    """
    if _inside(extent_of(shape, unlabeled_keypoints=True), width, height):
        return shape
    match shape:
        case BBox():
            x0, y0 = max(shape.x, 0.0), max(shape.y, 0.0)
            x1, y1 = min(shape.x + shape.w, width), min(shape.y + shape.h, height)
            if x1 <= x0 or y1 <= y0:
                raise ValueError("the box lies entirely outside the image")
            return shape.model_copy(update={"x": x0, "y": y0, "w": x1 - x0, "h": y1 - y0})
        case Polygon():
            return _clip_polygon(shape, width, height)
        case Polyline():
            return _clip_polyline(shape, width, height)
        case Points():
            points = [_clamp_point(p, width, height) for p in shape.points]
            return shape.model_copy(update={"points": points})
        case Keypoints():
            points = [(*_clamp_point(p[:2], width, height), p[2]) for p in shape.points]
            return shape.model_copy(update={"points": points})
        case RotatedBox() | Ellipse():
            return _clip_turned(shape, width, height)
    return shape


def _ring_points(coords: object, width: float, height: float) -> list[Point]:
    """Open ring points from shapely coordinates, nudged inside the image."""
    points = [_clamp_point((float(x), float(y)), width, height) for x, y in coords]
    return points[:-1] if len(points) > 1 and points[0] == points[-1] else points


def _clip_polygon(shape: Polygon, width: float, height: float) -> Polygon:
    """Cut a polygon at the image border."""
    rings = [r for r in shape.rings]
    if not rings or len(rings[0]) < 3 or any(len(r) < 3 for r in rings):
        raise ValueError("cannot clip a polygon with a ring of fewer than 3 points")
    geometry = shapely.Polygon(rings[0], rings[1:])
    if not geometry.is_valid:
        raise ValueError("cannot clip an invalid polygon")
    visible = geometry.intersection(shapely.box(0, 0, width, height))
    parts = [g for g in shapely.get_parts(visible) if isinstance(g, shapely.Polygon) and g.area > 0]
    if not parts:
        raise ValueError("the polygon lies entirely outside the image")
    if len(parts) > 1:
        raise ValueError(f"clipping to the image would split the polygon into {len(parts)} pieces")
    part = parts[0]
    new_rings = [_ring_points(part.exterior.coords, width, height)]
    new_rings += [_ring_points(hole.coords, width, height) for hole in part.interiors]
    return shape.model_copy(update={"rings": new_rings})


def _clip_polyline(shape: Polyline, width: float, height: float) -> Polyline:
    """Cut a polyline at the image border."""
    if len(shape.points) < 2:
        raise ValueError("cannot clip a polyline of fewer than 2 points")
    visible = shapely.LineString(shape.points).intersection(shapely.box(0, 0, width, height))
    if isinstance(visible, shapely.MultiLineString):
        visible = shapely.line_merge(visible)
    parts = [
        g for g in shapely.get_parts(visible) if isinstance(g, shapely.LineString) and g.length > 0
    ]
    if not parts:
        raise ValueError("the polyline lies entirely outside the image")
    if len(parts) > 1:
        raise ValueError(f"clipping to the image would split the polyline into {len(parts)} pieces")
    points = [_clamp_point((float(x), float(y)), width, height) for x, y in parts[0].coords]
    return shape.model_copy(update={"points": points})


def _clip_turned(shape: RotatedBox | Ellipse, width: float, height: float) -> Shape:
    """Shrink a rotated box or ellipse along its own axes to the visible part, then to fit."""
    is_ellipse = isinstance(shape, Ellipse)
    outline = ellipse_outline(shape) if is_ellipse else rotated_box_corners(shape)
    geometry = shapely.Polygon(outline)
    if not geometry.is_valid:
        raise ValueError(f"cannot clip a {shape.kind} with no area")
    visible = geometry.intersection(shapely.box(0, 0, width, height))
    if visible.is_empty or visible.area <= 0:
        raise ValueError(f"the {shape.kind} lies entirely outside the image")
    theta = math.radians(shape.angle)
    u = np.array([math.cos(theta), math.sin(theta)])
    v = np.array([-math.sin(theta), math.cos(theta)])
    offsets = np.asarray(visible.exterior.coords) - np.array([shape.cx, shape.cy])
    along_u, along_v = offsets @ u, offsets @ v
    centre = (
        np.array([shape.cx, shape.cy])
        + u * (along_u.min() + along_u.max()) / 2
        + v * (along_v.min() + along_v.max()) / 2
    )
    cx, cy = _clamp_point((float(centre[0]), float(centre[1])), width, height)
    half_w = float(along_u.max() - along_u.min()) / 2
    half_h = float(along_v.max() - along_v.min()) / 2
    ex, ey = _half_extents(half_w, half_h, shape.angle, ellipse=is_ellipse)
    room = [1.0]
    if ex > 0:
        room += [cx / ex, (width - cx) / ex]
    if ey > 0:
        room += [cy / ey, (height - cy) / ey]
    scale = min(room) * (1 - 1e-9)  # stay clear of the border despite rounding
    half_w, half_h = half_w * scale, half_h * scale
    if is_ellipse:
        return shape.model_copy(update={"cx": cx, "cy": cy, "rx": half_w, "ry": half_h})
    return shape.model_copy(update={"cx": cx, "cy": cy, "w": 2 * half_w, "h": 2 * half_h})
