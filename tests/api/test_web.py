"""The web app's index names every module up front, so the browser fetches them in parallel."""

from __future__ import annotations

from labelwright.api.app import WEB_DIR


def test_index_preloads_every_module(api):
    resp = api.client.get("/")
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-cache"
    page = resp.text
    modules = {p.relative_to(WEB_DIR).as_posix() for p in (WEB_DIR / "js").rglob("*.js")}
    assert {m for m in modules if f'<link rel="modulepreload" href="{m}">' in page} == modules
    assert page.index("modulepreload") < page.index('<script type="module" src="js/main.js">')
    assert api.client.get("/index.html").text == page
    assert api.client.get("/js/main.js").status_code == 200


def test_app_files_come_from_memory_with_etags(api):
    first = api.client.get("/js/main.js")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/javascript")
    again = api.client.get("/js/main.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert api.client.get("/app.css").headers["content-type"].startswith("text/css")
    assert api.client.get("/js/nope.js").status_code == 404
    missing = api.client.get("/api/no-such-thing")
    assert missing.status_code == 404 and "no such endpoint" in missing.json()["error"]["message"]
