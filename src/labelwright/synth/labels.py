"""Annotators: exact labels from a rendered frame, as domain annotation objects.

Every label comes from the instance-id image, so it matches the pixels exactly:
tight boxes cover whole pixels, masks are the id pixels, polygons trace the centres of
the outline pixels (holes kept), and keypoints are 3D points projected with the same
camera, visible when nothing in the depth buffer lies in front of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np
import shapely
from pycocotools import mask as coco_mask

from labelwright.domain.shapes import (
    AnnotationObject,
    BBox,
    Keypoint,
    Keypoints,
    Mask,
    Point,
    Polygon,
    Rle,
)
from labelwright.synth.classes import ClassBinding
from labelwright.synth.recipe import VisibilitySpec
from labelwright.synth.render import Frame
from labelwright.synth.scene import Instance, Scene

NOT_LABELED, OCCLUDED, VISIBLE = 0, 1, 2  # COCO keypoint visibility


@dataclass
class LabelStats:
    """What happened to the instances of one image."""

    labeled: int = 0
    hidden: int = 0  # no visible pixel (fully occluded or out of frame)
    below_share: int = 0  # dropped for a visible share under the recipe's minimum
    flagged: int = 0  # kept but flagged as occluded
    without_shapes: int = 0  # none of the kinds asked for applies (say, keypoints all away)
    shares: list[float] = field(default_factory=list)  # of each labeled one, when measured


def tight_box(mask: np.ndarray) -> BBox:
    """The smallest box holding every pixel of a non-empty mask (whole pixels)."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    x0, x1, y0, y1 = int(cols[0]), int(cols[-1]), int(rows[0]), int(rows[-1])
    return BBox(x=float(x0), y=float(y0), w=float(x1 - x0 + 1), h=float(y1 - y0 + 1))


def mask_rle(mask: np.ndarray) -> Rle:
    """A boolean (h, w) mask as COCO compressed RLE (column-major order avoids a copy)."""
    encoded = coco_mask.encode(np.asfortranarray(mask).view(np.uint8))
    return Rle(size=(mask.shape[0], mask.shape[1]), counts=encoded["counts"].decode("ascii"))


