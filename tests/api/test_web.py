"""The web app's index names every module up front, so the browser fetches them in parallel."""

from __future__ import annotations

import json
import re

from labelwright.api.app import WEB_DIR
from labelwright.api.web import static_imports


def test_index_preloads_the_shell_and_views_load_on_demand(api):
    resp = api.client.get("/")
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-cache"
    page = resp.text
    shell = set(static_imports(WEB_DIR, "js/main.js"))
    preloaded = set(re.findall(r'<link rel="modulepreload" href="([^"]+)">', page))
    assert preloaded == shell and {"js/main.js", "js/api.js", "js/router.js"} <= shell
    assert "js/views/editor.js" not in shell  # a view: imported when first shown
    assert page.index("modulepreload") < page.index('<script type="module" src="js/main.js">')
    assert api.client.get("/index.html").text == page
    views = json.loads(re.search(r'id="view-modules">([^<]*)</script>', page).group(1))
    assert set(views) == {f"views/{v.name}" for v in (WEB_DIR / "js/views").glob("*.js")}
    editor = set(views["views/editor.js"])
    assert editor == set(static_imports(WEB_DIR, "js/views/editor.js")) - shell
    assert {"js/views/editor.js", "js/editor/workspace.js", "js/editor/renderer.js"} <= editor
    for module in (WEB_DIR / "js").rglob("*.js"):  # every module is still served
        assert api.client.get("/" + module.relative_to(WEB_DIR).as_posix()).status_code == 200


def test_app_files_come_from_memory_with_etags(api):
    first = api.client.get("/js/main.js")
    assert first.status_code == 200 and first.headers["content-type"].startswith("text/javascript")
    again = api.client.get("/js/main.js", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and not again.content
    assert api.client.get("/app.css").headers["content-type"].startswith("text/css")
    assert api.client.get("/js/nope.js").status_code == 404
    missing = api.client.get("/api/no-such-thing")
    assert missing.status_code == 404 and "no such endpoint" in missing.json()["error"]["message"]
