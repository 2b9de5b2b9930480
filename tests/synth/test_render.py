"""The GL renderer against geometry: analytic silhouettes and depths, and a NumPy oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
import trimesh

from labelwright.synth.camera import Camera, look_at
from labelwright.synth.recipe_files import parse_recipe
from labelwright.synth.render import renderer_for
from labelwright.synth.scene import Instance, Lights, Scene, sample_scene
from tests.synth.gl import gl  # noqa: F401 - the fixture
from tests.synth.oracle import rasterise

pytestmark = pytest.mark.usefixtures("gl")


def sphere_scene(distance: float, radius: float, width: int = 160, height: int = 120) -> Scene:
    """One sphere at the origin seen from `distance` along +X."""
    recipe = parse_recipe(
        {
            "objects": [
                {
                    "class": "Ball",
                    "primitive": {"type": "sphere", "radius": radius, "sections": 96},
                    "position": {"x": 0, "y": 0, "z": 0},
                }
            ],
            "image": {"width": width, "height": height},
        }
    )
    base = sample_scene(recipe, 0)
    camera = Camera(
        view=look_at(np.array([distance, 0.0, 0.0]), np.zeros(3), np.array([0.0, 0.0, 1.0])),
        width=width,
        height=height,
        fov=40.0,
        near=distance - 2 * radius,
        far=distance + 2 * radius,
    )
    return Scene(0, camera, base.lights, base.instances, base.background)


def test_sphere_silhouette_and_depth_are_analytic():
    distance, radius = 4.0, 0.5
    scene = sphere_scene(distance, radius)
    frame = renderer_for(160, 120).render(scene)
    camera = scene.camera
    # The silhouette of a sphere is a circle of angular radius asin(r/d) about the centre.
    half = camera.focal * math.tan(math.asin(radius / distance))
    rows = np.flatnonzero(frame.ids.any(axis=1))
    cols = np.flatnonzero(frame.ids.any(axis=0))
    assert abs(cols[0] - (80 - half)) <= 1.0 and abs(cols[-1] + 1 - (80 + half)) <= 1.0
    assert abs(rows[0] - (60 - half)) <= 1.0 and abs(rows[-1] + 1 - (60 + half)) <= 1.0
    # Pixel (59, 79)'s centre is half a pixel off the axis; a 96-segment sphere is within
    # 0.1% of its radius.
    assert frame.depth[59, 79] == pytest.approx(distance - radius, abs=2e-3)
    assert np.isinf(frame.depth[0, 0]) and frame.ids[0, 0] == 0
    assert frame.unoccluded[0] == np.count_nonzero(frame.ids)


def test_unoccluded_coverage_equals_rendering_each_object_alone():
    recipe = parse_recipe(
        {
            "objects": [
                {"class": "Ring", "primitive": {"type": "torus"}, "count": 3},
                {"class": "Box", "primitive": {"type": "box"}, "count": 3},
            ],
            "image": {"width": 200, "height": 150},
            "camera": {"distance": [3, 4]},
        }
    )
    renderer = renderer_for(200, 150)
    for index in range(3):
        scene = sample_scene(recipe, index)
        frame = renderer.render(scene)
        for number, instance in enumerate(scene.instances, start=1):
            alone = Scene(0, scene.camera, scene.lights, [instance], scene.background)
            single = renderer.render(alone)
            assert frame.unoccluded[number - 1] == np.count_nonzero(single.ids == 1)
            assert np.count_nonzero(frame.ids == number) <= frame.unoccluded[number - 1]


def test_ids_and_depth_agree_with_the_numpy_oracle():
    recipe = parse_recipe(
        {
            "objects": [
                {"class": "Ring", "primitive": {"type": "torus", "sections": 24}, "count": 2},
                {"class": "Cone", "primitive": {"type": "cone", "sections": 16}, "count": 2},
                {"class": "Box", "primitive": {"type": "box"}, "count": 1},
            ],
            "image": {"width": 96, "height": 72},
            "camera": {"distance": [5, 6]},
        }
    )
    renderer = renderer_for(96, 72)
    total = agreeing = 0
    for index in range(4):
        scene = sample_scene(recipe, index)
        frame = renderer.render(scene)
        ids, depth = rasterise(scene)
        foreground = (ids > 0) | (frame.ids > 0)
        same = foreground & (ids == frame.ids)
        total += int(foreground.sum())
        agreeing += int(same.sum())
        both = same & (ids > 0)
        assert np.allclose(frame.depth[both], depth[both], rtol=1e-4)
    assert agreeing / total >= 0.995


def test_textures_vertex_colours_and_own_textures_show(tmp_path):
    plain = trimesh.creation.box()
    coloured = trimesh.creation.icosphere(2)
    coloured.visual.vertex_colors = [250, 10, 10, 255]
    coloured.export(tmp_path / "red.ply")
    textured = trimesh.creation.box()
    uv = np.tile([[0.25, 0.25]], (len(textured.vertices), 1))
    from PIL import Image

    blue = Image.new("RGB", (4, 4), (10, 10, 250))
    textured.visual = trimesh.visual.TextureVisuals(uv=uv, image=blue)
    textured.export(tmp_path / "blue.glb")
    plain.export(tmp_path / "plain.obj")
    Image.new("RGB", (8, 8), (10, 250, 10)).save(tmp_path / "green.png")

    def mean_colour(mesh: str, **look) -> np.ndarray:
        recipe = parse_recipe(
            {
                "objects": [{"class": "A", "mesh": mesh, "position": {"x": 0}, **look}],
                "image": {"width": 64, "height": 48},
                "lighting": {"ambient": 1.0, "directional": {"count": 0}},
                "camera": {"distance": 3},
            },
            base_dir=tmp_path,
        )
        scene = sample_scene(recipe, 0)
        frame = renderer_for(64, 48).render(scene)
        return frame.rgb[frame.ids == 1].mean(axis=0)

    assert np.argmax(mean_colour("red.ply")) == 0
    assert np.argmax(mean_colour("blue.glb")) == 2
    assert np.argmax(mean_colour("plain.obj", textures=["green.png"])) == 1
    assert np.allclose(mean_colour("plain.obj", colors=["#ffff00"]), [255, 255, 0], atol=1)


def test_objects_behind_the_camera_or_outside_are_not_drawn():
    scene = sphere_scene(4.0, 0.5, 64, 48)
    moved = scene.instances[0]
    behind = Instance(
        spec_index=0,
        class_name=moved.class_name,
        asset=moved.asset,
        model=np.array([[1, 0, 0, 9.0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]),
        colour=moved.colour,
    )
    lights = Lights(np.ones(3), np.zeros((0, 3)), np.zeros((0, 3)))
    frame = renderer_for(64, 48).render(Scene(0, scene.camera, lights, [behind], scene.background))
    assert not frame.ids.any() and frame.unoccluded[0] == 0
    assert np.array_equal(frame.rgb, scene.background)
