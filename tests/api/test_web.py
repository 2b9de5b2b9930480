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
