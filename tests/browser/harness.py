"""A real Labelwright server for browser tests: data made through the services, then served."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from labelwright.config import Settings
from labelwright.domain.roles import ProjectRole
from labelwright.services import projects, users
from labelwright.services.context import Context
from labelwright.services.intake import import_paths
from labelwright.services.schema_edits import update_schema
from tests.conftest import write_image

PASSWORD = "a long enough password"
IMAGE_W, IMAGE_H = 320, 240

SCHEMA = {
    "classes": [
        {
            "id": "car",
            "name": "Car",
            "color": "#e6194b",
            "hotkey": "c",
            "shape_kinds": ["bbox", "polygon", "rotated_box", "polyline", "points", "ellipse"],
            "attributes": [
                {"id": "parked", "name": "Parked", "type": "checkbox"},
                {"id": "make", "name": "Make", "type": "text"},
            ],
        },
        {
            "id": "truck",
            "name": "Truck <b>big</b>",
            "color": "#3cb44b",
            "shape_kinds": ["bbox", "polygon"],
        },
        {
            "id": "person",
            "name": "Person",
            "color": "#4363d8",
            "shape_kinds": ["keypoints"],
            "skeleton": {"nodes": ["head", "left hand", "right hand"], "edges": [[0, 1], [0, 2]]},
        },
        {"id": "road", "name": "Road", "color": "#f58231", "shape_kinds": ["mask"]},
    ],
    "tag_groups": [
        {
            "id": "weather",
            "name": "Weather",
            "options": [{"id": "sunny", "name": "Sunny"}, {"id": "rainy", "name": "Rainy"}],
        }
    ],
    "relation_types": [{"id": "tows", "name": "tows"}],
}


def free_port() -> int:
    """An unused TCP port on loopback."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Site:
    """The running server, its projects and an annotator's API token."""

    url: str
    editor_project: int
    queue_project: int
    items: list[int]
    token: str
    username: str = "annotator"
    used: list[int] = field(default_factory=list)

    def fresh_item(self) -> int:
        """An item no other test of this session has touched."""
        item = self.items[len(self.used)]
        self.used.append(item)
        return item

    def api(self, method: str, path: str, **kw) -> httpx.Response:
        """Call the API as the annotator."""
        headers = {"Authorization": f"Bearer {self.token}", **kw.pop("headers", {})}
        return httpx.request(method, f"{self.url}{path}", headers=headers, timeout=10, **kw)

    def annotation(self, item_id: int, project_id: int | None = None) -> dict:
        """The annotator's current annotation of an item."""
        project = project_id or self.editor_project
        response = self.api("GET", f"/api/projects/{project}/items/{item_id}/annotation")
        response.raise_for_status()
        return response.json()


def build_site(data_dir: Path, item_count: int) -> tuple[Settings, dict]:
    """Users, a project with the test schema and images, and a small queue project."""
    settings = Settings.from_env(data_dir=data_dir)
    ctx = Context.open(settings)
    try:
        with ctx.db.session() as sess:
            admin = users.create_user(sess, "admin", PASSWORD, is_admin=True)
            annotator = users.create_user(sess, "annotator", PASSWORD)
            token = users.issue_token(sess, annotator, kind="api", name="browser tests")
            editor = projects.create_project(sess, "Editor tests", creator=admin)
            queue = projects.create_project(sess, "Queue tests", creator=admin)
            for project in (editor, queue):
                projects.set_member(sess, project, annotator, ProjectRole.annotator)
            ids = {"editor": editor.id, "queue": queue.id, "admin": admin.id}
        admin = _admin(ctx, ids["admin"])
        for key in ("editor", "queue"):
            update_schema(ctx, admin, ids[key], SCHEMA, expected_version=0)
        src = data_dir.parent / "images"
        paths = [
            write_image(src / f"img{i:02d}.png", IMAGE_W, IMAGE_H, seed=i)
            for i in range(item_count)
        ]
        report = import_paths(ctx, ids["editor"], paths)
        queue_paths = [
            write_image(src / f"q{i}.png", IMAGE_W, IMAGE_H, seed=100 + i) for i in range(2)
        ]
        import_paths(ctx, ids["queue"], queue_paths)
        items = sorted(a["item_id"] for a in report.added)
    finally:
        ctx.close()
    return settings, {**ids, "items": items, "token": token}


def _admin(ctx: Context, admin_id: int):
    with ctx.db.session() as sess:
        user = users.get_user(sess, admin_id)
        sess.expunge(user)
        return user


class Server:
    """`labelwright serve` in a child process on loopback."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """The server's base URL."""
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        """Start the process and wait until it answers."""
        env = {**os.environ, "LABELWRIGHT_DATA_DIR": str(self.data_dir)}
        env.pop("LABELWRIGHT_DATABASE_URL", None)
        cmd = [sys.executable, "-m", "labelwright.cli.main", "serve", "--port", str(self.port)]
        self.proc = subprocess.Popen(
            cmd,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}")
            try:
                if httpx.get(f"{self.url}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"server did not start on {self.url}")

    def stop(self) -> None:
        """Terminate the server's process group."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
            self.proc = None
