"""Review comments and the quality tab in Chromium: a reviewer pins a comment and rejects, the
annotator sees it and resolves it; the quality tab's charts and a finding that opens the editor
with its object selected."""

from __future__ import annotations

import io
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image

from tests.browser.editor_page import EditorPage
from tests.browser.harness import IMAGE_H, IMAGE_W, PASSWORD, Site

SCHEMA = {
    "classes": [
        {"id": "car", "name": "Car", "color": "#e6194b", "shape_kinds": ["bbox", "polygon"]},
    ]
}


def _png(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (IMAGE_W, IMAGE_H), (40 + seed * 50, 90, 120)).save(buf, "PNG")
    return buf.getvalue()


def box(object_id: str, x: float, y: float, w: float, h: float) -> dict:
    """A car box."""
    return {
        "id": object_id,
        "class_id": "car",
        "shape": {"kind": "bbox", "x": x, "y": y, "w": w, "h": h},
    }


@dataclass
class Team:
    """A project with a reviewer and two items the annotator submitted (one with a tiny box)."""

    site: Site
    project_id: int
    reviewed: int
    flagged: int
    reviewer: str
    contexts: list
    call: Callable[..., Any]

    def page(self, username: str) -> object:
        """A new signed-in page that records console errors in `page.errors`."""
        context = self.contexts[0].browser.new_context(viewport={"width": 1280, "height": 800})
        self.contexts.append(context)
        login = context.request.post(
            f"{self.site.url}/api/auth/login", data={"username": username, "password": PASSWORD}
        )
        assert login.ok, login.text()
        page = context.new_page()
        page.set_default_timeout(8000)
        page.errors = []
        page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: page.errors.append(str(e)))
        return page


@pytest.fixture(scope="module")
def team(browser, site: Site) -> Iterator[Team]:
    admin = browser.new_context()
    login = admin.request.post(
        f"{site.url}/api/auth/login", data={"username": "admin", "password": PASSWORD}
    )
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}

    def call(method: str, path: str, **kw):
        response = admin.request.fetch(
            f"{site.url}{path}", method=method, headers={**csrf, **kw.pop("headers", {})}, **kw
        )
        assert response.ok, f"{method} {path}: {response.status} {response.text()}"
        return response.json() if response.text() else None

    project_id = call("POST", "/api/projects", data={"name": f"Quality {uuid.uuid4().hex[:8]}"})[
        "id"
    ]
    base = f"/api/projects/{project_id}"
    call("PUT", f"{base}/schema", data={"schema": SCHEMA}, headers={"If-Match": '"rev-0"'})
    items = []
    for n in range(2):
        file = {"name": f"q{n}.png", "mimeType": "image/png", "buffer": _png(n)}
        added = call("POST", f"{base}/uploads", multipart={"files": file})["added_files"]
        items.append(added[0]["item_id"])
    reviewer = f"reviewer-{uuid.uuid4().hex[:6]}"
    call("POST", "/api/users", data={"username": reviewer, "password": PASSWORD})
    call("PUT", f"{base}/members/{reviewer}", data={"role": "reviewer"})
    call("PUT", f"{base}/members/annotator", data={"role": "annotator"})

    bodies = [
        [box("b1", 60, 50, 120, 90)],
        [box("big", 20, 20, 100, 80), box("tiny", 200, 150, 2, 2)],
    ]
    for item_id, objects in zip(items, bodies, strict=True):
        lease = site.api("POST", f"{base}/queue/next?kind=annotate").json()
        assert lease["item_id"] == item_id
        site.api(
            "PUT",
            f"{base}/items/{item_id}/annotation",
            json={"objects": objects},
            headers={"If-Match": '"rev-0"'},
        ).raise_for_status()
        site.api("POST", f"{base}/assignments/{lease['assignment_id']}/submit").raise_for_status()
    made = Team(site, project_id, items[0], items[1], reviewer, [admin], call)
    yield made
    for context in made.contexts:
        context.close()


def _no_errors(page, *expected: str) -> None:
    unexpected = [e for e in page.errors if not any(x in e for x in expected)]
    assert not unexpected, f"console errors: {unexpected}"


