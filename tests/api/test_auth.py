"""Sign-in, cookies with CSRF, bearer tokens, and secrets that never leave the server."""

from __future__ import annotations

from tests.api.conftest import PASSWORD


def _login(api, username="manager", password=PASSWORD):
    api.client.cookies.clear()
    return api.client.post("/api/auth/login", json={"username": username, "password": password})


def test_login_sets_httponly_session_and_csrf_cookie(api):
    resp = _login(api)
    assert resp.status_code == 200
    cookies = resp.headers.get_list("set-cookie")
    session = next(c for c in cookies if c.startswith("lw_session="))
    csrf = next(c for c in cookies if c.startswith("lw_csrf="))
    assert "HttpOnly" in session and "samesite=lax" in session.lower()
    assert "HttpOnly" not in csrf
    assert resp.json()["csrf_token"] == api.client.cookies["lw_csrf"]
    assert api.client.get("/api/auth/me").json()["username"] == "manager"


def test_wrong_password_and_unknown_user_look_the_same(api):
    a = _login(api, password="nope nope nope")
    b = _login(api, username="nobody")
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()


def test_cookie_writes_need_the_csrf_header(api):
    csrf = _login(api).json()["csrf_token"]
    url = f"/api/projects/{api.project_id}"
    refused = api.client.patch(url, json={"description": "x"})
    assert refused.status_code == 403 and "X-CSRF-Token" in refused.json()["error"]["message"]
    wrong = api.client.patch(url, json={"description": "x"}, headers={"X-CSRF-Token": "0" * 64})
    assert wrong.status_code == 403
    ok = api.client.patch(url, json={"description": "x"}, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 200
    assert api.client.get(url).status_code == 200  # reads need no token


def test_logout_ends_the_session(api):
    csrf = _login(api).json()["csrf_token"]
    session = api.client.cookies["lw_session"]
    assert api.client.post("/api/auth/logout", headers={"X-CSRF-Token": csrf}).status_code == 204
    api.client.cookies.set("lw_session", session)
    assert api.client.get("/api/auth/me").status_code == 401


def test_api_token_lifecycle(api):
    created = api.request("POST", "/api/tokens", "annotator", json={"name": "script"}).json()
    secret = created["token"]
    headers = {"Authorization": f"Bearer {secret}"}
    assert api.client.get("/api/auth/me", headers=headers).json()["username"] == "annotator"
    listed = api.client.get("/api/tokens", headers=headers).json()
    assert all("token" not in t for t in listed)
    assert api.client.delete(f"/api/tokens/{created['id']}", headers=headers).status_code == 204
    assert api.client.get("/api/auth/me", headers=headers).status_code == 401


def test_malformed_authorization_is_a_clear_401(api):
    resp = api.client.get("/api/auth/me", headers={"Authorization": "Basic abc"})
    assert resp.status_code == 401 and "Bearer" in resp.json()["error"]["message"]


def test_no_endpoint_returns_a_hash_or_secret(api):
    api.request("POST", "/api/users", json={"username": "zed", "password": PASSWORD})
    bodies = [
        api.get("/api/users").text,
        api.get("/api/auth/me").text,
        api.get(f"/api/projects/{api.project_id}/members").text,
        api.get("/api/tokens").text,
        api.get("/api/openapi.json").text,
    ]
    for body in bodies:
        assert "argon2" not in body and "password_hash" not in body and "token_hash" not in body


def test_deactivated_user_is_locked_out(api):
    uid = api.user_ids["annotator"]
    assert api.request("PATCH", f"/api/users/{uid}", json={"is_active": False}).status_code == 200
    assert api.get("/api/auth/me", "annotator").status_code == 401


def test_admin_cannot_demote_themselves(api):
    resp = api.request("PATCH", f"/api/users/{api.user_ids['admin']}", json={"is_admin": False})
    assert resp.status_code == 409


def test_short_password_and_bad_username_refused(api):
    short = api.request("POST", "/api/users", json={"username": "ok", "password": "short"})
    assert short.status_code == 422 and "password" in short.json()["error"]["message"]
    bad = api.request("POST", "/api/users", json={"username": "../x", "password": PASSWORD})
    assert bad.status_code == 422 and "username" in bad.json()["error"]["message"]
