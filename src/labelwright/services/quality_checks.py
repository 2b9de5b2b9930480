"""Likely label errors in a project: rule checks, and disagreements with model predictions.

Rules come from the schema and the project's `checks` settings (minimum box size,
forbidden overlaps, object counts, …); model-based findings compare each item's chosen
annotation with the newest predictions of a model. Both are ranked into one list whose
entries name the item (and object) so the UI and CLI can link straight to it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, fields
from typing import Any

from sqlalchemy import select

from labelwright.domain.roles import ProjectRole
from labelwright.domain.shapes import Annotation as AnnotationDoc
from labelwright.domain.shapes import AnnotationObject
from labelwright.quality.label_errors import find_label_errors
from labelwright.quality.rules import RuleSettings, check_items
from labelwright.services import datasets, projects
from labelwright.services.consensus import CONSENSUS_MODEL
from labelwright.services.context import Context
from labelwright.services.errors import Invalid
from labelwright.services.labelschema import current_schema
from labelwright.store.tables import Image, Item, Prediction, User

CHECKERS = frozenset({ProjectRole.manager, ProjectRole.reviewer})
PAGE = 500
SEVERITY_RANK = {"error": 0, "warning": 1, "info": 2}


@dataclass(frozen=True)
class Finding:
    """One likely problem, with where to look."""

    item_id: int
    file_name: str
    object_id: str | None
    check: str
    """A rule name (`small_box`, …) or `model:<kind>` (wrong_class, missed, …)."""
    severity: str
    score: float
    message: str


def rule_settings(project_settings: dict[str, Any]) -> RuleSettings:
    """The project's `checks` settings as RuleSettings (unknown keys are an error)."""
    given = dict((project_settings or {}).get("checks") or {})
    known = {f.name for f in fields(RuleSettings)}
    unknown = sorted(set(given) - known)
    if unknown:
        raise Invalid(
            f"unknown check settings: {', '.join(unknown)} (known: {', '.join(sorted(known))})"
        )
    if "forbidden_overlaps" in given:
        given["forbidden_overlaps"] = tuple(tuple(pair) for pair in given["forbidden_overlaps"])
    if "class_count_limits" in given:
        given["class_count_limits"] = {k: tuple(v) for k, v in given["class_count_limits"].items()}
    try:
        return RuleSettings(**given)
    except (TypeError, ValueError) as exc:
        raise Invalid(f"check settings: {exc}") from None


def _labeled_pages(ctx: Context, project_id: int) -> Iterator[list[tuple[Item, Image, dict]]]:
    """Items that have a saved annotation, with their image and chosen body, a page at a time."""
    last = 0
    while True:
        with ctx.db.session(readonly=True) as sess:
            rows = sess.execute(
                select(Item, Image)
                .join(Image, Image.id == Item.image_id)
                .where(Item.project_id == project_id, Item.id > last)
                .order_by(Item.id)
                .limit(PAGE)
            ).all()
            if not rows:
                return
            last = rows[-1][0].id
            bodies = datasets.chosen_bodies(sess, [item.id for item, _ in rows])
        page = [(item, image, bodies[item.id]) for item, image in rows if item.id in bodies]
        if page:
            yield page


def _newest_predictions(ctx: Context, item_ids: list[int], model: str | None) -> dict[int, list]:
    """Per item, the objects of its newest prediction (of `model`, or of any real model)."""
    query = select(Prediction.item_id, Prediction.body).where(Prediction.item_id.in_(item_ids))
    query = (
        query.where(Prediction.model == model)
        if model
        else query.where(Prediction.model != CONSENSUS_MODEL)
    )
    found: dict[int, list] = {}
    with ctx.db.session(readonly=True) as sess:
        for item_id, body in sess.execute(query.order_by(Prediction.id.desc())):
            if item_id not in found:
                found[item_id] = [AnnotationObject.model_validate(o) for o in body["objects"]]
    return found


def find_problems(
    ctx: Context, user: User, project_id: int, *, model: str | None = None, limit: int = 1000
) -> list[Finding]:
    """Rule findings and model disagreements over the project, most serious first."""
    with ctx.db.session(readonly=True) as sess:
        project = projects.require(sess, user, project_id, CHECKERS).project
        schema = current_schema(sess, project_id).schema
        settings = rule_settings(project.settings)
    names: dict[int, str] = {}
    out: list[Finding] = []
    for page in _labeled_pages(ctx, project_id):
        docs = {item.id: AnnotationDoc.model_validate(body) for item, _, body in page}
        names.update({item.id: item.file_name for item, _, _ in page})
        sizes = {item.id: (image.width, image.height) for item, image, _ in page}
        rule_input = [(str(i), docs[i], sizes[i]) for i in docs]
        for f in check_items(rule_input, schema=schema, settings=settings):
            out.append(
                Finding(
                    int(f.item_id),
                    names[int(f.item_id)],
                    f.object_id,
                    f.rule,
                    f.severity,
                    f.score,
                    f.message,
                )
            )
        predicted = _newest_predictions(ctx, list(docs), model)
        if predicted:
            report = find_label_errors([(str(i), docs[i], predicted[i]) for i in predicted])
            for e in report.errors:
                item_id = int(e.item_id)
                out.append(
                    Finding(
                        item_id,
                        names[item_id],
                        e.object_id,
                        f"model:{e.kind}",
                        "warning",
                        e.score,
                        e.message,
                    )
                )
    out.sort(key=lambda f: (SEVERITY_RANK.get(f.severity, 3), -f.score, f.item_id))
    return out[: max(1, limit)]


def as_dict(finding: Finding) -> dict[str, Any]:
    """A finding as plain data (API and CLI)."""
    return asdict(finding)
