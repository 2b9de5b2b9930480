"""The browser app: its files served from memory, and an index that lists every module.

The app is plain ES modules with no bundling, so a browser would discover them import by
import, one round trip per level of the import tree. The index names every module with
`<link rel="modulepreload">`, so they are all fetched (and compiled) in parallel, and the
files themselves (a few hundred kilobytes that never change while the server runs) are
read once at start and answered from memory with a strong ETag.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from labelwright.services.errors import NotFound

MODULE_ENTRY = '<script type="module" src="js/main.js"></script>'
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}


@dataclass(frozen=True)
class WebFile:
    """One file of the app, ready to send."""

    body: bytes
    media_type: str
    etag: str


def index_page(web_dir: Path) -> str:
    """index.html with a modulepreload link for every module of the app."""
    html = (web_dir / "index.html").read_text(encoding="utf-8")
    modules = sorted(p.relative_to(web_dir).as_posix() for p in (web_dir / "js").rglob("*.js"))
    links = "\n".join(f'  <link rel="modulepreload" href="{m}">' for m in modules)
    return html.replace(MODULE_ENTRY, f"{links}\n  {MODULE_ENTRY}", 1)


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
