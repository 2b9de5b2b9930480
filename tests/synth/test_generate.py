"""Generated images and labels: exact against the render, valid, and deterministic."""

from __future__ import annotations

import numpy as np
import pytest
import trimesh

from labelwright.domain.geometry import area_of
from labelwright.domain.shapes import BBox, Keypoints, Mask, Polygon
from labelwright.domain.validation import validate_annotation
from labelwright.synth.classes import recipe_schema
from labelwright.synth.errors import RecipeError
from labelwright.synth.generate import encode_image, encoded_range, generate, image_name
from labelwright.synth.recipe_files import parse_recipe
from tests.synth.gl import gl  # noqa: F401 - the fixture
from tests.synth.rle import decode as decode_rle

pytestmark = pytest.mark.usefixtures("gl")

CORNERS = {"top": [0, 0, 0.5], "corner": [0.5, 0.5, 0.5], "bottom": [0, 0, -0.5]}
SCENE = {
    "name": "shapes",
    "seed": 11,
    "image": {"width": 160, "height": 120},
    "objects": [
        {
            "class": "Crate",
            "primitive": {"type": "box"},
            "count": [1, 2],
            "keypoints": CORNERS,
            "skeleton_edges": [["top", "corner"]],
        },
        {"class": "Ring", "primitive": {"type": "torus"}, "count": [1, 2]},
        {"class": "Can", "primitive": {"type": "cylinder"}, "count": [0, 1]},
        {"class": "Pill", "primitive": {"type": "capsule"}, "count": [0, 1]},
        {"class": "Cone", "primitive": {"type": "cone"}, "count": [0, 1]},
        {"class": "Ball", "primitive": {"type": "sphere"}, "count": [0, 1]},
    ],
    "camera": {"distance": [3, 5]},
}


def decode(mask: Mask) -> np.ndarray:
    """A mask shape as a boolean array."""
    return decode_rle(mask.rle)


def by_group(image) -> dict[int, dict[str, object]]:
    """The image's objects by instance number, then by kind."""
    groups: dict[int, dict[str, object]] = {}
    for obj in image.annotation.objects:
        groups.setdefault(int(obj.group), {}).setdefault(obj.shape.kind, []).append(obj.shape)
    return groups


@pytest.fixture(scope="module")
def images():
    """Twelve images with their renders."""
    recipe = parse_recipe(SCENE)
    return recipe, list(generate(recipe, 0, 12, keep_frames=True))


def test_every_label_matches_the_render_exactly(images):
    _, generated = images
    seen_kinds = set()
    for image in generated:
        ids = image.frame.ids
        groups = by_group(image)
        counts = np.bincount(ids.ravel(), minlength=len(image.scene.instances) + 1)
        assert set(groups) == {n for n in range(1, len(counts)) if counts[n] > 0}
        for number, shapes in groups.items():
            truth = ids == number
            seen_kinds |= set(shapes)
            (mask,) = shapes["mask"]
            assert np.array_equal(decode(mask), truth)  # the mask is the id pixels
            assert area_of(mask) == counts[number]
            (box,) = shapes["bbox"]
            rows, cols = np.flatnonzero(truth.any(1)), np.flatnonzero(truth.any(0))
            assert (box.x, box.y) == (cols[0], rows[0])  # tight: touches the first pixels
            assert (box.x + box.w, box.y + box.h) == (cols[-1] + 1, rows[-1] + 1)
            for polygon in shapes.get("polygon", []):
                _check_polygon(polygon, box, truth)
    assert seen_kinds == {"bbox", "mask", "polygon", "keypoints"}


def _check_polygon(polygon: Polygon, box: BBox, truth: np.ndarray) -> None:
    xs = [x for ring in polygon.rings for x, _ in ring]
    ys = [y for ring in polygon.rings for _, y in ring]
    assert box.x + 0.5 <= min(xs) and max(xs) <= box.x + box.w - 0.5
    assert box.y + 0.5 <= min(ys) and max(ys) <= box.y + box.h - 0.5
    # Every vertex is the centre of a pixel of the instance (outline and holes alike).
    for ring in polygon.rings:
        for x, y in ring:
            assert truth[int(y), int(x)], (x, y)


def test_visible_keypoints_are_not_hidden_in_the_depth_buffer(images):
    recipe, generated = images
    tolerance = recipe.visibility.keypoint_tolerance
    visible = occluded = 0
    for image in generated:
        for obj in image.annotation.objects:
            if not isinstance(obj.shape, Keypoints):
                continue
            instance = image.scene.instances[int(obj.group) - 1]
            names = ["top", "corner", "bottom"]
            points = np.array([instance.keypoints[n] for n in names])
            positions, depths = image.scene.camera.project(points)
            for (x, y, v), (px, py), depth in zip(obj.shape.points, positions, depths, strict=True):
                if v == 0:
                    assert (x, y) == (0, 0)
                    continue
                assert (x, y) == pytest.approx((px, py))
                buffer = image.frame.depth[int(y), int(x)]
                if v == 2:
                    visible += 1
                    assert buffer >= depth * (1 - tolerance)
                else:
                    occluded += 1
                    assert buffer < depth * (1 - tolerance)
    assert visible > 0 and occluded > 0  # a box's bottom is often hidden by the box