def test_reviewer_pins_a_comment_and_the_annotator_resolves_it(team: Team, page, site: Site):
    review = team.page(team.reviewer)
    review.goto(f"{site.url}/#/projects/{team.project_id}/review")
    ed = EditorPage(review, site, team.reviewed, team.project_id)
    ed.wait_loaded()
    review.wait_for_selector(".comments-panel")
    review.click("[data-comment-mode='pin']")
    ed.click(150, 100)
    review.fill(".comment-composer textarea", "The box misses the <b>bumper</b>")
    review.click(".comment-composer [type=submit]")
    review.wait_for_selector(".comment-row[data-status='open']")
    assert review.locator(".comment-layer .comment-point.is-open").count() == 1
    review.once("dialog", lambda d: d.accept("Box too tight"))
    review.click("[data-action='reject']")
    review.wait_for_selector(".editor-title:has-text('q1.png')")  # the next item to review
    _no_errors(review)

    base = f"/api/projects/{team.project_id}"
    [comment] = site.api("GET", f"{base}/items/{team.reviewed}/comments").json()
    assert comment["anchor"]["kind"] == "point"
    assert abs(comment["anchor"]["x"] - 150) < 2 and abs(comment["anchor"]["y"] - 100) < 2

    page.goto(f"{site.url}/#/projects/{team.project_id}/label")
    mine = EditorPage(page, site, team.reviewed, team.project_id)
    mine.wait_loaded()
    panel = page.locator(".comments-panel.attention")
    panel.wait_for()
    assert "Box too tight" in panel.locator(".comment-attention").inner_text()
    assert panel.locator(".comment-body").inner_text() == "The box misses the <b>bumper</b>"
    assert panel.locator(".comment-body b").count() == 0, "comments are text, never HTML"
    assert page.locator(".editor-side > .comments-panel").first.is_visible()
    assert page.locator(".comment-layer .comment-point.is-open").count() == 1
    panel.locator("[data-action='resolve']").click()
    page.wait_for_selector(".comment-row[data-status='resolved']")
    assert (
        site.api("GET", f"{base}/items/{team.reviewed}/comments").json()[0]["status"] == "resolved"
    )
    assert page.locator(".comment-layer .comment-point.is-resolved").count() == 1

    page.mouse.move(300, 300)
    page.keyboard.press("Control+Enter")  # submit: the editing time goes with a last heartbeat
    page.wait_for_selector(".editor-title:not(:has-text('q0.png'))")
    report = team.call("GET", f"{base}/quality/report")
    [annotator] = [p for p in report["people"] if p["username"] == "annotator"]
    assert annotator["active_hours"] > 0, "the editor reported active time"


def test_quality_tab_charts_and_a_finding_that_opens_the_editor_on_its_object(team: Team):
    page = team.page("admin")
    page.goto(f"{team.site.url}/#/projects/{team.project_id}?tab=quality")
    page.wait_for_selector(".quality-panel svg.day-chart .day-group", state="attached")
    heights = page.eval_on_selector_all(
        ".day-chart .day-bar", "bars => bars.map(b => Number(b.getAttribute('height')))"
    )
    assert len(heights) == 3 and max(heights) > 0, "one day: submitted, accepted, rejected"
    assert page.locator('.tab[aria-current="page"]').text_content() == "Quality"
    row = page.locator(".quality-table tbody tr", has_text="annotator")
    assert row.count() == 1
    assert row.locator("svg.cell-bar").count() == 5
    page.wait_for_selector(".findings-table tbody tr")
    finding = page.locator(".findings-table tbody tr[data-object-id='tiny']")
    assert finding.count() == 1
    assert "Small object" in finding.inner_text()
    assert "q1.png" in finding.inner_text()
    finding.locator("a.finding-link").click()
    page.wait_for_url("**/items/*/edit?select=tiny")
    page.wait_for_selector(".editor-stage[data-loaded='true']")
    page.wait_for_selector(".object-row.selected[data-object-id='tiny']")
    assert "annotator's annotation" in page.locator(".editor-message").inner_text()

    page.click("[data-action='gold']")
    page.wait_for_selector(".editor-message:has-text('Marked as gold')")
    base = f"/api/projects/{team.project_id}"
    assert [g["item_id"] for g in team.call("GET", f"{base}/gold")] == [team.flagged]
    page.go_back()
    gold = page.locator(f".gold-row[data-item-id='{team.flagged}']")
    gold.wait_for()
    page.wait_for_selector(f".gold-row[data-item-id='{team.flagged}'] a:has-text('q1.png')")
    gold.locator("button", has_text="Remove").click()
    page.wait_for_selector("text=is no longer gold")
    assert team.call("GET", f"{base}/gold") == []

    page.fill("input[name='review_share']", "140")
    page.click(".settings-form [type=submit]")
    assert "from 0 % to 100 %" in page.locator(".settings-form .field-error:visible").inner_text()
    page.fill("input[name='review_share']", "35")
    page.click(".settings-form [type=submit]")
    page.wait_for_selector(".settings-form [role=status]:has-text('Saved')")
    settings = team.call("GET", base)["settings"]
    assert settings["review_share"] == 0.35 and settings["lease_seconds"] == 300
    _no_errors(page)
