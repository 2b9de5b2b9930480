"""A pinhole camera: where it looks from, and where world points land in the image.

Image coordinates follow the platform: pixels, origin at the top-left corner, so the
centre of pixel (row r, column c) is (c + 0.5, r + 0.5). OpenGL samples pixel centres,
so a point projected here falls exactly where the renderer drew it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def look_at(eye: np.ndarray, target: np.ndarray, up: np.ndarray) -> np.ndarray:
    """The world-to-eye matrix of a camera at `eye` looking at `target` (OpenGL: -Z ahead)."""
    forward = target - eye
    forward = forward / np.linalg.norm(forward)
    side = np.cross(forward, up)
    norm = np.linalg.norm(side)
    if norm < 1e-9:  # looking straight along `up`: any side vector will do
        side = np.cross(forward, np.array([0.0, 1.0, 0.0]))
        norm = np.linalg.norm(side)
    side = side / norm
    true_up = np.cross(side, forward)
    view = np.eye(4)
    view[0, :3], view[1, :3], view[2, :3] = side, true_up, -forward
    view[:3, 3] = -view[:3, :3] @ eye
    return view


def orbit_position(target: np.ndarray, distance: float, elevation: float, azimuth: float):
    """The point `distance` from `target` at an elevation and azimuth in degrees (Z up)."""
    el, az = math.radians(elevation), math.radians(azimuth)
    offset = np.array([math.cos(el) * math.cos(az), math.cos(el) * math.sin(az), math.sin(el)])
    return target + distance * offset


@dataclass(frozen=True)
class Camera:
    """A camera's pose, image size, vertical field of view (degrees) and depth range."""

    view: np.ndarray  # 4x4 world -> eye
    width: int
    height: int
    fov: float
    near: float = 0.1
    far: float = 100.0

    @property
    def focal(self) -> float:
        """The focal length in pixels (square pixels, so one value for x and y)."""
        return (self.height / 2) / math.tan(math.radians(self.fov) / 2)

    def projection(self) -> np.ndarray:
        """The OpenGL clip matrix, principal point at the image centre."""
        n, f = self.near, self.far
        clip = np.zeros((4, 4))
        clip[0, 0] = self.focal / (self.width / 2)
        clip[1, 1] = self.focal / (self.height / 2)
        clip[2, 2] = -(f + n) / (f - n)
        clip[2, 3] = -2 * f * n / (f - n)
        clip[3, 2] = -1.0
        return clip

    def to_eye(self, points: np.ndarray) -> np.ndarray:
        """World points (n, 3) in eye coordinates (n, 3)."""
        return points @ self.view[:3, :3].T + self.view[:3, 3]

    def project(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Image positions (n, 2) of world points and their depths (n,) along the view axis."""
        eye = self.to_eye(np.asarray(points, dtype=np.float64).reshape(-1, 3))
        depth = -eye[:, 2]
        with np.errstate(divide="ignore", invalid="ignore"):
            x = self.width / 2 + self.focal * eye[:, 0] / depth
            y = self.height / 2 - self.focal * eye[:, 1] / depth
        return np.stack([x, y], axis=1), depth
