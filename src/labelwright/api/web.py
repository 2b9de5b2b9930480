"""The browser app: static files, and an index page that lists every module up front.

The app is plain ES modules with no bundling, so a browser would discover them import by
import, one round trip per level of the import tree. The index names every module with
`<link rel="modulepreload">`, so they are all fetched (and compiled) in parallel.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

MODULE_ENTRY = '<script type="module" src="js/main.js"></script>'


def index_page(web_dir: Path) -> str:
    """index.html with a modulepreload link for every module of the app."""
    html = (web_dir / "index.html").read_text(encoding="utf-8")
    modules = sorted(p.relative_to(web_dir).as_posix() for p in (web_dir / "js").rglob("*.js"))
    links = "\n".join(f'  <link rel="modulepreload" href="{m}">' for m in modules)
    return html.replace(MODULE_ENTRY, f"{links}\n  {MODULE_ENTRY}", 1)


def mount_web(app: FastAPI, web_dir: Path) -> None:
    """Serve the index (built once) at / and the app's files under it."""
    page = index_page(web_dir)

    @app.get("/", include_in_schema=False)
    @app.get("/index.html", include_in_schema=False)
    def index() -> HTMLResponse:
        # Revalidated on each visit, so a new version's module list is seen at once.
        return HTMLResponse(page, headers={"Cache-Control": "no-cache"})

    app.mount("/", StaticFiles(directory=web_dir, html=True), name="web")
