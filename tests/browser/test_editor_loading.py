"""Opening the editor by its address: what the page starts before the app runs is used, once."""

from __future__ import annotations

from urllib.parse import urlparse

from tests.browser.editor_page import EditorPage


def _paths(requests: list[str]) -> list[str]:
    return [urlparse(url).path for url in requests]


def test_opening_an_item_asks_for_each_first_thing_once_and_never_who_is_signed_in(page, site):
    item = site.fresh_item()
    box = {"kind": "bbox", "x": 20, "y": 30, "w": 60, "h": 40}
    editor = EditorPage(page, site, item).seed([{"id": "a", "class_id": "car", "shape": box}])
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    editor.open()
    base = f"/api/projects/{site.editor_project}"
    first = [
        f"{base}/items/{item}",
        f"{base}/schema",
        f"{base}/items/{item}/annotation",
        f"{base}/items/{item}/predictions",
        f"{base}/items/{item}/display",
    ]
    # The page started these before the app ran, and the editor took those responses: one each.
    assert {path: _paths(requests).count(path) for path in first} == dict.fromkeys(first, 1)
    # The page said who is signed in, so no one asked.
    assert "/api/auth/me" not in _paths(requests)
    # The editor module came with the page's preloads (before the app asked for the view).
    assert page.locator('link[rel="modulepreload"][href="js/views/editor.js"]').count() == 1
    # The object list fills in once the first frame is out.
    page.wait_for_selector(".object-row[data-object-id='a']")
    assert page.locator(".header-name").inner_text().startswith(site.username)


def test_signed_out_the_page_goes_to_sign_in_without_asking_the_server(browser, site):
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        requests: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(f"{site.url}/#/projects/{site.editor_project}/items/{site.items[0]}/edit")
        page.wait_for_selector("#signin-title")
        assert "next=" in page.evaluate("location.hash")
        assert not [p for p in _paths(requests) if p.startswith("/api/")]
        assert not errors
    finally:
        context.close()
