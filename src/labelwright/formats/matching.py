"""Matching a dataset's label schema onto a project's, by name.

An imported dataset names things its own way; a project has its own ids. Classes, tag
groups, relation types, attributes (within a matched class), select options and keypoint
skeleton nodes are matched by name, case-insensitively, so values land under the
project's ids. What has no match is dropped and counted; a value that does not fit the
project's attribute (after plain conversions: "3" for a number, "true" for a checkbox,
an option name for its id) is dropped and reported, so the rest of the object still lands.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from labelwright.domain.attributes import (
    AttributeSpec,
    CheckboxAttribute,
    MultiselectAttribute,
    NumberAttribute,
    SelectAttribute,
)
from labelwright.domain.findings import quoted
from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.domain.shapes import Annotation, AnnotationObject, Keypoints

_TRUE, _FALSE = {"true", "yes", "1"}, {"false", "no", "0"}
_UNLABELED = (0.0, 0.0, 0)


@dataclass
class Issue:
    """Something an import could not carry over as it was: a reason and a detail."""

    reason: str
    detail: str


def _fold(name: str) -> str:
    return name.strip().casefold()


def _option_id(target: SelectAttribute | MultiselectAttribute, source: Any, value: Any) -> Any:
    """The project's option id for a dataset's option id or name (the value itself if none)."""
    if not isinstance(value, str):
        return value
    names = {_fold(o.name): o.id for o in target.options}
    if isinstance(source, SelectAttribute | MultiselectAttribute):
        named = next((o.name for o in source.options if o.id == value), None)
        if named is not None and _fold(named) in names:
            return names[_fold(named)]
    if _fold(value) in names:
        return names[_fold(value)]
    return value


def fit_value(target: AttributeSpec, source: AttributeSpec | None, value: Any) -> Any:
    """A dataset's attribute value in the form the project's attribute takes (not checked)."""
    if isinstance(target, SelectAttribute):
        return _option_id(target, source, value)
    if isinstance(target, MultiselectAttribute):
        values = value.split(",") if isinstance(value, str) else value
        if isinstance(values, list | tuple):
            return [
                _option_id(target, source, v.strip() if isinstance(v, str) else v) for v in values
            ]
        return value
    if isinstance(target, NumberAttribute) and isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return value
        return int(number) if number.is_integer() and target.integer else number
    if isinstance(target, CheckboxAttribute) and isinstance(value, str):
        lowered = _fold(value)
        return True if lowered in _TRUE else False if lowered in _FALSE else value
    return value


def _node_map(source: LabelClass, target: LabelClass) -> tuple[list[int | None] | None, list[str]]:
    """For each project skeleton node, the dataset's node index; and the dataset's extra nodes.

    None when the nodes already line up. When no name matches but the counts agree (YOLO
    numbers its nodes kpt_0, kpt_1, ...), nodes are matched by position.
    """
    if source.skeleton is None or target.skeleton is None:
        return None, []
    theirs = [_fold(n) for n in source.skeleton.nodes]
    ours = [_fold(n) for n in target.skeleton.nodes]
    if theirs == ours or (not set(theirs) & set(ours) and len(theirs) == len(ours)):
        return None, []
    index = {name: i for i, name in enumerate(theirs)}
    extra = [n for n, key in zip(source.skeleton.nodes, theirs, strict=True) if key not in ours]
    return [index.get(name) for name in ours], extra


class ClassMatch:
    """How objects of one dataset class land in the project's class of the same name."""

    def __init__(self, source: LabelClass, target: LabelClass) -> None:
        self.source, self.target = source, target
        self.nodes, self.dropped_nodes = _node_map(source, target)
        self._by_name = {_fold(a.name): a for a in target.attributes}
        self._by_id = {a.id: a for a in target.attributes}
        self._source = {a.id: a for a in source.attributes}

    def unknown_attributes(self) -> list[str]:
        """Names of the dataset class's declared attributes the project's class lacks."""
        return [a.name for a in self.source.attributes if _fold(a.name) not in self._by_name]

    def attribute(self, key: str) -> tuple[AttributeSpec | None, AttributeSpec | None]:
        """(project spec, dataset spec) of an object's attribute key (a dataset attribute id,
        or for an undeclared key its name)."""
        source = self._source.get(key)
        if source is not None:
            return self._by_name.get(_fold(source.name)), source
        return self._by_name.get(_fold(key)) or self._by_id.get(key), None

    def keypoints(self, shape: Keypoints) -> Keypoints:
        """Keypoints in the project's node order (nodes the dataset lacks are unlabeled)."""
        points = shape.points
        return Keypoints(
            points=[
                points[j] if j is not None and j < len(points) else _UNLABELED for j in self.nodes
            ]
        )


