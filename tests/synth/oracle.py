"""A reference rasteriser in plain NumPy: the test oracle for the GL renderer's ids and depth.

It samples pixel centres like OpenGL and keeps the nearest surface per pixel. It is slow
and has no clipping, so tests use it on small images with everything in front of the
camera.
"""

from __future__ import annotations

import numpy as np

from labelwright.synth.scene import Scene


def rasterise(scene: Scene) -> tuple[np.ndarray, np.ndarray]:
    """Instance ids (0 background) and eye depth (inf background) at every pixel centre."""
    camera = scene.camera
    height, width = camera.height, camera.width
    ids = np.zeros((height, width), np.int32)
    depth = np.full((height, width), np.inf)
    for number, instance in enumerate(scene.instances, start=1):
        asset = instance.asset
        world = asset.vertices.astype(np.float64) @ instance.model[:3, :3].T + instance.model[:3, 3]
        screen, distance = camera.project(world)
        assert (distance > camera.near).all(), "the oracle does not clip: keep objects in view"
        for face in asset.faces:
            _triangle(screen[face], distance[face], number, ids, depth)
    return ids, depth


def _triangle(points: np.ndarray, distance: np.ndarray, number: int, ids, depth) -> None:
    height, width = ids.shape
    (x0, y0), (x1, y1), (x2, y2) = points
    area = (x1 - x0) * (y2 - y0) - (x2 - x0) * (y1 - y0)
    if area == 0:
        return
    left = max(int(np.floor(points[:, 0].min() - 0.5)), 0)
    right = min(int(np.ceil(points[:, 0].max() - 0.5)), width - 1)
    top = max(int(np.floor(points[:, 1].min() - 0.5)), 0)
    bottom = min(int(np.ceil(points[:, 1].max() - 0.5)), height - 1)
    if left > right or top > bottom:
        return
    ys, xs = np.mgrid[top : bottom + 1, left : right + 1] + 0.5
    w0 = ((x1 - xs) * (y2 - ys) - (x2 - xs) * (y1 - ys)) / area
    w1 = ((x2 - xs) * (y0 - ys) - (x0 - xs) * (y2 - ys)) / area
    w2 = 1.0 - w0 - w1
    inside = (w0 >= 0) & (w1 >= 0) & (w2 >= 0)
    # Perspective-correct: 1/depth is linear in screen space.
    pixel_depth = 1.0 / (w0 / distance[0] + w1 / distance[1] + w2 / distance[2])
    region = depth[top : bottom + 1, left : right + 1]
    nearer = inside & (pixel_depth < region)
    region[nearer] = pixel_depth[nearer]
    ids[top : bottom + 1, left : right + 1][nearer] = number