def mask_polygons(mask: np.ndarray, box: BBox) -> list[Polygon]:
    """One polygon per connected part of the mask, holes kept, through pixel centres.

    Parts too thin to enclose any area (lines and single pixels) have no polygon.
    """
    x0, y0 = int(box.x), int(box.y)
    crop = mask[y0 : y0 + int(box.h), x0 : x0 + int(box.w)].view(np.uint8)
    padded = cv2.copyMakeBorder(crop, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    contours, hierarchy = cv2.findContours(padded, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    offset = np.array([x0 - 1 + 0.5, y0 - 1 + 0.5])
    rings = [c.reshape(-1, 2) + offset for c in contours]
    polygons = []
    for index, (_next, _prev, child, parent) in enumerate(hierarchy[0]):
        if parent != -1:
            continue
        holes = []
        while child != -1:
            holes.append(rings[child])
            child = hierarchy[0][child][0]
        polygons += _valid_parts(rings[index], holes)
    return polygons


def _valid_parts(outline: np.ndarray, holes: list[np.ndarray]) -> list[Polygon]:
    """The outline and holes as valid polygons; pinched outlines are split at the pinch.

    A valid polygon of positive area passes every check the domain makes on polygons.
    """
    if len(outline) < 3:
        return []
    shape = shapely.Polygon(outline, [h for h in holes if len(h) >= 3])
    if not shape.is_valid:
        shape = shapely.make_valid(shape)
    parts = []
    for part in getattr(shape, "geoms", [shape]):
        if isinstance(part, shapely.Polygon) and part.area > 0 and part.is_valid:
            rings = [_ring(part.exterior)] + [_ring(r) for r in part.interiors]
            parts.append(Polygon(rings=rings))
    return parts


def _ring(ring: shapely.LinearRing) -> list[Point]:
    """A ring's points without the repeated closing point."""
    return [(x, y) for x, y in shapely.get_coordinates(ring)[:-1].tolist()]


def keypoint_triples(
    frame: Frame, scene: Scene, instance: Instance, names: tuple[str | None, ...], tolerance: float
) -> list[Keypoint]:
    """Each named point projected, with COCO visibility from the depth buffer.

    Outside the image (or behind the camera): 0 at (0, 0). Inside: 2 when the depth
    buffer at its pixel is not nearer than the point (less `tolerance` of its depth),
    else 1 (hidden by another object or by the object itself).
    """
    camera = scene.camera
    wanted = [instance.keypoints[n] if n is not None else None for n in names]
    known = [p for p in wanted if p is not None]
    if not known:
        return [(0.0, 0.0, NOT_LABELED)] * len(names)
    positions, depths = camera.project(np.array(known))
    triples: list[Keypoint] = []
    index = 0
    for point in wanted:
        if point is None:
            triples.append((0.0, 0.0, NOT_LABELED))
            continue
        (x, y), depth = positions[index], depths[index]
        index += 1
        inside = depth > camera.near and 0 <= x < camera.width and 0 <= y < camera.height
        if not inside:
            triples.append((0.0, 0.0, NOT_LABELED))
            continue
        nearest = frame.depth[int(y), int(x)]
        seen = nearest >= depth * (1.0 - tolerance)
        triples.append((float(x), float(y), VISIBLE if seen else OCCLUDED))
    return triples


def _shapes(mask: np.ndarray, kinds: tuple[str, ...], keypoints: list[Keypoint] | None):
    """(name, shape) pairs of one instance's mask, in the order of the kinds asked for."""
    box = tight_box(mask)
    shapes: list[tuple[str, BBox | Mask | Polygon | Keypoints]] = []
    for kind in kinds:
        if kind == "bbox":
            shapes.append(("bbox", box))
        elif kind == "mask":
            shapes.append(("mask", Mask(rle=mask_rle(mask))))
        elif kind == "polygon":
            polygons = mask_polygons(mask, box)
            shapes += [(f"polygon{i}" if i else "polygon", p) for i, p in enumerate(polygons)]
        elif kind == "keypoints" and keypoints and any(v != NOT_LABELED for *_, v in keypoints):
            shapes.append(("keypoints", Keypoints(points=keypoints)))
    return shapes


def _fate(frame: Frame, number: int, pixels: int, visibility: VisibilitySpec):
    """What becomes of one instance: (keep | flag | below | hidden, visible share or None).

    An instance hidden entirely is flagged only when flagging is asked for and it would
    show in the frame were nothing in front of it; otherwise it is dropped as hidden.
    """
    unoccluded = None if frame.unoccluded is None else int(frame.unoccluded[number - 1])
    if pixels == 0:
        flag = visibility.below == "flag" and bool(unoccluded)
        return ("flag", 0.0) if flag else ("hidden", None)
    if unoccluded is None:
        return "keep", None
    share = pixels / max(unoccluded, pixels)
    if share >= visibility.min_share:
        return "keep", share
    return ("flag" if visibility.below == "flag" else "below"), share


def _hidden_shapes(unhidden: np.ndarray, kinds: tuple[str, ...], keypoints):
    """A hidden instance's shapes: the box it would have unhidden, and its keypoints."""
    shapes: list[tuple[str, BBox | Keypoints]] = []
    if "bbox" in kinds:
        shapes.append(("bbox", tight_box(unhidden)))
    if keypoints and any(v != NOT_LABELED for *_, v in keypoints):
        shapes.append(("keypoints", Keypoints(points=keypoints)))
    return shapes


def label_frame(
    frame: Frame, scene: Scene, bindings: dict[str, ClassBinding], visibility: VisibilitySpec
) -> tuple[list[AnnotationObject], LabelStats]:
    """Every label of a rendered scene, and what was dropped or flagged on the way.

    The objects of one instance share its number as their `group`. A flagged instance
    that is hidden entirely has only a box (where it would show) and keypoints.
    """
    if visibility.needs_coverage() and frame.unoccluded is None:
        raise ValueError("these visibility settings need a frame rendered with coverage")
    stats = LabelStats()
    visible = np.bincount(frame.ids.ravel(), minlength=len(scene.instances) + 1)
    # Masks compared on the transposed ids are column-major, as COCO RLE wants them.
    ids_by_column = np.ascontiguousarray(frame.ids.T)
    objects: list[AnnotationObject] = []
    for number, instance in enumerate(scene.instances, start=1):
        pixels = int(visible[number])
        fate, share = _fate(frame, number, pixels, visibility)
        binding = bindings[instance.class_name]
        keypoints = None
        if fate in ("keep", "flag") and "keypoints" in binding.kinds:
            names, tolerance = binding.keypoint_names, visibility.keypoint_tolerance
            keypoints = keypoint_triples(frame, scene, instance, names, tolerance)
        shapes = []
        if fate in ("keep", "flag") and pixels:
            shapes = _shapes((ids_by_column == number).T, binding.kinds, keypoints)
        elif fate == "flag":
            shapes = _hidden_shapes(frame.unhidden(number), binding.kinds, keypoints)
        if fate in ("below", "hidden"):
            stats.below_share += fate == "below"
            stats.hidden += fate == "hidden"
            continue
        if not shapes:
            stats.without_shapes += 1
            continue
        stats.labeled += 1
        stats.flagged += fate == "flag"
        if share is not None:
            stats.shares.append(share)
        objects += _annotation_objects(number, binding, shapes, fate == "flag")
    return objects, stats


def _annotation_objects(
    number: int, binding: ClassBinding, shapes: list, flagged: bool
) -> list[AnnotationObject]:
    """The shapes of instance `number` as annotation objects of its class."""
    attributes = {}
    if binding.occluded_attribute is not None:
        attributes[binding.occluded_attribute] = flagged
    return [
        AnnotationObject(
            id=f"{number}-{name}",
            class_id=binding.class_id,
            shape=shape,
            attributes=attributes,
            group=str(number),
            source="synthetic",
        )
        for name, shape in shapes
    ]