def test_annotations_pass_the_domain_validation(images):
    recipe, generated = images
    schema = recipe_schema(recipe)
    for image in generated:
        validate_annotation(image.annotation, schema, width=160, height=120)
        assert all(o.source == "synthetic" for o in image.annotation.objects)


def test_same_recipe_and_seed_give_the_same_bytes_in_any_split():
    recipe = parse_recipe(SCENE)
    whole = encoded_range(recipe, 0, 6)
    again = encoded_range(recipe, 0, 3) + encoded_range(recipe, 3, 6)
    assert [e.data for e in whole] == [e.data for e in again]
    assert [e.annotation for e in whole] == [e.annotation for e in again]
    other = encoded_range(recipe.with_seed(12), 0, 1)
    assert other[0].data != whole[0].data
    assert whole[0].file_name == image_name(recipe, 0) == "shapes-11-000000.jpg"


def test_png_output_is_lossless(images):
    recipe, generated = images
    png = recipe.model_copy(update={"image": recipe.image.model_copy(update={"format": "png"})})
    data = encode_image(generated[0].rgb, png.image)
    from io import BytesIO

    from PIL import Image

    assert np.array_equal(np.asarray(Image.open(BytesIO(data))), generated[0].rgb)
    assert image_name(png, 3) == "shapes-11-000003.png"


@pytest.mark.parametrize("suffix", [".obj", ".stl", ".ply", ".glb", ".off"])
def test_mesh_files_load_and_render(tmp_path, suffix):
    trimesh.creation.torus(0.5, 0.2).export(tmp_path / f"ring{suffix}")
    recipe = parse_recipe(
        {
            "objects": [{"class": "Ring", "mesh": f"ring{suffix}", "position": {"x": 0}}],
            "image": {"width": 64, "height": 48},
            "camera": {"distance": 3},
        },
        base_dir=tmp_path,
    )
    (image,) = generate(recipe, 0, 1)
    assert {o.shape.kind for o in image.annotation.objects} == {"bbox", "polygon", "mask"}


def test_a_broken_mesh_file_is_a_clear_error(tmp_path):
    (tmp_path / "broken.glb").write_bytes(b"not a mesh at all")
    recipe = parse_recipe({"objects": [{"class": "A", "mesh": "broken.glb"}]}, base_dir=tmp_path)
    with pytest.raises(RecipeError, match=r"broken\.glb: cannot be loaded as a mesh"):
        list(generate(recipe, 0, 1))


def test_image_backgrounds_fill_the_empty_pixels(tmp_path):
    from PIL import Image

    Image.new("RGB", (50, 30), (200, 30, 30)).save(tmp_path / "red.png")
    recipe = parse_recipe(
        {
            "objects": [{"class": "A", "primitive": {"type": "box"}, "count": 0}],
            "image": {"width": 64, "height": 48},
            "backgrounds": [{"kind": "images", "folder": "."}],
        },
        base_dir=tmp_path,
    )
    (image,) = generate(recipe, 0, 1)
    assert np.abs(image.rgb.astype(int) - [200, 30, 30]).max() <= 2
    assert image.annotation.objects == []


def test_visible_share_flags_match_rendering_each_object_alone():
    from labelwright.synth.labels import tight_box
    from labelwright.synth.render import renderer_for
    from labelwright.synth.scene import Scene

    crowded = {**SCENE, "objects": [{**o, "count": [2, 3]} for o in SCENE["objects"]]}
    flagging = parse_recipe({**crowded, "visibility": {"min_share": 0.6, "below": "flag"}})
    renderer = renderer_for(160, 120)
    flags = {True: 0, False: 0}
    hidden = 0
    for image in generate(flagging, 0, 6, keep_frames=True):
        scene = image.scene
        for obj in image.annotation.objects:
            if obj.shape.kind != "bbox":
                continue
            number = int(obj.group)
            alone = Scene(
                0, scene.camera, scene.lights, [scene.instances[number - 1]], scene.background
            )
            unhidden = renderer.render(alone).ids == 1
            visible = np.count_nonzero(image.frame.ids == number)
            assert obj.attributes["occluded"] == (visible / unhidden.sum() < 0.6)
            flags[obj.attributes["occluded"]] += 1
            if visible == 0:  # hidden entirely: the box it would have, unhidden
                hidden += 1
                assert obj.shape == tight_box(unhidden)
                kinds = {o.shape.kind for o in image.annotation.objects if o.group == obj.group}
                assert kinds <= {"bbox", "keypoints"}
    assert flags[True] and flags[False] and hidden
