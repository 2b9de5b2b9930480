"""API fixtures: the real app in-process, accounts for every role, and request helpers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from labelwright.api.app import create_app
from labelwright.domain.roles import ProjectRole
from labelwright.services import projects, users
from labelwright.services.context import Context
from labelwright.services.intake import import_paths
from tests.conftest import write_image

PASSWORD = "a long enough password"
ROLES = ["manager", "annotator", "reviewer", "client"]


@dataclass
class Api:
    """A client over the app, with a project, an item and a bearer token per role."""

    client: TestClient
    ctx: Context
    project_id: int
    item_id: int
    tokens: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)

    def as_(self, who: str) -> dict[str, str]:
        """Headers that authenticate as 'admin', a role name, or 'outsider' ('anon': none)."""
        return {} if who == "anon" else {"Authorization": f"Bearer {self.tokens[who]}"}

    def get(self, url: str, who: str = "admin", **kw):
        """GET as someone."""
        return self.client.get(url, headers={**self.as_(who), **kw.pop("headers", {})}, **kw)

    def request(self, method: str, url: str, who: str = "admin", **kw):
        """Any request as someone."""
        return self.client.request(
            method, url, headers={**self.as_(who), **kw.pop("headers", {})}, **kw
        )


def build_api(ctx: Context, tmp_path: Path) -> Api:
    """Accounts for every role, a project with one imported image, and the outsider elsewhere."""
    tokens, ids = {}, {}
    with ctx.db.session() as sess:
        for who in ["admin", *ROLES, "outsider"]:
            user = users.create_user(sess, who, PASSWORD, is_admin=who == "admin")
            tokens[who] = users.issue_token(sess, user, kind="api", name="tests")
            ids[who] = user.id
        admin = users.get_user(sess, ids["admin"])
        project = projects.create_project(sess, "Main", creator=admin)
        other = projects.create_project(sess, "Other", creator=admin)
        for role in ROLES:
            projects.set_member(sess, project, users.get_user(sess, ids[role]), ProjectRole(role))
        projects.set_member(sess, other, users.get_user(sess, ids["outsider"]), ProjectRole.manager)
        project_id = project.id
    report = import_paths(ctx, project_id, [write_image(tmp_path / "src" / "first.png")])
    client = TestClient(create_app(ctx))
    return Api(client, ctx, project_id, report.added[0]["item_id"], tokens, ids)


@pytest.fixture
def api(ctx: Context, tmp_path: Path) -> Iterator[Api]:
    """The API on SQLite."""
    made = build_api(ctx, tmp_path)
    with made.client:
        yield made


@pytest.fixture
def any_api(any_ctx: Context, tmp_path: Path) -> Iterator[Api]:
    """The API on SQLite and on PostgreSQL."""
    made = build_api(any_ctx, tmp_path)
    with made.client:
        yield made
