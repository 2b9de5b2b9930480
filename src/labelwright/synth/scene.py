"""Randomisers: one image's scene drawn from the recipe with a generator seeded by
(recipe seed, image index), so any image can be made again alone, in any process."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from labelwright.synth.assets import MeshAsset, asset_for
from labelwright.synth.backgrounds import hex_to_rgb, make_background, pick_colour
from labelwright.synth.camera import Camera, look_at, orbit_position
from labelwright.synth.recipe import ObjectSpec, Recipe, Vec3Range

UP = np.array([0.0, 0.0, 1.0])


@dataclass
class Instance:
    """One placed object: its spec, pose, and look."""

    spec_index: int
    class_name: str
    asset: MeshAsset
    model: np.ndarray  # 4x4 object -> world
    colour: np.ndarray  # RGB in 0..1, used when there is neither texture nor own look
    texture: Path | None = None  # a recipe texture, mapped by the object's position
    texture_scale: float = 1.0
    own_look: bool = False  # draw the mesh's own colours/texture
    keypoints: dict[str, np.ndarray] = field(default_factory=dict)  # world positions

    @property
    def bounding_radius(self) -> float:
        """A sphere round the object's origin that holds the whole object."""
        return self.asset.radius * float(np.linalg.norm(self.model[:3, :3], axis=0).max())


@dataclass
class Lights:
    """Ambient light plus directional lights (unit vectors towards each light)."""

    ambient: np.ndarray  # RGB
    directions: np.ndarray  # (k, 3)
    colours: np.ndarray  # (k, 3), intensity included


@dataclass
class Scene:
    """Everything one image needs: camera, lights, objects and background."""

    index: int
    camera: Camera
    lights: Lights
    instances: list[Instance]
    background: np.ndarray  # (h, w, 3) uint8


def image_rng(seed: int, index: int) -> np.random.Generator:
    """The generator of one image: independent of every other image's."""
    return np.random.default_rng(np.random.SeedSequence([seed, index]))


def _uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    low, high = bounds
    return low if low == high else float(rng.uniform(low, high))


def _integer(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    return int(rng.integers(bounds[0], bounds[1] + 1))


def _point(rng: np.random.Generator, ranges: Vec3Range) -> np.ndarray:
    return np.array([_uniform(rng, ranges.x), _uniform(rng, ranges.y), _uniform(rng, ranges.z)])


def random_rotation(rng: np.random.Generator) -> np.ndarray:
    """A rotation matrix drawn uniformly over all orientations (a normalised 4D Gaussian)."""
    quaternion = rng.normal(size=4)
    w, x, y, z = quaternion / np.linalg.norm(quaternion)
    return np.array(
        [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
        ]
    )


def euler_rotation(x: float, y: float, z: float) -> np.ndarray:
    """Rotation about X, then Y, then Z (degrees)."""
    rx, ry, rz = (math.radians(a) for a in (x, y, z))
    cx, sx, cy, sy, cz, sz = (f(a) for a in (rx, ry, rz) for f in (math.cos, math.sin))
    about_x = np.array([[1, 0, 0], [0, cx, -sx], [0, sx, cx]])
    about_y = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    about_z = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return about_z @ about_y @ about_x


def _instance(rng: np.random.Generator, index: int, spec: ObjectSpec) -> Instance:
    """Draw one object's size, orientation, position and look."""
    asset = asset_for(spec)
    factor = _uniform(rng, spec.scale)
    if spec.size is not None:
        factor *= _uniform(rng, spec.size) / max(asset.longest_side, 1e-12)
    if spec.rotation == "random":
        rotation = random_rotation(rng)
    else:
        r = spec.rotation
        rotation = euler_rotation(_uniform(rng, r.x), _uniform(rng, r.y), _uniform(rng, r.z))
    model = np.eye(4)
    model[:3, :3] = rotation * factor
    model[:3, 3] = _point(rng, spec.position)
    colour = pick_colour(rng, spec.colors)
    texture = None
    if spec.textures:
        texture = spec.textures[int(rng.integers(len(spec.textures)))]
    keypoints = {
        name: model[:3, :3] @ np.asarray(point, dtype=np.float64) + model[:3, 3]
        for name, point in spec.keypoints.items()
    }
    return Instance(
        spec_index=index,
        class_name=spec.class_name,
        asset=asset,
        model=model,
        colour=colour,
        texture=texture,
        texture_scale=spec.texture_scale,
        own_look=spec.colors is None and spec.textures is None and asset.has_own_look,
        keypoints=keypoints,
    )


def _lights(rng: np.random.Generator, recipe: Recipe) -> Lights:
    spec = recipe.lighting
    ambient = _uniform(rng, spec.ambient) * np.ones(3)
    count = _integer(rng, spec.directional.count)
    directions, colours = [], []
    for _ in range(count):
        elevation = _uniform(rng, spec.directional.elevation)
        azimuth = _uniform(rng, spec.directional.azimuth)
        directions.append(orbit_position(np.zeros(3), 1.0, elevation, azimuth))
        tint = hex_to_rgb(spec.directional.colors[int(rng.integers(len(spec.directional.colors)))])
        colours.append(tint * _uniform(rng, spec.directional.intensity))
    return Lights(
        ambient=ambient,
        directions=np.array(directions).reshape(-1, 3),
        colours=np.array(colours).reshape(-1, 3),
    )


def _camera(rng: np.random.Generator, recipe: Recipe) -> Camera:
    spec = recipe.camera
    target = _point(rng, spec.target)
    distance = _uniform(rng, spec.distance)
    eye = orbit_position(
        target, distance, _uniform(rng, spec.elevation), _uniform(rng, spec.azimuth)
    )
    return Camera(
        view=look_at(eye, target, UP),
        width=recipe.image.width,
        height=recipe.image.height,
        fov=_uniform(rng, spec.fov),
    )


def _fit_depth_range(camera: Camera, instances: list[Instance]) -> Camera:
    """Near and far planes hugging the objects, for the best depth-buffer precision."""
    if not instances:
        return camera
    centres = np.array([i.model[:3, 3] for i in instances])
    radii = np.array([i.bounding_radius for i in instances])
    depths = -camera.to_eye(centres)[:, 2]
    far = float((depths + radii).max()) * 1.01 + 1e-6
    if far <= 0:  # everything is behind the camera: nothing will be drawn
        return camera
    near = max(float((depths - radii).min()) * 0.99, far * 1e-4)
    return Camera(camera.view, camera.width, camera.height, camera.fov, near, far)


def _background_spec(rng: np.random.Generator, recipe: Recipe):
    weights = np.array([b.weight for b in recipe.backgrounds], dtype=np.float64)
    choice = int(rng.choice(len(weights), p=weights / weights.sum()))
    return recipe.backgrounds[choice]


def sample_scene(recipe: Recipe, index: int) -> Scene:
    """The scene of image `index`: always the same for the same recipe, seed and index."""
    rng = image_rng(recipe.seed, index)
    camera = _camera(rng, recipe)
    lights = _lights(rng, recipe)
    background_spec = _background_spec(rng, recipe)
    background = make_background(background_spec, rng, camera.width, camera.height)
    instances = []
    for spec_index, spec in enumerate(recipe.objects):
        for _ in range(_integer(rng, spec.count)):
            instances.append(_instance(rng, spec_index, spec))
    return Scene(index, _fit_depth_range(camera, instances), lights, instances, background)
