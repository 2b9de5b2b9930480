"""The browser app: its files served from memory, and an index that lists every module.

The app is plain ES modules with no bundling, so a browser would discover them import by
import, one round trip per level of the import tree. The index names every module of the
shell with `<link rel="modulepreload">`, and lists each view's own modules in a JSON block
that the shell reads to preload a view's modules all at once when it is about to be shown
(see `preloadView` in js/main.js): the editor's forty modules arrive in one round trip, not
five. The files themselves (a few hundred kilobytes that never change while the server
runs) are read once at start and answered from memory with a strong ETag.
"""

from __future__ import annotations

import hashlib
import json
import mimetypes
import posixpath
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from labelwright.services.errors import NotFound

MODULE_ENTRY = '<script type="module" src="js/main.js"></script>'
STATIC_IMPORT = re.compile(r'^\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}/[^"]+)"', re.M)
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class WebFile:
    """One file of the app, ready to send."""

    body: bytes
    media_type: str
    etag: str


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

    Views load when first shown (dynamic imports), so only the shell is preloaded with the
    page; the list of a view's modules lets the shell fetch them in parallel when needed.
    """
    html = (web_dir / "index.html").read_text(encoding="utf-8")
    shell = static_imports(web_dir, "js/main.js")
    links = "\n".join(f'  <link rel="modulepreload" href="{m}">' for m in shell)
    # "</" cannot occur in module paths, so the JSON cannot end the script element early.
    views = json.dumps(view_modules(web_dir, shell), separators=(",", ":"))
    listing = f'<script type="application/json" id="view-modules">{views}</script>'
    return html.replace(MODULE_ENTRY, f"{links}\n  {listing}\n  {MODULE_ENTRY}", 1)


def load_files(web_dir: Path) -> dict[str, WebFile]:
    """Every file of the app by its URL path (the index built with its preload list)."""
    files = {}
    for path in sorted(web_dir.rglob("*")):
        if not path.is_file() or path.name == "index.html":
            continue
        body = path.read_bytes()
        kind = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        files["/" + path.relative_to(web_dir).as_posix()] = WebFile(
            body, kind or "application/octet-stream", _etag(body)
        )
    index = index_page(web_dir).encode()
    files["/"] = files["/index.html"] = WebFile(index, "text/html; charset=utf-8", _etag(index))
    return files


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def mount_web(app: FastAPI, web_dir: Path) -> None:
    """Answer GET requests for the app's files (anything not under /api) from memory."""
    files = load_files(web_dir)

    @app.get("/{path:path}", include_in_schema=False)
    def web_file(path: str, request: Request) -> Response:
        found = files.get("/" + path)
        if found is None:
            if path.startswith("api/"):
                raise NotFound(f"no such endpoint: GET /{path}")
            return HTMLResponse("Not found", status_code=404)
        # Revalidated on each visit (cheap: 304), so a new version is seen at once.
        headers = {"ETag": found.etag, "Cache-Control": "no-cache"}
        if request.headers.get("if-none-match") == found.etag:
            return Response(status_code=304, headers=headers)
        return Response(found.body, media_type=found.media_type, headers=headers)
