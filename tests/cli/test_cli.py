"""The labelwright command on an empty data dir, end to end."""

from __future__ import annotations

import subprocess
import sys
import zipfile

import pytest
from typer.testing import CliRunner

from labelwright.cli.main import app
from tests.conftest import write_image

runner = CliRunner()


@pytest.fixture
def lw(tmp_path, monkeypatch):
    """Run the CLI against a data dir of this test's own."""
    monkeypatch.setenv("LABELWRIGHT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LABELWRIGHT_DATABASE_URL", raising=False)
    monkeypatch.delenv("LABELWRIGHT_STORAGE_URL", raising=False)

    def run(*args: str, input: str | None = None):
        result = runner.invoke(app, list(args), input=input)
        return result

    return run


def test_init_prints_admin_once(lw, tmp_path):
    first = lw("init")
    assert first.exit_code == 0 and "admin" in first.output
    password = first.output.split("admin / ")[1].split()[0]
    assert password in (tmp_path / "data" / "initial-admin.txt").read_text()
    assert "Already initialised" in lw("init").output


def test_demo_loads_real_and_generated_images(lw):
    result = lw("demo")
    assert result.exit_code == 0, result.output
    assert "'added': 12" in result.output and "'rejected': 0" in result.output
    assert "already present" in lw("demo").output
    shown = lw("project", "show", "Demo")
    assert "new 12" in shown.output


def test_demo_is_ready_to_label(lw, tmp_path):
    from labelwright.config import Settings
    from labelwright.services.context import Context
    from labelwright.services.labelschema import current_guidelines, current_schema

    lw("demo")
    ctx = Context.open(Settings.from_env(tmp_path / "data"))
    with ctx.db.session(readonly=True) as sess:
        schema = current_schema(sess, 1).schema
        guidelines = current_guidelines(sess, 1)
    assert [c.name for c in schema.classes] == ["Person", "Face", "Animal", "Vehicle", "Object"]
    assert schema.class_by_id("face").skeleton.symmetric_pairs == [(0, 1)]
    assert guidelines is not None and "relation" in guidelines.text


def test_users_projects_roles(lw):
    assert lw("project", "create", "Cats").exit_code == 0
    made = lw("user", "create", "ann", "--password", "long enough pw")
    assert made.exit_code == 0, made.output
    assert "ann" in lw("user", "list").output
    assert lw("user", "set-role", "ann", "Cats", "annotator").exit_code == 0
    assert "annotator" in lw("project", "show", "Cats").output
    bad = lw("user", "set-role", "ann", "Cats", "boss")
    assert bad.exit_code == 1 and "boss" in bad.output
    missing = lw("user", "set-role", "ann", "Dogs", "annotator")
    assert missing.exit_code == 1 and "Dogs" in missing.output
    dup = lw("user", "create", "ann", "--password", "long enough pw")
    assert dup.exit_code == 1 and "taken" in dup.output


def test_import_folder_archive_and_bad_files(lw, tmp_path):
    src = tmp_path / "incoming"
    for i in range(3):
        write_image(src / "sub" / f"img{i}.jpg", seed=i)
    write_image(src / "copy.jpg", seed=0)  # same bytes as sub/img0.jpg
    (src / "notes.jpg").write_text("not a picture")
    archive = tmp_path / "more.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(write_image(tmp_path / "z.png", seed=9), "z.png")
    lw("project", "create", "Cats")
    result = lw("import", "Cats", str(src), str(archive), "--workers", "1")
    assert result.exit_code == 0, result.output
    assert "4 added" in result.output and "1 duplicates" in result.output
    assert "1 rejected" in result.output and "notes.jpg" in result.output
    assert lw("import", "1", str(tmp_path / "nope")).exit_code == 1


def test_help_does_not_import_heavy_modules():
    code = (
        "import sys; from labelwright.cli.main import app; "
        "heavy = {'PIL', 'numpy', 'sqlalchemy', 'fastapi', 'cv2', 'onnxruntime'}; "
        "heavy &= set(sys.modules); "
        "print(sorted(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
