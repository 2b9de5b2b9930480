"""Two browser sessions: an annotator's submit shows up in the manager's pages without a reload."""

from __future__ import annotations

import io
import uuid

from PIL import Image

from tests.browser.editor_page import EditorPage
from tests.browser.harness import IMAGE_H, IMAGE_W, PASSWORD, SCHEMA, Site


def _png() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (IMAGE_W, IMAGE_H), (90, 120, 150)).save(buf, "PNG")
    return buf.getvalue()


def _signed_in(browser, site: Site, username: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    login = context.request.post(
        f"{site.url}/api/auth/login", data={"username": username, "password": PASSWORD}
    )
    assert login.ok, login.text()
    return context, {"X-CSRF-Token": login.json()["csrf_token"]}


def _project_with_one_item(context, csrf: dict, site: Site) -> tuple[int, int]:
    """A fresh project (run by the signed-in admin) with the annotator and one image."""

    def call(method: str, path: str, **kw):
        response = context.request.fetch(
            f"{site.url}{path}", method=method, headers={**csrf, **kw.pop("headers", {})}, **kw
        )
        assert response.ok, f"{method} {path}: {response.status} {response.text()}"
        return response.json() if response.text() else None

    project_id = call("POST", "/api/projects", data={"name": f"Live {uuid.uuid4().hex[:8]}"})["id"]
    base = f"/api/projects/{project_id}"
    call("PUT", f"{base}/schema", data={"schema": SCHEMA}, headers={"If-Match": '"rev-0"'})
    call("PUT", f"{base}/members/{site.username}", data={"role": "annotator"})
    file = {"name": "live.png", "mimeType": "image/png", "buffer": _png()}
    item_id = call("POST", f"{base}/uploads", multipart={"files": file})["added_files"][0][
        "item_id"
    ]
    return project_id, item_id


def _watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(10000)
    return errors


def test_an_annotators_submit_appears_in_the_managers_grid_without_reload(browser, site):
    manager, csrf = _signed_in(browser, site, "admin")
    annotator, _ = _signed_in(browser, site, site.username)
    try:
        project_id, item_id = _project_with_one_item(manager, csrf, site)
        grid = manager.new_page()
        grid_errors = _watch_errors(grid)
        grid.goto(f"{site.url}/#/projects/{project_id}")
        badge = grid.locator(f'.item-card[data-id="{item_id}"] .state-badge')
        badge.wait_for()
        assert badge.inner_text() == "New"
        feed = manager.new_page()
        feed_errors = _watch_errors(feed)
        feed.goto(f"{site.url}/#/projects/{project_id}/operations")
        feed.wait_for_selector("text=Nobody is working on an item right now.")
        # Nothing reloads: a marker on the window would be gone after a reload.
        grid.evaluate("window.__stillHere = true")

        editor = annotator.new_page()
        editor_errors = _watch_errors(editor)
        editor.goto(f"{site.url}/#/projects/{project_id}/label")
        ed = EditorPage(editor, site, item_id, project_id)
        ed.wait_loaded()
        feed.wait_for_selector(".presence strong:has-text('annotator')")
        ed.tool("bbox")
        ed.drag(40, 40, 120, 100)
        editor.keyboard.press("Control+Enter")

        grid.wait_for_function(
            'id => document.querySelector(`.item-card[data-id="${id}"] .state-badge`)'
            "?.textContent === 'Submitted'",
            arg=item_id,
        )
        assert grid.evaluate("window.__stillHere") is True
        assert (
            "submitted"
            in grid.locator(f'.item-card[data-id="{item_id}"]').get_attribute("aria-label").lower()
        )
        entry = feed.locator(".activity-entry[data-kind='item.submitted']")
        entry.wait_for()
        assert entry.inner_text().startswith("annotator submitted live.png")
        assert not grid_errors and not feed_errors and not editor_errors, (
            grid_errors + feed_errors + editor_errors
        )
    finally:
        annotator.close()
        manager.close()
