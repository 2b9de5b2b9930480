"""The per-project label schema: classes, attributes, skeletons, tag groups, relations."""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from labelwright.domain.attributes import (
    AttributeSpec,
    CheckboxAttribute,
    DisplayName,
    DomainModel,
    MultiselectAttribute,
    NumberAttribute,
    Option,
    SelectAttribute,
    StableId,
    TextAttribute,
    unique_problem,
)

__all__ = [
    "AttributeRef",
    "AttributeSpec",
    "CheckboxAttribute",
    "ClassRename",
    "LabelClass",
    "LabelSchema",
    "MultiselectAttribute",
    "NumberAttribute",
    "Option",
    "RelationType",
    "SchemaChange",
    "SelectAttribute",
    "ShapeKind",
    "Skeleton",
    "TagGroup",
    "TextAttribute",
    "diff_schema",
]


class ShapeKind(StrEnum):
    """The kinds of geometry an annotation object can have."""

    bbox = "bbox"
    rotated_box = "rotated_box"
    polygon = "polygon"
    polyline = "polyline"
    points = "points"
    keypoints = "keypoints"
    ellipse = "ellipse"
    mask = "mask"
    tag = "tag"


def _raise_first(*problems: str | None) -> None:
    """Raise ValueError with the first problem that is not None."""
    for problem in problems:
        if problem:
            raise ValueError(problem)


class Skeleton(DomainModel):
    """Named keypoint nodes, the edges drawn between them, and their left/right pairs."""

    nodes: Annotated[list[DisplayName], Field(min_length=1)]
    edges: list[tuple[int, int]] = Field(default_factory=list)
    symmetric_pairs: list[tuple[int, int]] = Field(default_factory=list)

    @model_validator(mode="after")
    def _check(self) -> "Skeleton":
        _raise_first(unique_problem(self.nodes, "skeleton node name", fold_case=True))
        count = len(self.nodes)
        for what, pairs in (("edge", self.edges), ("symmetric pair", self.symmetric_pairs)):
            seen: set[frozenset[int]] = set()
            for a, b in pairs:
                if not (0 <= a < count and 0 <= b < count):
                    raise ValueError(
                        f"skeleton {what} ({a}, {b}) names a node index outside 0..{count - 1}"
                    )
                if a == b:
                    raise ValueError(f"skeleton {what} ({a}, {b}) joins a node to itself")
                if frozenset((a, b)) in seen:
                    raise ValueError(f"skeleton {what} ({a}, {b}) is listed more than once")
                seen.add(frozenset((a, b)))
        paired = [i for pair in self.symmetric_pairs for i in pair]
        if len(set(paired)) != len(paired):
            raise ValueError("a skeleton node is in more than one symmetric pair")
        return self


class LabelClass(DomainModel):
    """One thing annotators label: its look, allowed shapes, attributes and skeleton."""

    id: StableId
    name: DisplayName
    color: str
    hotkey: str | None = None
    shape_kinds: Annotated[list[ShapeKind], Field(min_length=1)]
    attributes: list[AttributeSpec] = Field(default_factory=list)
    skeleton: Skeleton | None = None

    @field_validator("color")
    @classmethod
    def _color_is_hex(cls, value: str) -> str:
        hex_digits = "0123456789abcdefABCDEF"
        if len(value) != 7 or value[0] != "#" or any(c not in hex_digits for c in value[1:]):
            raise ValueError(f"colour {value!r} is not of the form #rrggbb")
        return value.lower()

    @field_validator("hotkey")
    @classmethod
    def _hotkey_is_one_key(cls, value: str | None) -> str | None:
        if value is not None and (len(value) != 1 or not value.isprintable() or value.isspace()):
            raise ValueError(f"hotkey {value!r} must be a single printable key")
        return value

    @model_validator(mode="after")
    def _check(self) -> "LabelClass":
        _raise_first(
            unique_problem([str(k) for k in self.shape_kinds], f"class {self.name!r}: shape kind"),
            unique_problem([a.id for a in self.attributes], f"class {self.name!r}: attribute id"),
            unique_problem(
                [a.name for a in self.attributes],
                f"class {self.name!r}: attribute name",
                fold_case=True,
            ),
        )
        has_keypoints = ShapeKind.keypoints in self.shape_kinds
        if has_keypoints and self.skeleton is None:
            raise ValueError(f"class {self.name!r} allows keypoints, so it needs a skeleton")
        if not has_keypoints and self.skeleton is not None:
            raise ValueError(
                f"class {self.name!r} has a skeleton but does not allow the keypoints shape"
            )
        return self

    def attribute(self, attribute_id: str) -> AttributeSpec | None:
        """Return the attribute spec with this id, or None."""
        return next((a for a in self.attributes if a.id == attribute_id), None)


class TagGroup(DomainModel):
    """Image-level tags: a named group of options, one or several of which may apply."""

    id: StableId
    name: DisplayName
    multiple: bool = False
    options: Annotated[list[Option], Field(min_length=1)]

    @model_validator(mode="after")
    def _check(self) -> "TagGroup":
        _raise_first(
            unique_problem([o.id for o in self.options], f"tag group {self.name!r}: option id"),
            unique_problem(
                [o.name for o in self.options],
                f"tag group {self.name!r}: option name",
                fold_case=True,
            ),
        )
        return self


