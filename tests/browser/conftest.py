"""Browser test fixtures: a real server, headless Chromium, a signed-in page that fails on
console errors. Skipped without /usr/bin/chromium unless LABELWRIGHT_REQUIRE_BROWSER=1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.harness import PASSWORD, Server, Site, build_site

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("LABELWRIGHT_REQUIRE_BROWSER") == "1"
ITEMS = 16

if not CHROMIUM.exists() and not REQUIRED:
    pytest.skip(
        f"browser tests need Chromium at {CHROMIUM} (set LABELWRIGHT_REQUIRE_BROWSER=1 to fail "
        "instead of skipping)",
        allow_module_level=True,
    )


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    """A served installation with an annotator, a schema, images and a queue project."""
    root = tmp_path_factory.mktemp("browser")
    _, made = build_site(root / "data", ITEMS)
    server = Server(root / "data")
    server.start()
    try:
        yield Site(server.url, made["editor"], made["queue"], made["items"], made["token"])
    finally:
        server.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Chromium for the whole session."""
    if not CHROMIUM.exists():
        pytest.fail(f"LABELWRIGHT_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def allowed_console() -> list[str]:
    """Substrings of console errors a test expects (a 412 a conflict test provokes)."""
    return []


@pytest.fixture
def page(browser, site: Site, allowed_console: list[str]) -> Iterator[object]:
    """A signed-in page; the test fails if the page logs a console error or throws."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    response = context.request.post(
        f"{site.url}/api/auth/login", data={"username": site.username, "password": PASSWORD}
    )
    assert response.ok, response.text()
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.set_default_timeout(5000)
    yield page
    context.close()
    unexpected = [e for e in errors if not any(a in e for a in allowed_console)]
    assert not unexpected, f"console errors: {unexpected}"
