"""`labelwright export` and `labelwright import --format`, end to end on a data dir."""

from __future__ import annotations

import json

from sqlalchemy import select

from labelwright.config import Settings
from labelwright.services import annotations, projects
from labelwright.services.context import Context
from labelwright.services.labelschema import append_schema
from labelwright.store.tables import Item, User
from tests.cli.test_cli import lw  # noqa: F401 - the fixture
from tests.conftest import write_image
from tests.services.test_datasets import BODIES, SCHEMA


def _label_project(data_dir) -> None:
    """Give project Cars its schema and save one annotation per item, as the admin."""
    ctx = Context.open(Settings.from_env(data_dir))
    try:
        with ctx.db.session() as sess:
            admin = sess.scalar(select(User).where(User.is_admin.is_(True)))
            project = projects.find_project(sess, "Cars")
            append_schema(sess, project.id, SCHEMA, 1, admin)
        with ctx.db.session() as sess:
            items = {i.file_name: i.id for i in sess.scalars(select(Item))}
        for name, objects in BODIES.items():
            body = {"objects": objects, "tags": {}, "relations": []}
            annotations.save(ctx, admin, project.id, item_id=items[name], body=body, expected=0)
    finally:
        ctx.close()


def flat(output: str) -> str:
    """The output with Rich's line wrapping undone."""
    return " ".join(output.split())


def test_export_and_import_round_trip(lw, tmp_path):  # noqa: F811
    source = tmp_path / "images"
    for seed, name in enumerate(BODIES):
        write_image(source / name, seed=seed)
    assert lw("project", "create", "Cars").exit_code == 0
    assert lw("import", "Cars", str(source), "--workers", "1").exit_code == 0
    _label_project(tmp_path / "data")
    out = tmp_path / "export"
    result = lw("export", "Cars", "--format", "native", "--out", str(out), "--split", "0.67,0.33")
    assert result.exit_code == 0, result.output
    assert "3 images, 5 objects" in result.output and "Person" in result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert sum(manifest["per_split"].values()) == 3
    assert lw("project", "create", "Copy").exit_code == 0
    imported = lw("import", "Copy", str(out), "--format", "auto")
    assert imported.exit_code == 0, imported.output
    assert "3 images added" in imported.output and "3 annotations written" in imported.output
    predicted = lw("import", "Copy", str(out), "--format", "native", "--as-predictions", "m1")
    assert predicted.exit_code == 0 and "3 predictions written" in predicted.output


def test_clear_errors(lw, tmp_path):  # noqa: F811
    assert lw("project", "create", "Cars").exit_code == 0
    unknown = lw("export", "Cars", "--format", "tiff", "--out", str(tmp_path / "o"))
    assert unknown.exit_code == 1 and "available: coco" in flat(unknown.output)
    bad_split = lw(
        "export", "Cars", "--format", "coco", "--out", str(tmp_path / "o"), "--split", "x"
    )
    assert bad_split.exit_code == 1 and "--split" in bad_split.output
    bad_state = lw("export", "Cars", "--format", "coco", "--out", "o", "--state", "finished")
    assert bad_state.exit_code == 1 and "finished" in bad_state.output
    folder = tmp_path / "ds"
    folder.mkdir()
    undetected = lw("import", "Cars", str(folder), "--format", "auto")
    assert undetected.exit_code == 1 and "no format recognises" in flat(undetected.output)
    stray = lw("import", "Cars", str(folder), "--as-predictions", "m")
    assert stray.exit_code == 1 and "--format" in stray.output
