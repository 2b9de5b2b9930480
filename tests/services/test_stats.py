"""Project progress figures: per state, per class (from the class index), per annotator."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select

from labelwright.domain.roles import ProjectRole
from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.services import annotations, projects, stats, users
from labelwright.services.context import Context
from labelwright.services.errors import NotFound
from labelwright.services.intake import import_paths
from labelwright.services.labelschema import append_schema
from labelwright.services.stats import StatsScope
from labelwright.store.tables import Annotation, AnnotationClass, User
from tests.conftest import write_image

CAR = LabelClass(id="car", name="Car", color="#ff0000", shape_kinds=["bbox"])
PERSON = LabelClass(id="person", name="Person", color="#00ff00", shape_kinds=["bbox"])
SIGN = LabelClass(id="sign", name="Sign", color="#0000ff", shape_kinds=["bbox"])


def box(object_id: str, class_id: str, x: float = 1) -> dict:
    """A small box object."""
    return {
        "id": object_id,
        "class_id": class_id,
        "shape": {"kind": "bbox", "x": x, "y": 1, "w": 5, "h": 5},
    }


@dataclass
class Team:
    """A project with three images and a member per role."""

    ctx: Context
    project_id: int
    items: list[int]
    people: dict[str, User]


@pytest.fixture
def team(any_ctx: Context, tmp_path: Path) -> Team:
    people = {}
    with any_ctx.db.session() as sess:
        for name in ("boss", "ann", "bob", "rita", "carla", "stranger"):
            people[name] = users.create_user(
                sess, name, "a long enough password", is_admin=name == "boss"
            )
        project = projects.create_project(sess, "Streets", creator=people["boss"])
        roles = {"ann": "annotator", "bob": "annotator", "rita": "reviewer", "carla": "client"}
        for name, role in roles.items():
            projects.set_member(sess, project, people[name], ProjectRole(role))
        append_schema(sess, project.id, LabelSchema(classes=[CAR, PERSON, SIGN]), 1, people["boss"])
        project_id = project.id
    files = [write_image(tmp_path / f"{n}.png", seed=n) for n in range(3)]
    report = import_paths(any_ctx, project_id, files)
    items = sorted(row["item_id"] for row in report.added)
    return Team(any_ctx, project_id, items, people)


def save(team: Team, who: str, item_id: int, objects: list[dict], expected: int = 0) -> None:
    """Save `who`'s annotation of an item."""
    annotations.save(
        team.ctx,
        team.people[who],
        team.project_id,
        item_id=item_id,
        body={"objects": objects},
        expected=expected,
    )


def figures(team: Team, who: str) -> stats.ProjectStats:
    with team.ctx.db.session(readonly=True) as sess:
        return stats.project_stats(sess, team.people[who], team.project_id)


def test_empty_project_lists_every_schema_class_with_zeros(team):
    result = figures(team, "boss")
    assert result.scope == StatsScope.everyone
    assert result.items == 3 and result.states == {"new": 3}
    assert [(c.class_id, c.name, c.color, c.objects, c.items) for c in result.classes] == [
        ("car", "Car", "#ff0000", 0, 0),
        ("person", "Person", "#00ff00", 0, 0),
        ("sign", "Sign", "#0000ff", 0, 0),
    ]
    assert result.annotators == []


def test_counts_objects_and_items_per_class_and_work_per_annotator(team):
    first, second, third = team.items
    save(team, "ann", first, [box("a", "car"), box("b", "car", 10), box("c", "person")])
    save(team, "ann", second, [box("a", "car")])
    save(team, "bob", first, [box("a", "person"), box("b", "person", 10)])
    save(team, "bob", third, [])
    with team.ctx.db.session() as sess:
        mine = sess.scalar(
            select(Annotation).where(
                Annotation.item_id == first, Annotation.user_id == team.people["ann"].id
            )
        )
        mine.submitted = True
    result = figures(team, "rita")
    by_class = {c.class_id: (c.objects, c.items) for c in result.classes}
    assert by_class == {"car": (3, 2), "person": (3, 1), "sign": (0, 0)}
    rows = [(a.username, a.items, a.submitted, a.objects) for a in result.annotators]
    assert rows == [("ann", 2, 1, 4), ("bob", 2, 0, 2)]
    assert result.states == {"annotating": 3}


def test_a_new_revision_replaces_the_counts_of_the_old_one(team):
    save(team, "ann", team.items[0], [box("a", "car"), box("b", "car", 10)])
    save(team, "ann", team.items[0], [box("a", "sign")], expected=1)
    by_class = {c.class_id: (c.objects, c.items) for c in figures(team, "boss").classes}
    assert by_class == {"car": (0, 0), "person": (0, 0), "sign": (1, 1)}
    assert [(a.items, a.objects) for a in figures(team, "boss").annotators] == [(1, 1)]


def test_annotators_see_only_their_own_work(team):
    save(team, "ann", team.items[0], [box("a", "car")])
    save(team, "bob", team.items[0], [box("a", "person"), box("b", "person", 10)])
    result = figures(team, "bob")
    assert result.scope == StatsScope.own
    assert {c.class_id: c.objects for c in result.classes} == {"car": 0, "person": 2, "sign": 0}
    assert [a.username for a in result.annotators] == ["bob"]


def test_clients_see_class_totals_but_nobody_s_personal_figures(team):
    save(team, "ann", team.items[0], [box("a", "car")])
    save(team, "bob", team.items[1], [box("a", "car")])
    result = figures(team, "carla")
    assert result.scope == StatsScope.classes
    assert {c.class_id: c.objects for c in result.classes}["car"] == 2
    assert result.annotators == []


def test_classes_missing_from_the_schema_are_listed_after_it(team):
    save(team, "ann", team.items[0], [box("a", "car")])
    with team.ctx.db.session() as sess:
        row = sess.scalar(select(AnnotationClass).where(AnnotationClass.class_id == "car"))
        sess.add(
            AnnotationClass(
                annotation_id=row.annotation_id,
                class_id="old-truck",
                project_id=row.project_id,
                item_id=row.item_id,
                count=4,
            )
        )
    result = figures(team, "boss")
    assert [c.class_id for c in result.classes] == ["car", "person", "sign", "old-truck"]
    extra = result.classes[-1]
    assert (extra.name, extra.color, extra.objects, extra.items, extra.in_schema) == (
        "old-truck",
        "",
        4,
        1,
        False,
    )


def test_outsiders_learn_nothing(team):
    with pytest.raises(NotFound):
        figures(team, "stranger")
