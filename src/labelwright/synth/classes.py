"""The recipe's classes as a label schema, or matched by name to a project's schema."""

from __future__ import annotations

import re
from dataclasses import dataclass

from labelwright.domain.attributes import CheckboxAttribute
from labelwright.domain.schema import LabelClass, LabelSchema, ShapeKind, Skeleton
from labelwright.synth.errors import RecipeError
from labelwright.synth.recipe import Recipe

OCCLUDED = "occluded"
"""Name (and id, in schemas made from a recipe) of the checkbox flagging hidden objects."""

_PALETTE = (
    "#e6194b", "#3cb44b", "#4363d8", "#f58231", "#911eb4",
    "#46f0f0", "#f032e6", "#bcf60c", "#008080", "#9a6324",
)  # fmt: skip
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.:-]+")


@dataclass(frozen=True)
class ClassBinding:
    """How one recipe class is written: its schema id, shapes, keypoint order and flag."""

    class_id: str
    kinds: tuple[str, ...]  # label kinds to emit, in the recipe's order
    keypoint_names: tuple[str | None, ...] = ()  # per skeleton node: recipe point, or None
    occluded_attribute: str | None = None  # checkbox attribute id, when flagging


def _class_id(name: str, taken: set[str]) -> str:
    base = _ID_UNSAFE.sub("_", name.strip()).strip("_")[:56] or "class"
    candidate, n = base, 1
    while candidate in taken:
        n += 1
        candidate = f"{base}_{n}"
    taken.add(candidate)
    return candidate


def _kinds(recipe: Recipe, class_name: str) -> list[str]:
    has_points = bool(recipe.keypoint_names(class_name))
    return [k for k in recipe.labels if k != "keypoints" or has_points]


def _skeleton(recipe: Recipe, class_name: str) -> Skeleton:
    names = recipe.keypoint_names(class_name)
    edges: list[tuple[int, int]] = []
    for spec in recipe.objects:
        if spec.class_name == class_name:
            for a, b in spec.skeleton_edges:
                edge = (names.index(a), names.index(b))
                if edge not in edges and edge[::-1] not in edges:
                    edges.append(edge)
    return Skeleton(nodes=names, edges=edges)


def recipe_schema(recipe: Recipe) -> LabelSchema:
    """A schema holding the recipe's classes, for a project that has none (or a folder)."""
    taken: set[str] = set()
    classes = []
    flag = recipe.visibility.below == "flag"
    for number, name in enumerate(recipe.class_names()):
        kinds = _kinds(recipe, name)
        if not kinds:
            raise RecipeError(
                f"class {name!r} has no keypoints, and keypoints are the only labels asked for"
            )
        classes.append(
            LabelClass(
                id=_class_id(name, taken),
                name=name,
                color=_PALETTE[number % len(_PALETTE)],
                shape_kinds=[ShapeKind(k) for k in kinds],
                skeleton=_skeleton(recipe, name) if "keypoints" in kinds else None,
                attributes=[CheckboxAttribute(id=OCCLUDED, name=OCCLUDED)] if flag else [],
            )
        )
    return LabelSchema(classes=classes)


def bind_classes(recipe: Recipe, schema: LabelSchema) -> dict[str, ClassBinding]:
    """Match each recipe class to the schema's class of the same name (any case).

    Raises RecipeError naming every class that is missing or cannot take the labels.
    """
    by_name = {c.name.casefold(): c for c in schema.classes}
    missing = [n for n in recipe.class_names() if n.casefold() not in by_name]
    if missing:
        known = ", ".join(repr(c.name) for c in schema.classes) or "none"
        raise RecipeError(
            f"classes {', '.join(repr(n) for n in missing)} are not in the project's schema "
            f"(its classes: {known}); add them to the schema or rename them in the recipe"
        )
    problems, bindings = [], {}
    for name in recipe.class_names():
        found = by_name[name.casefold()]
        binding, problem = _bind(recipe, name, found)
        if problem:
            problems.append(problem)
        else:
            bindings[name] = binding
    if problems:
        raise RecipeError("; ".join(problems))
    return bindings


def _bind(recipe: Recipe, name: str, target: LabelClass) -> tuple[ClassBinding, str | None]:
    kinds = _kinds(recipe, name)
    refused = [k for k in kinds if k not in target.shape_kinds]
    empty = ClassBinding(target.id, ())
    if refused:
        allowed = ", ".join(target.shape_kinds)
        return empty, (
            f"class {target.name!r} does not allow {', '.join(refused)} shapes (allowed: "
            f"{allowed}); change the recipe's labels or the class"
        )
    order: tuple[str | None, ...] = ()
    if "keypoints" in kinds:
        assert target.skeleton is not None  # a class allowing keypoints has one
        points = recipe.keypoint_names(name)
        nodes = {n.casefold(): n for n in target.skeleton.nodes}
        unknown = [p for p in points if p.casefold() not in nodes]
        if unknown:
            return empty, (
                f"class {target.name!r}: keypoints {unknown} are not nodes of its skeleton "
                f"({', '.join(target.skeleton.nodes)})"
            )
        by_node = {p.casefold(): p for p in points}
        order = tuple(by_node.get(n.casefold()) for n in target.skeleton.nodes)
    flag = None
    if recipe.visibility.below == "flag":
        checkboxes = [a for a in target.attributes if a.type == "checkbox"]
        flag = next((a.id for a in checkboxes if a.name.casefold() == OCCLUDED), None)
        if flag is None:
            return empty, (
                f"class {target.name!r} has no checkbox attribute {OCCLUDED!r} to flag hidden "
                "objects with; add one, or set visibility.below to drop"
            )
    return ClassBinding(target.id, tuple(kinds), order, flag), None
