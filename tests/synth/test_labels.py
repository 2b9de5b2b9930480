"""Annotators on hand-made frames: boxes, RLE, polygons with holes, keypoint visibility."""

from __future__ import annotations

import numpy as np
import shapely
from pycocotools import mask as coco_mask

from labelwright.domain.rle import coco_rle
from labelwright.domain.shape_checks import polygon_findings
from labelwright.synth.camera import Camera, look_at
from labelwright.synth.classes import ClassBinding
from labelwright.synth.labels import (
    NOT_LABELED,
    OCCLUDED,
    VISIBLE,
    keypoint_triples,
    label_frame,
    mask_polygons,
    mask_rle,
    tight_box,
)
from labelwright.synth.recipe import VisibilitySpec
from labelwright.synth.render import Frame
from labelwright.synth.scene import Instance, Lights, Scene
from tests.synth.rle import decode


def ring_mask() -> np.ndarray:
    """A 40x30 image with a square ring (a hole in the middle) and a separate dot."""
    mask = np.zeros((30, 40), bool)
    mask[5:20, 5:25] = True
    mask[9:15, 10:18] = False
    mask[25:28, 30:34] = True
    return mask


def test_tight_box_covers_whole_pixels():
    mask = np.zeros((10, 12), bool)
    mask[2, 3] = mask[6, 9] = True
    box = tight_box(mask)
    assert (box.x, box.y, box.w, box.h) == (3.0, 2.0, 7.0, 5.0)


def test_rle_decodes_to_the_mask():
    mask = ring_mask()
    rle = mask_rle(mask)
    assert rle.size == (30, 40)
    assert np.array_equal(decode(rle), mask)
    assert coco_mask.area(coco_rle(rle)) == mask.sum()  # and pycocotools reads it alike


def test_polygons_keep_holes_and_parts():
    mask = ring_mask()
    polygons = mask_polygons(mask, tight_box(mask))
    assert len(polygons) == 2
    ring, dot = sorted(polygons, key=lambda p: -shapely.Polygon(*p.rings[:1]).area)
    assert len(ring.rings) == 2 and len(dot.rings) == 1  # the ring has a hole, the dot none
    # Through pixel centres: the outline runs from the first to the last pixel's centre.
    xs = [x for x, _ in ring.rings[0]]
    ys = [y for _, y in ring.rings[0]]
    assert (min(xs), max(xs), min(ys), max(ys)) == (5.5, 24.5, 5.5, 19.5)
    hole = shapely.Polygon(ring.rings[1])
    assert hole.bounds == (9.5, 8.5, 18.5, 15.5)  # the centres of the pixels round the hole
    for polygon in polygons:
        assert polygon_findings(polygon) == []


def test_pinched_and_thin_masks_give_only_valid_polygons():
    rng = np.random.default_rng(3)
    for _ in range(30):
        mask = rng.random((24, 24)) < 0.45
        if not mask.any():
            continue
        for polygon in mask_polygons(mask, tight_box(mask)):
            assert polygon_findings(polygon) == []


def _flat_scene(depth_of_wall: float) -> tuple[Frame, Scene, Instance]:
    """A camera looking down -Z at two keypoints, with a wall at a given depth over the left."""
    camera = Camera(
        view=look_at(np.array([0.0, 0.0, 5.0]), np.zeros(3), np.array([0.0, 1.0, 0.0])),
        width=40,
        height=30,
        fov=60.0,
    )
    ids = np.zeros((30, 40), np.uint16)
    depth = np.full((30, 40), np.inf, np.float32)
    ids[:, :20] = 1
    depth[:, :20] = depth_of_wall
    frame = Frame(rgb=np.zeros((30, 40, 3), np.uint8), ids=ids, depth=depth, unoccluded=[1])
    instance = Instance(
        spec_index=0,
        class_name="A",
        asset=None,
        model=np.eye(4),
        colour=np.ones(3),
        keypoints={
            "left": np.array([-1.0, 0.0, 0.0]),
            "right": np.array([1.0, 0.0, 0.0]),
            "away": np.array([50.0, 0.0, 0.0]),
        },
    )
    lights = Lights(np.ones(3), np.zeros((0, 3)), np.zeros((0, 3)))
    scene = Scene(0, camera, lights, [instance], np.zeros((30, 40, 3), np.uint8))
    return frame, scene, instance


def test_keypoint_visibility_from_the_depth_buffer():
    names = ("left", "right", "away", None)
    frame, scene, instance = _flat_scene(depth_of_wall=3.0)  # the wall is in front of "left"
    left, right, away, unnamed = keypoint_triples(frame, scene, instance, names, 0.01)
    assert left[2] == OCCLUDED and right[2] == VISIBLE
    assert away == (0.0, 0.0, NOT_LABELED) and unnamed == (0.0, 0.0, NOT_LABELED)
    x, y, _ = right
    assert abs(x - (20 + scene.camera.focal / 5)) < 1e-9 and abs(y - 15) < 1e-9
    frame, scene, instance = _flat_scene(depth_of_wall=5.02)  # the surface holding "left"
    assert keypoint_triples(frame, scene, instance, names, 0.01)[0][2] == VISIBLE


def test_visibility_share_drops_or_flags():
    frame, scene, _ = _flat_scene(depth_of_wall=3.0)
    frame.unoccluded = np.array([30 * 20 * 4])  # it would cover four times what shows
    binding = {"A": ClassBinding("a", ("bbox",), (), "occ")}
    objects, stats = label_frame(frame, scene, binding, VisibilitySpec(min_share=0.3))
    assert objects == [] and stats.below_share == 1
    spec = VisibilitySpec(min_share=0.3, below="flag")
    objects, stats = label_frame(frame, scene, binding, spec)
    assert stats.flagged == 1 and objects[0].attributes == {"occ": True}
    assert objects[0].source == "synthetic" and objects[0].group == "1"
    objects, stats = label_frame(frame, scene, binding, VisibilitySpec(min_share=0.2))
    assert len(objects) == 1 and stats.shares == [0.25]
