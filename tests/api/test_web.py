"""The web app's index names every module up front, so the browser fetches them in parallel,
and says who is signed in, so the app need not ask before it starts."""

from __future__ import annotations

import json
import re

from labelwright.api.app import WEB_DIR
from labelwright.api.deps import SESSION_COOKIE
from labelwright.api.web import script_json, static_imports
from labelwright.services import users
from tests.api.conftest import PASSWORD


def test_index_preloads_the_shell_and_views_load_on_demand(api):
    resp = api.client.get("/")
    assert resp.status_code == 200 and resp.headers["cache-control"] == "no-cache, private"
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
    assert first.headers["content-type"] == "text/javascript; charset=utf-8"
    assert int(first.headers["content-length"]) == len(first.content) > 0
    assert first.headers["cache-control"] == "no-cache"
    head = api.client.head("/js/main.js")
    assert head.status_code == 200 and not head.content
    assert head.headers["etag"] == first.headers["etag"]
    assert head.headers["content-length"] == first.headers["content-length"]
    assert api.client.get("/app.css").headers["content-type"].startswith("text/css")
    assert api.client.get("/favicon.svg").headers["content-type"] == "image/svg+xml"
    assert api.client.get("/js/nope.js").status_code == 404
    # Only reading is answered from memory; anything else goes on to the routes.
    assert api.client.post("/js/main.js").status_code == 405
    missing = api.client.get("/api/no-such-thing")
    assert missing.status_code == 404 and "no such endpoint" in missing.json()["error"]["message"]


def _session(page: str) -> dict | None:
    """The page's #session element, parsed; None when the page has none."""
    found = re.search(r'<script type="application/json" id="session">([^<]*)</script>', page)
    return json.loads(found.group(1)) if found else None


def _sign_in(api, username: str) -> None:
    """Start a browser session: the client keeps the session cookie."""
    response = api.client.post("/api/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_index_says_who_is_signed_in_as_api_auth_me_does(api):
    _sign_in(api, "annotator")
    resp = api.client.get("/")
    assert resp.headers["vary"] == "Cookie" and "private" in resp.headers["cache-control"]
    assert _session(resp.text) == {"user": api.client.get("/api/auth/me").json()}
    assert _session(resp.text)["user"]["username"] == "annotator"
    # Before the entry module, so the page's own script reads it before the app starts.
    assert resp.text.index('id="session"') < resp.text.index('src="js/main.js"')
    # The page differs by caller, so its ETag does too; the same caller revalidates cheaply.
    again = api.client.get("/", headers={"If-None-Match": resp.headers["etag"]})
    assert again.status_code == 304


def test_index_tells_an_anonymous_caller_only_that_no_one_is_signed_in(api):
    resp = api.client.get("/")
    assert _session(resp.text) == {"user": None}
    api.client.cookies.set(SESSION_COOKIE, "not-a-session")
    assert _session(api.client.get("/").text) == {"user": None}
    # An API token is not a browser session: the index never embeds anyone for it.
    assert _session(api.get("/", who="admin").text) == {"user": None}


def test_a_hostile_user_name_cannot_break_out_of_the_session_element(api):
    hostile = '</script><script>alert(1)</script><!-- & "quoted" \u2028'
    with api.ctx.db.session() as sess:
        users.create_user(sess, "mallory", PASSWORD, display_name=hostile)
    anonymous = api.client.get("/").text
    _sign_in(api, "mallory")
    page = api.client.get("/").text
    element = re.search(r'id="session">(.*?)</script>', page, re.S).group(1)
    assert "<" not in element and ">" not in element and "&" not in element
    assert json.loads(element)["user"]["display_name"] == hostile
    assert page.count("<script") == anonymous.count("<script")  # no element was smuggled in


def test_script_json_escapes_what_could_end_a_script_element():
    text = script_json({"a": "</script><!--x-->&"})
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == {"a": "</script><!--x-->&"}
