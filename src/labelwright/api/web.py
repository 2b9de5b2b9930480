"""The browser app: its files served from memory, and an index that lists every module.

The app is plain ES modules with no bundling, so a browser would discover them import by
import, one round trip per level of the import tree. The index names every module of the
shell with `<link rel="modulepreload">`, and lists each view's own modules in a JSON block;
a small script in the index preloads the modules of the view the address shows while the
shell loads, and the shell preloads a view's modules before showing it (see `preloadView` in
js/main.js): the editor's forty modules arrive in one round trip, not five, and start with
the page. The files themselves (a few hundred kilobytes that never change while the server
runs) are read once at start and answered from memory with a strong ETag, by a middleware
ahead of the routes (`WebFiles`): they arrive while the server is still busy with the data.

The index also says who is signed in (what /api/auth/me answers for the session cookie the
page request carries), so the app starts without waiting for that round trip.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Receive, Scope, Send

from labelwright.api.deps import SESSION_COOKIE
from labelwright.api.routers.auth import user_out
from labelwright.services import users
from labelwright.services.context import Context
from labelwright.services.errors import NotFound, Unauthorized

log = logging.getLogger(__name__)

MODULE_ENTRY = '<script type="module" src="js/main.js"></script>'
STATIC_IMPORT = re.compile(r'^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}/[^"]+)"', re.M)
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class WebFile:
    """One file of the app, ready to send: its body and its headers' values."""

    body: bytes
    content_type: bytes  # text is UTF-8
    etag: bytes


def static_imports(web_dir: Path, entry: str) -> list[str]:
    """The modules `entry` needs before it runs: the closure of its static imports."""
    seen, todo = set(), [entry]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(_direct_imports(web_dir, module))
    return sorted(seen)


@cache
def _direct_imports(web_dir: Path, module: str) -> tuple[str, ...]:
    """The modules one module imports statically (each read once: the views share many)."""
    source = (web_dir / module).read_text(encoding="utf-8")
    folder = PurePosixPath(module).parent
    return tuple(posixpath.normpath(str(folder / t)) for t in STATIC_IMPORT.findall(source))


def view_modules(web_dir: Path, shell: list[str]) -> dict[str, list[str]]:
    """Each view (by its path from js/) and the modules it needs that the shell lacks."""
    have, views = set(shell), {}
    for view in sorted((web_dir / "js" / "views").glob("*.js")):
        needed = static_imports(web_dir, view.relative_to(web_dir).as_posix())
        views[view.relative_to(web_dir / "js").as_posix()] = [m for m in needed if m not in have]
    return views


def index_page(web_dir: Path) -> str:
    """index.html with a modulepreload link for every module of the shell, and the views' lists.

    Views load when first shown (dynamic imports), so only the shell is preloaded by links;
    the list of a view's modules lets the page's script (for the view the address shows) and
    the shell (for a view about to be shown) fetch them in parallel.
    """
    html = (web_dir / "index.html").read_text(encoding="utf-8")
    shell = static_imports(web_dir, "js/main.js")
    links = "\n".join(f'  <link rel="modulepreload" href="{m}">' for m in shell)
    # "</" cannot occur in module paths, so the JSON cannot end the script element early.
    views = json.dumps(view_modules(web_dir, shell), separators=(",", ":"))
    listing = f'<script type="application/json" id="view-modules">{views}</script>'
    return html.replace(MODULE_ENTRY, f"{links}\n  {listing}\n  {MODULE_ENTRY}", 1)


def script_json(value: object) -> str:
    """JSON to put inside an HTML script element: `<`, `>` and `&` escaped as `\\u` codes.

    JSON.parse reads the escapes back, and the element's text can then never hold `</script>`
    or `<!--`, whatever a user typed into a name.
    """
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def session_block(user: dict | None) -> str:
    """The page's `#session` element: the signed-in user as /api/auth/me shows it, or null."""
    return f'<script type="application/json" id="session">{script_json({"user": user})}</script>'


def page_user(ctx: Context, request: Request) -> tuple[bool, dict | None]:
    """(known, user) for the session cookie a page request carries.

    Not known when the database could not be asked: the page then leaves the question to
    /api/auth/me, which reports the failure. Only a valid session gives a user; no cookie, or
    an expired, revoked or unknown one, gives None ("not signed in") and nothing more.
    """
    secret = request.cookies.get(SESSION_COOKIE)
    if not secret:
        return True, None
    try:
        with ctx.db.session(readonly=True) as sess:
            return True, user_out(users.resolve_token(sess, secret, kind="session")).model_dump()
    except Unauthorized:
        return True, None
    except SQLAlchemyError:
        log.exception("could not look up the session for the index page")
        return False, None


def load_files(web_dir: Path) -> dict[str, WebFile]:
    """Every file of the app by its URL path (the index built with its preload list)."""
    files = {}
    for path in sorted(web_dir.rglob("*")):
        if not path.is_file() or path.name == "index.html":  # built per request: index_page
            continue
        body = path.read_bytes()
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        kind = kind or "application/octet-stream"
        kind += "; charset=utf-8" if kind.startswith("text/") else ""
        files["/" + path.relative_to(web_dir).as_posix()] = WebFile(
            body, kind.encode(), _etag(body).encode()
        )
    return files


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def mount_web(app: FastAPI, web_dir: Path) -> None:
    """Answer GET requests for the index (per caller) and the app's files (from memory)."""
    files = load_files(web_dir)
    page = index_page(web_dir)
    # Each caller's session element goes just before the entry module, after the preloads.
    at = page.index(f"  {MODULE_ENTRY}")
    head, tail = page[:at], page[at:]

    @app.get("/", include_in_schema=False)
    @app.get("/index.html", include_in_schema=False)
    def web_index(request: Request) -> Response:
        # Sync: the session lookup queries the database, in the thread pool.
        known, user = page_user(request.app.state.ctx, request)
        session = f"  {session_block(user)}\n" if known else ""
        body = (head + session + tail).encode()
        # The page differs by who asks: never shared, and revalidated on each visit.
        headers = {"ETag": _etag(body), "Cache-Control": "no-cache, private", "Vary": "Cookie"}
        if request.headers.get("if-none-match") == headers["ETag"]:
            return Response(status_code=304, headers=headers)
        return HTMLResponse(body, headers=headers)

    @app.get("/{path:path}", include_in_schema=False)
    def web_file(path: str) -> Response:
        # The app's own files are answered before routing (WebFiles): this is what is left.
        if path.startswith("api/"):
            raise NotFound(f"no such endpoint: GET /{path}")
        return HTMLResponse("Not found", status_code=404)

    app.add_middleware(WebFiles, files=files)


class WebFiles:
    """ASGI middleware answering GET and HEAD for the app's files from memory.

    An editor opening asks for some fifty modules at once, beside its data; answered here,
    each costs a dictionary look-up and two sends instead of a pass through the routes, the
    dependencies and the thread pool, so the modules arrive while the data is still coming.
    """

    def __init__(self, app: ASGIApp, files: dict[str, WebFile]) -> None:
        self.app, self.files = app, files

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.files.get(scope["path"]) if scope["type"] == "http" else None
        if found is None or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        # Revalidated on each visit (cheap: 304), so a new version is seen at once.
        headers = [(b"etag", found.etag), (b"cache-control", b"no-cache")]
        if dict(scope["headers"]).get(b"if-none-match") == found.etag:
            status, body = 304, b""
        else:
            status = 200
            body = found.body if scope["method"] == "GET" else b""
            headers += [
                (b"content-type", found.content_type),
                (b"content-length", str(len(found.body)).encode()),
            ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})
