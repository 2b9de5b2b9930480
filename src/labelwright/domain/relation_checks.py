"""Checks of an annotation's relations and image-level tags against the schema."""

from collections import Counter

from labelwright.domain.findings import Finding, quoted
from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation


def relation_problems(annotation: Annotation, schema: LabelSchema) -> list[Finding]:
    """Report relations of unknown types, to missing objects, or between disallowed classes."""
    findings: list[Finding] = []
    objects = {o.id: o for o in annotation.objects}
    types = {t.id: t for t in schema.relation_types}
    for relation_id, n in Counter(r.id for r in annotation.relations).items():
        if n > 1:
            findings.append(("relations", f"relation id {quoted(relation_id)} is used {n} times"))
    for index, relation in enumerate(annotation.relations):
        field = f"relations[{index}]"
        name = f"relation {quoted(relation.id)}"
        relation_type = types.get(relation.type_id)
        if relation_type is None:
            message = f"{name}: relation type {quoted(relation.type_id)} is not in the schema"
            findings.append((f"{field}.type_id", message))
        if relation.subject == relation.object:
            findings.append((field, f"{name}: links object {quoted(relation.subject)} to itself"))
        for end, allowed in (
            ("subject", relation_type.subject_class_ids if relation_type else None),
            ("object", relation_type.object_class_ids if relation_type else None),
        ):
            object_id = getattr(relation, end)
            target = objects.get(object_id)
            if target is None:
                message = f"{name}: {end} {quoted(object_id)} is not an object of this annotation"
                findings.append((f"{field}.{end}", message))
            elif allowed is not None and target.class_id not in allowed:
                message = (
                    f"{name}: {end} {quoted(object_id)} has class {quoted(target.class_id)}, "
                    f"which {quoted(relation_type.name)} relations do not allow"
                )
                findings.append((f"{field}.{end}", message))
    return findings


def tag_problems(tags: dict[str, list[str]], schema: LabelSchema) -> list[Finding]:
    """Report tags naming unknown groups or options, or several in a single-choice group."""
    findings: list[Finding] = []
    groups = {g.id: g for g in schema.tag_groups}
    for group_id, chosen in tags.items():
        field = f"tags.{group_id}"
        group = groups.get(group_id)
        if group is None:
            findings.append((field, f"tag group {quoted(group_id)} is not in the schema"))
            continue
        options = {o.id for o in group.options}
        for option_id in chosen:
            if option_id not in options:
                message = f"tag group {quoted(group.name)} has no option {quoted(option_id)}"
                findings.append((field, message))
        if len(set(chosen)) != len(chosen):
            findings.append((field, f"tag group {quoted(group.name)} repeats an option"))
        if not group.multiple and len(set(chosen)) > 1:
            message = f"tag group {quoted(group.name)} allows one option; {len(chosen)} chosen"
            findings.append((field, message))
    return findings
