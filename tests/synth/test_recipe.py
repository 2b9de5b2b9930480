"""Scene recipes: YAML and JSON, defaults, and clear errors that name the field."""

from __future__ import annotations

import json

import pytest
import trimesh

from labelwright.synth.classes import bind_classes, recipe_schema
from labelwright.synth.errors import RecipeError
from labelwright.synth.recipe_files import load_recipe, parse_recipe
from tests.conftest import write_image

CUBE = {"class": "Cube", "primitive": {"type": "box"}}


def error_of(data) -> str:
    """The RecipeError message for recipe data."""
    with pytest.raises(RecipeError) as caught:
        parse_recipe(data)
    return str(caught.value)


def test_a_minimal_recipe_gets_defaults():
    recipe = parse_recipe({"objects": [CUBE]})
    assert recipe.image.width == 640 and recipe.image.height == 480
    assert recipe.objects[0].count == (1, 1)
    assert recipe.labels == ["bbox", "polygon", "mask", "keypoints"]
    assert recipe.backgrounds[0].kind == "noise"
    assert recipe.with_seed(9).seed == 9 and recipe.with_seed(None).seed == 0


def test_numbers_or_ranges():
    recipe = parse_recipe({"objects": [{**CUBE, "count": 3, "scale": [0.5, 2]}]})
    assert recipe.objects[0].count == (3, 3)
    assert recipe.objects[0].scale == (0.5, 2.0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"objects": []}, "objects: List should have at least 1 item"),
        ({"objects": [{**CUBE, "count": [3, 1]}]}, "objects[0].count: low 3 is above high 1"),
        ({"objects": [{**CUBE, "scale": "big"}]}, "objects[0].scale: give a number or a [low"),
        ({"objects": [{"class": "Cube"}]}, "objects[0]: give exactly one of 'mesh'"),
        (
            {"objects": [{"class": "X", "primitive": {"type": "pyramid"}}]},
            "objects[0].primitive: Input tag 'pyramid'",
        ),
        (
            {"objects": [{"class": "X", "primitive": {"type": "sphere", "radius": 0}}]},
            "radius: Input should be greater than 0",
        ),
        ({"objects": [CUBE], "camera": {"fov": [10, 170]}}, "camera: fov [10.0, 170.0] must lie"),
        ({"objects": [CUBE], "image": {"format": "gif"}}, "image.format: Input should be"),
        ({"objects": [CUBE], "labels": ["bbox", "bbox"]}, "lists a kind more than once"),
        ({"objects": [CUBE], "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"objects": [{**CUBE, "colors": ["red"]}]}, "objects[0].colors[0]: colour 'red' is not"),
        ({"objects": [{**CUBE, "count": 2000}]}, "at most 1024 allowed"),
        (
            {"objects": [CUBE], "backgrounds": [{"kind": "images"}]},
            "backgrounds[0]: an images background needs exactly one of",
        ),
        (
            {"objects": [{**CUBE, "keypoints": {"a": [0, 0, 0]}, "skeleton_edges": [["a", "b"]]}]},
            "names unknown keypoint 'b'",
        ),
        (
            {
                "objects": [
                    {**CUBE, "keypoints": {"a": [0, 0, 0]}},
                    {**CUBE, "keypoints": {"b": [0, 0, 0]}},
                ]
            },
            "objects[1] and objects[0] are both class 'Cube' but name different keypoints",
        ),
        ([1, 2], "a recipe is a mapping of fields, not list"),
    ],
)
def test_errors_name_the_field(data, expected):
    assert expected in error_of(data)


def test_yaml_file_with_relative_mesh_and_textures(tmp_path):
    (tmp_path / "meshes").mkdir()
    trimesh.creation.box().export(tmp_path / "meshes" / "crate.stl")
    write_image(tmp_path / "wood" / "a.png")
    write_image(tmp_path / "wood" / "b.jpg")
    path = tmp_path / "recipe.yaml"
    path.write_text(
        "seed: 4\n"
        "objects:\n"
        "  - class: Crate\n"
        "    mesh: meshes/crate.stl\n"
        "    textures: [wood]\n"
        "backgrounds:\n"
        "  - kind: images\n"
        "    folder: wood\n"
    )
    recipe = load_recipe(path)
    assert recipe.seed == 4
    assert recipe.objects[0].mesh == (tmp_path / "meshes" / "crate.stl").resolve()
    assert [p.name for p in recipe.objects[0].textures] == ["a.png", "b.jpg"]
    assert recipe.backgrounds[0].files == recipe.objects[0].textures
    assert recipe.backgrounds[0].folder is None


