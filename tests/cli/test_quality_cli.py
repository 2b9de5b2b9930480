"""`labelwright check` and `labelwright report` over a small labeled project."""

from __future__ import annotations

from labelwright.config import Settings
from labelwright.domain.schema import LabelClass, LabelSchema
from labelwright.services import annotations, projects
from labelwright.services.context import Context
from labelwright.services.labelschema import append_schema
from labelwright.services.setup import ensure_admin
from tests.cli.test_cli import lw  # noqa: F401  (the fixture)
from tests.conftest import write_image

SCHEMA = LabelSchema(
    classes=[LabelClass(id="car", name="Car", color="#ff0000", shape_kinds=["bbox"])]
)


def _labeled(tmp_path, lw) -> None:  # noqa: F811
    lw("project", "create", "[red]cars")
    write_image(tmp_path / "in" / "[bold]a.png", 96, 64)
    lw("import", "[red]cars", str(tmp_path / "in"))
    ctx = Context.open(Settings.from_env(tmp_path / "data"))
    ensure_admin(ctx)
    with ctx.db.session() as sess:
        from sqlalchemy import select

        from labelwright.store.tables import Item, User

        admin = sess.scalar(select(User).where(User.is_admin.is_(True)))
        project = projects.find_project(sess, "[red]cars")
        append_schema(sess, project.id, SCHEMA, 1, admin)
        item_id = sess.scalar(select(Item.id).where(Item.project_id == project.id))
        project_id = project.id
    tiny = {
        "id": "t1",
        "class_id": "car",
        "shape": {"kind": "bbox", "x": 5, "y": 5, "w": 2, "h": 2},
    }
    annotations.save(ctx, admin, project_id, item_id=item_id, body={"objects": [tiny]}, expected=0)


def test_check_lists_findings_with_user_text_shown_literally(lw, tmp_path):  # noqa: F811
    _labeled(tmp_path, lw)
    result = lw("check", "[red]cars")
    assert result.exit_code == 0, result.output
    assert "min_box_size" in result.output and "[bold]a.png" in result.output


def test_report_prints_the_team_table(lw, tmp_path):  # noqa: F811
    _labeled(tmp_path, lw)
    result = lw("report", "[red]cars")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("[red]cars: annotating 1")
