"""Without a headless OpenGL context: a clear error naming what to install, nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from labelwright.services import synthesis
from labelwright.store.tables import Job
from labelwright.synth import render
from labelwright.synth.errors import RenderUnavailable
from labelwright.synth.generate import generate
from labelwright.synth.recipe_files import parse_recipe
from tests.services.test_datasets import make_project, make_user

# A size no other test renders at, so no cached renderer exists for it.
RECIPE = {"objects": [{"class": "A", "primitive": {"type": "box"}}], "image": {"width": 37}}


@pytest.fixture
def no_egl(monkeypatch):
    """Make every new GL context fail as it does on a machine without EGL."""

    def refuse():
        raise RenderUnavailable(
            f"no headless OpenGL 4.5 context (eglInitialize failed); on Debian/Ubuntu "
            f"install {render.APT_PACKAGES}"
        )

    monkeypatch.setattr(render, "create_context", refuse)


@pytest.mark.usefixtures("no_egl")
def test_generating_says_what_to_install():
    with pytest.raises(RenderUnavailable, match="install libegl1 libgl1"):
        list(generate(parse_recipe(RECIPE), 0, 1))


@pytest.mark.usefixtures("no_egl")
def test_the_service_reports_rendering_unavailable(ctx, tmp_path):
    admin = make_user(ctx, "boss", admin=True)
    project_id = make_project(ctx, admin, "Boxes", None)
    with pytest.raises(synthesis.RenderingUnavailable, match="libegl-mesa0") as caught:
        synthesis.synthesize_into_project(ctx, admin, project_id, parse_recipe(RECIPE), count=1)
    assert caught.value.status == 503
    with pytest.raises(synthesis.RenderingUnavailable):
        synthesis.synthesize_to_folder(
            ctx, admin, parse_recipe(RECIPE), tmp_path / "out", "coco", count=1
        )
    assert not (tmp_path / "out").exists()
    with ctx.db.session(readonly=True) as sess:
        assert sess.scalar(select(func.count()).select_from(Job)) == 0