def test_json_file(tmp_path):
    path = tmp_path / "recipe.json"
    path.write_text(json.dumps({"name": "cubes", "objects": [CUBE]}))
    assert load_recipe(path).name == "cubes"


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(RecipeError, match="no such recipe file"):
        load_recipe(tmp_path / "missing.yaml")
    broken = tmp_path / "broken.yaml"
    broken.write_text("objects: [unclosed\n")
    with pytest.raises(RecipeError, match=r"broken.yaml: cannot be read as YAML"):
        load_recipe(broken)
    missing_mesh = tmp_path / "r.yaml"
    missing_mesh.write_text("objects:\n  - class: A\n    mesh: nowhere/a.obj\n")
    with pytest.raises(
        RecipeError, match=r"r.yaml: objects\[0\].mesh: nowhere/a.obj does not exist"
    ):
        load_recipe(missing_mesh)
    bad_suffix = tmp_path / "s.yaml"
    bad_suffix.write_text("objects:\n  - class: A\n    mesh: a.blend\n")
    with pytest.raises(RecipeError, match="unsupported suffix"):
        load_recipe(bad_suffix)
    empty_folder = tmp_path / "t.yaml"
    (tmp_path / "empty").mkdir()
    empty_folder.write_text(
        "objects: [{class: A, primitive: {type: box}}]\n"
        "backgrounds: [{kind: images, folder: empty}]\n"
    )
    with pytest.raises(RecipeError, match=r"backgrounds\[0\].folder: folder empty holds no images"):
        load_recipe(empty_folder)


def test_schema_from_recipe():
    recipe = parse_recipe(
        {
            "objects": [
                {
                    **CUBE,
                    "keypoints": {"top": [0, 0, 0.5], "corner": [0.5, 0.5, 0.5]},
                    "skeleton_edges": [["top", "corner"]],
                },
                {"class": "Ball", "primitive": {"type": "sphere"}},
            ],
            "visibility": {"min_share": 0.2, "below": "flag"},
        }
    )
    schema = recipe_schema(recipe)
    cube, ball = schema.classes
    assert cube.shape_kinds == ["bbox", "polygon", "mask", "keypoints"]
    assert cube.skeleton.nodes == ["top", "corner"] and cube.skeleton.edges == [(0, 1)]
    assert ball.shape_kinds == ["bbox", "polygon", "mask"] and ball.skeleton is None
    assert [a.name for a in cube.attributes] == ["occluded"]
    bindings = bind_classes(recipe, schema)
    assert bindings["Cube"].keypoint_names == ("top", "corner")
    assert bindings["Ball"].occluded_attribute == "occluded"


def test_keypoints_only_needs_keypoints():
    recipe = parse_recipe({"objects": [CUBE], "labels": ["keypoints"]})
    with pytest.raises(RecipeError, match="keypoints are the only labels asked for"):
        recipe_schema(recipe)


def test_confined_recipes_may_not_name_files_outside_their_folder(tmp_path):
    inside = tmp_path / "inside"
    inside.mkdir()
    trimesh.creation.box().export(tmp_path / "outside.stl")
    write_image(tmp_path / "photos" / "a.png")
    (inside / "link.stl").symlink_to(tmp_path / "outside.stl")
    cases = [
        ({"class": "A", "mesh": "../outside.stl"}, "objects[0].mesh: ../outside.stl lies outside"),
        ({"class": "A", "mesh": str(tmp_path / "outside.stl")}, "lies outside"),
        ({"class": "A", "mesh": "link.stl"}, "objects[0].mesh: link.stl lies outside"),
        (
            {"class": "A", "primitive": {"type": "box"}, "textures": ["../photos"]},
            "objects[0].textures: ../photos lies outside",
        ),
    ]
    for spec, expected in cases:
        with pytest.raises(RecipeError, match=expected.replace("[", r"\[").replace("]", r"\]")):
            parse_recipe({"objects": [spec]}, base_dir=inside, confine=True)
        parse_recipe({"objects": [spec]}, base_dir=inside)  # allowed when not confined