class SchemaMatch:
    """Maps a dataset's classes, attributes, keypoints, tag groups and relations by name."""

    def __init__(self, source: LabelSchema, target: LabelSchema) -> None:
        by_name = {_fold(c.name): c for c in target.classes}
        self.classes: dict[str, ClassMatch | None] = {}
        for label_class in source.classes:
            found = by_name.get(_fold(label_class.name))
            self.classes[label_class.id] = ClassMatch(label_class, found) if found else None
        self.unknown = sorted(c.name for c in source.classes if self.classes[c.id] is None)
        self._tags = _tag_map(source, target)
        types = {_fold(t.name): t.id for t in target.relation_types}
        self._relations = {t.id: types.get(_fold(t.name)) for t in source.relation_types}
        # (class name, attribute key) -> values dropped, for keys no schema declares
        self.unknown_attribute_values: Counter[tuple[str, str]] = Counter()
        # Classes whose objects carry over unchanged when they have no attributes: the same id,
        # and no skeleton to reorder (a dataset exported from the project itself, say).
        self._unchanged = {
            class_id
            for class_id, match in self.classes.items()
            if match is not None and match.target.id == class_id and match.nodes is None
        }

    def schema_issues(self) -> list[Issue]:
        """What the project's schema lacks, found before any annotation is read."""
        issues = [
            Issue("unknown_class", f"class {name!r} is not in the project's schema")
            for name in self.unknown
        ]
        for match in filter(None, self.classes.values()):
            owner = f"class {match.target.name!r}"
            for name in match.unknown_attributes():
                detail = f"{owner}: attribute {name!r} is not in the project's schema"
                issues.append(Issue("unknown_attribute", detail))
            for name in match.dropped_nodes:
                detail = f"{owner}: keypoint {name!r} is not in the project's skeleton"
                issues.append(Issue("unknown_keypoint", detail))
        return issues

    def undeclared_issues(self) -> list[Issue]:
        """Attribute keys objects used that neither schema declares, with how often."""
        return unknown_attribute_issues(self.unknown_attribute_values)

    def apply(self, doc: Annotation, skipped: Counter) -> tuple[Annotation, list[Issue]]:
        """The annotation in the project's ids; what is dropped is counted by reason in `skipped`
        and bad attribute values come back as issues."""
        if not doc.tags and not doc.relations and self._carries_over(doc):
            return doc, []
        issues: list[Issue] = []
        objects = []
        for obj in doc.objects:
            match = self.classes.get(obj.class_id)
            if match is None:
                skipped["unknown_class"] += 1
                continue
            objects.append(self._object(obj, match, skipped, issues))
        tags = self._mapped_tags(doc.tags, skipped)
        ids = {o.id for o in objects}
        relations = []
        for rel in doc.relations:
            type_id = self._relations.get(rel.type_id)
            if type_id and rel.subject in ids and rel.object in ids:
                relations.append(rel.model_copy(update={"type_id": type_id}))
            else:
                skipped["unknown_relation"] += 1
        mapped = doc.model_copy(update={"objects": objects, "tags": tags, "relations": relations})
        return mapped, issues

    def keeps(self, class_ids: Iterable[str]) -> bool:
        """Whether objects of these dataset classes, without attributes, carry over as they
        are (same class id, nothing to map)."""
        return self._unchanged.issuperset(class_ids)

    def _carries_over(self, doc: Annotation) -> bool:
        """Whether every object of `doc` carries over as it is (the common case, made cheap)."""
        unchanged = self._unchanged
        return all(o.class_id in unchanged and not o.attributes for o in doc.objects)

    def _object(
        self, obj: AnnotationObject, match: ClassMatch, skipped: Counter, issues: list[Issue]
    ) -> AnnotationObject:
        """One object under the project's class, attributes and skeleton."""
        update: dict[str, Any] = {}
        if match.target.id != obj.class_id:
            update["class_id"] = match.target.id
        if obj.attributes:
            attributes = self._attributes(obj, match, skipped, issues)
            if attributes != obj.attributes:
                update["attributes"] = attributes
        if match.nodes is not None and isinstance(obj.shape, Keypoints):
            dropped = sum(
                1 for j, p in enumerate(obj.shape.points) if p[2] > 0 and j not in match.nodes
            )
            if dropped:
                skipped["unknown_keypoint"] += dropped
            update["shape"] = match.keypoints(obj.shape)
        return obj.model_copy(update=update) if update else obj

    def _attributes(
        self, obj: AnnotationObject, match: ClassMatch, skipped: Counter, issues: list[Issue]
    ) -> dict[str, Any]:
        """An object's attribute values under the project's attribute ids."""
        result: dict[str, Any] = {}
        for key, value in obj.attributes.items():
            target, source = match.attribute(key)
            if target is None:
                skipped["unknown_attribute"] += 1
                if source is None:  # declared ones are in schema_issues already
                    self.unknown_attribute_values[(match.target.name, key)] += 1
                continue
            fitted = fit_value(target, source, value) if value is not None else None
            problem = target.value_problem(fitted) if fitted is not None else None
            if problem:
                skipped["bad_attribute_value"] += 1
                detail = f"object {quoted(obj.id)}: attribute {target.name!r}: {problem}; dropped"
                issues.append(Issue("bad_attribute_value", detail))
                continue
            result[target.id] = fitted
        return result

    def _mapped_tags(self, tags: dict[str, list[str]], skipped: Counter) -> dict[str, list[str]]:
        """Tags under the project's tag groups and options."""
        result: dict[str, list[str]] = {}
        for group_id, chosen in tags.items():
            group, options = self._tags.get(group_id, (None, {}))
            kept = [options[o] for o in chosen if o in options]
            if len(kept) < len(chosen):
                skipped["unknown_tag"] += len(chosen) - len(kept)
            if group and kept:
                result[group] = kept
        return result


def _tag_map(source: LabelSchema, target: LabelSchema) -> dict[str, tuple[str, dict[str, str]]]:
    """Dataset tag group id -> (project tag group id, dataset option id -> project option id)."""
    groups = {_fold(g.name): g for g in target.tag_groups}
    result = {}
    for group in source.tag_groups:
        found = groups.get(_fold(group.name))
        if found is not None:
            options = {_fold(o.name): o.id for o in found.options}
            mapped = {o.id: options.get(_fold(o.name)) for o in group.options}
            result[group.id] = (found.id, {k: v for k, v in mapped.items() if v})
    return result


def unknown_attribute_issues(counts: Counter[tuple[str, str]]) -> list[Issue]:
    """An issue per (class name, attribute key) no schema declares, with how often it came."""
    return [
        Issue(
            "unknown_attribute",
            f"class {class_name!r}: attribute {key!r} is not in the project's schema "
            f"({count} value{'s' * (count != 1)} skipped)",
        )
        for (class_name, key), count in sorted(counts.items())
    ]