class RelationType(DomainModel):
    """A kind of link between two objects (rides, part_of), optionally limited by class."""

    id: StableId
    name: DisplayName
    subject_class_ids: list[StableId] | None = None
    object_class_ids: list[StableId] | None = None


class LabelSchema(DomainModel):
    """Everything a project lets annotators draw, and how strictly it is checked."""

    classes: list[LabelClass] = Field(default_factory=list)
    tag_groups: list[TagGroup] = Field(default_factory=list)
    relation_types: list[RelationType] = Field(default_factory=list)
    out_of_bounds: Literal["clip", "refuse"] = "refuse"
    tolerance_px: float = Field(default=1.0, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _check(self) -> "LabelSchema":
        _raise_first(
            unique_problem([c.id for c in self.classes], "class id"),
            unique_problem([c.name for c in self.classes], "class name", fold_case=True),
            unique_problem([c.hotkey for c in self.classes if c.hotkey], "hotkey"),
            unique_problem([g.id for g in self.tag_groups], "tag group id"),
            unique_problem([g.name for g in self.tag_groups], "tag group name", fold_case=True),
            unique_problem([r.id for r in self.relation_types], "relation type id"),
            unique_problem(
                [r.name for r in self.relation_types], "relation type name", fold_case=True
            ),
        )
        class_ids = {c.id for c in self.classes}
        for relation in self.relation_types:
            for ids in (relation.subject_class_ids or [], relation.object_class_ids or []):
                for class_id in ids:
                    if class_id not in class_ids:
                        raise ValueError(
                            f"relation type {relation.name!r} names unknown class id {class_id!r}"
                        )
        return self

    def class_by_id(self, class_id: str) -> LabelClass | None:
        """Return the class with this id, or None."""
        return next((c for c in self.classes if c.id == class_id), None)

    def tag_group_by_id(self, group_id: str) -> TagGroup | None:
        """Return the tag group with this id, or None."""
        return next((g for g in self.tag_groups if g.id == group_id), None)

    def relation_type_by_id(self, type_id: str) -> RelationType | None:
        """Return the relation type with this id, or None."""
        return next((r for r in self.relation_types if r.id == type_id), None)


class ClassRename(DomainModel):
    """A class whose id stayed while its name changed."""

    id: str
    old_name: str
    new_name: str


class AttributeRef(DomainModel):
    """One attribute of one class."""

    class_id: str
    attribute_id: str


class SchemaChange(DomainModel):
    """What changed between two versions of a schema, by stable id."""

    added_class_ids: list[str] = Field(default_factory=list)
    removed_class_ids: list[str] = Field(default_factory=list)
    renamed_classes: list[ClassRename] = Field(default_factory=list)
    removed_attributes: list[AttributeRef] = Field(default_factory=list)
    retyped_attributes: list[AttributeRef] = Field(default_factory=list)
    removed_shape_kinds: dict[str, list[ShapeKind]] = Field(default_factory=dict)
    removed_tag_group_ids: list[str] = Field(default_factory=list)
    removed_relation_type_ids: list[str] = Field(default_factory=list)

    @property
    def renamed_class_ids(self) -> list[str]:
        """Ids of the classes whose name changed."""
        return [rename.id for rename in self.renamed_classes]

    @property
    def removes_anything(self) -> bool:
        """Whether existing annotations may stop fitting the new schema."""
        return bool(
            self.removed_class_ids
            or self.removed_attributes
            or self.retyped_attributes
            or self.removed_shape_kinds
            or self.removed_tag_group_ids
            or self.removed_relation_type_ids
        )


def diff_schema(old: LabelSchema, new: LabelSchema) -> SchemaChange:
    """List the classes, attributes, tag groups and relation types `new` adds or drops."""
    old_classes = {c.id: c for c in old.classes}
    new_classes = {c.id: c for c in new.classes}
    change = SchemaChange(
        added_class_ids=[i for i in new_classes if i not in old_classes],
        removed_class_ids=[i for i in old_classes if i not in new_classes],
        removed_tag_group_ids=_missing_ids(old.tag_groups, new.tag_groups),
        removed_relation_type_ids=_missing_ids(old.relation_types, new.relation_types),
    )
    for class_id, before in old_classes.items():
        after = new_classes.get(class_id)
        if after is None:
            continue
        if before.name != after.name:
            change.renamed_classes.append(
                ClassRename(id=class_id, old_name=before.name, new_name=after.name)
            )
        dropped_kinds = [k for k in before.shape_kinds if k not in after.shape_kinds]
        if dropped_kinds:
            change.removed_shape_kinds[class_id] = dropped_kinds
        new_attributes = {a.id: a for a in after.attributes}
        for attribute in before.attributes:
            ref = AttributeRef(class_id=class_id, attribute_id=attribute.id)
            if attribute.id not in new_attributes:
                change.removed_attributes.append(ref)
            elif new_attributes[attribute.id].type != attribute.type:
                change.retyped_attributes.append(ref)
    return change


def _missing_ids(old: list[TagGroup] | list[RelationType], new: list) -> list[str]:
    """Ids present in `old` but not in `new`."""
    kept = {item.id for item in new}
    return [item.id for item in old if item.id not in kept]
