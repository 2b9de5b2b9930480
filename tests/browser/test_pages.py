"""The project pages in Chromium: progress charts, members, schema editor, guidelines, import."""

from __future__ import annotations

import io
import json
import re
import tempfile
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation
from labelwright.formats.dataset import Dataset, DatasetImage
from labelwright.formats.registry import get_format
from tests.browser.harness import PASSWORD, Site

SCHEMA = {
    "classes": [
        {"id": "car", "name": "Car", "color": "#e6194b", "hotkey": "c", "shape_kinds": ["bbox"]},
        {"id": "truck", "name": "Truck <b>big</b>", "color": "#3cb44b", "shape_kinds": ["bbox"]},
    ]
}
BOX = {"id": "o1", "class_id": "car", "shape": {"kind": "bbox", "x": 1, "y": 1, "w": 5, "h": 5}}


def _png(seed: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (40 + seed, 30), (seed * 40 % 256, 90, 120)).save(buf, "PNG")
    return buf.getvalue()


@dataclass
class Managed:
    """A project of its own (so the editor's tests are untouched), run by the signed-in admin."""

    context: object
    url: str
    project_id: int
    items: dict[str, int]
    helper: str
    call: Callable[..., Any]  # (method, path, **request options) -> JSON, as the admin

    def page(self, tab: str = "") -> object:
        """A new page on a tab of the project."""
        page = self.context.new_page()
        page.set_default_timeout(8000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.errors = errors
        query = f"?tab={tab}" if tab else ""
        page.goto(f"{self.url}/#/projects/{self.project_id}{query}")
        return page


@pytest.fixture(scope="module")
def managed(browser, site: Site) -> Iterator[Managed]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    login = context.request.post(
        f"{site.url}/api/auth/login", data={"username": "admin", "password": PASSWORD}
    )
    assert login.ok, login.text()
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}

    def call(method: str, path: str, **kw):
        response = context.request.fetch(
            f"{site.url}{path}", method=method, headers={**csrf, **kw.pop("headers", {})}, **kw
        )
        assert response.ok, f"{method} {path}: {response.status} {response.text()}"
        return response.json() if response.text() else None

    name = f"Pages {uuid.uuid4().hex[:8]}"
    project_id = call("POST", "/api/projects", data={"name": name})["id"]
    base = f"/api/projects/{project_id}"
    call("PUT", f"{base}/schema", data={"schema": SCHEMA}, headers={"If-Match": '"rev-0"'})
    items = {}
    for n in range(3):
        file = {"name": f"p{n}.png", "mimeType": "image/png", "buffer": _png(n)}
        items[f"p{n}.png"] = call("POST", f"{base}/uploads", multipart={"files": file})[
            "added_files"
        ][0]["item_id"]
    annotation = f"{base}/items/{items['p0.png']}/annotation"
    call("PUT", annotation, data={"objects": [BOX]}, headers={"If-Match": '"rev-0"'})
    helper = f"helper-{uuid.uuid4().hex[:6]}"
    call("POST", "/api/users", data={"username": helper, "password": PASSWORD})
    yield Managed(context, site.url, project_id, items, helper, call)
    context.close()


def _no_errors(page, expected: str = "") -> None:
    """No console errors, except the browser's note of a refusal the test provoked on purpose."""
    unexpected = [e for e in page.errors if not (expected and expected in e)]
    assert not unexpected, f"console errors: {unexpected}"
    page.close()


def test_progress_charts_show_names_as_text(managed):
    page = managed.page("progress")
    page.wait_for_selector("svg.bar-chart .chart-label")
    labels = page.locator(".progress-panel .chart-label").all_text_contents()
    assert "Car" in labels and "Truck <b>big</b>" in labels
    assert page.locator(".progress-panel svg b").count() == 0
    notes = page.locator(".progress-panel .chart-note").all_text_contents()
    assert "1 object · 1 item" in notes
    assert page.locator('.tab[aria-current="page"]').text_content() == "Progress"
    _no_errors(page)


def test_item_grid_filters_by_class_and_object_count(managed):
    page = managed.page()
    page.wait_for_selector(".item-card")
    page.select_option("#f-class", "car")
    page.wait_for_function("location.hash.includes('class=car')")
    page.wait_for_selector("text=All 1 item shown.")
    page.select_option("#f-class", "")
    page.wait_for_selector("text=All 3 items shown.")
    page.fill("#f-min", "1")
    page.wait_for_function("location.hash.includes('min_objects=1')")
    page.wait_for_selector("text=All 1 item shown.")
    names = "[...document.querySelectorAll('.item-name')].map(e => e.textContent)"
    assert json.loads(page.evaluate(f"JSON.stringify({names})")) == ["p0.png"]
    _no_errors(page)


def test_members_add_change_role_and_remove(managed):
    page = managed.page("members")
    page.fill(f"#members-user-{managed.project_id}", managed.helper)
    page.select_option(f"#members-role-{managed.project_id}", "reviewer")
    page.click("text=Add member")
    row = page.locator(".members li", has_text=managed.helper)
    row.wait_for()
    select = row.locator("select")
    assert select.input_value() == "reviewer"
    select.select_option("client")
    page.wait_for_selector(f"text={managed.helper} is now a client.")
    page.on("dialog", lambda d: d.accept())
    row.locator("button", has_text="Remove").click()
    page.wait_for_selector(f"text={managed.helper} was removed.")
    page.locator(".members li", has_text=managed.helper).wait_for(state="detached")
    page.fill(f"#members-user-{managed.project_id}", "nobody-by-this-name")
    page.click("text=Add member")
    page.wait_for_selector("text=user 'nobody-by-this-name' does not exist")
    _no_errors(page, expected="status of 404")


def test_guidelines_render_markdown_and_never_html(managed):
    page = managed.page("guidelines")
    page.click(".guidelines-panel >> text=Edit")
    text = (
        "# Boxes\n\nDraw **tight** boxes.\n\n<script>window.hacked=1</script>"
        '<img src=x onerror="window.hacked=2">\n\n[bad](javascript:alert(1)) [good](https://example.org)'
    )
    page.fill("textarea.guidelines-text", text)
    page.wait_for_selector(".markdown.preview strong")
    page.click("text=Save guidelines")
    view = page.locator(".guidelines-body .markdown")
    view.locator("h3").wait_for()
    assert view.locator("strong").text_content() == "tight"
    assert view.locator("script, img").count() == 0
    assert "<script>window.hacked=1</script>" in view.text_content()
    assert view.locator("a").count() == 1
    assert view.locator("a").get_attribute("href") == "https://example.org"
    assert page.evaluate("window.hacked") is None
    _no_errors(page)


def test_import_dataset_shows_the_report(managed):
    dataset = Dataset(
        schema=LabelSchema.model_validate(SCHEMA),
        images=[
            DatasetImage("p1.png", 41, 30, Annotation.model_validate({"objects": [BOX]})),
            DatasetImage("missing.png", 10, 10),
        ],
    )
    with tempfile.TemporaryDirectory() as tmp:
        get_format("native").write(dataset, Path(tmp))
        path = Path(tmp) / "dataset.jsonl"
        page = managed.page()
        page.set_input_files(f"#import-file-{managed.project_id}", str(path))
        page.select_option(f"#import-format-{managed.project_id}", "native")
        page.click(".import-box button[type=submit]")
        report = page.locator(".import-box .report")
        report.wait_for()
    counts = report.locator(".report-counts").text_content()
    assert re.search(r"1\s*items matched", counts), counts
    assert "No item" in report.text_content() and "missing.png" in report.text_content()
    _no_errors(page)


def test_schema_editor_checks_saves_and_asks_where_objects_go(managed):
    # Car objects on two items at least (the import test may have added one more): the
    # dialog must give the server's count, whatever the tests before this one left.
    item = f"/api/projects/{managed.project_id}/items/{managed.items['p2.png']}"
    managed.call(
        "PUT", f"{item}/annotation", data={"objects": [BOX]}, headers={"If-Match": '"rev-0"'}
    )
    holding = [
        sum(
            o["class_id"] == "car"
            for a in managed.call("GET", f"{path}/annotations")
            for o in a["body"]["objects"]
        )
        for path in (
            f"/api/projects/{managed.project_id}/items/{i}" for i in managed.items.values()
        )
    ]
    objects, annotations = sum(holding), sum(1 for n in holding if n)
    page = managed.page("schema")
    page.wait_for_selector(".schema-card")
    page.click("text=+ Class")
    card = page.locator("details.schema-card").nth(2)
    page.click("text=Save schema")
    assert "give the class a name" in card.locator(".field-error:visible").first.text_content()
    name = card.locator("input[id$='-classes-2-name']")
    name.fill("car")
    page.click("text=Save schema")
    assert 'already called "Car"' in card.text_content()
    name.fill("Bicycle")
    card.locator("input.hotkey-input").fill("c")
    page.click("text=Save schema")
    assert 'hotkey "c" is already used by "Car"' in card.text_content()
    card.locator("input.hotkey-input").fill("b")
    page.click("text=Save schema")
    page.wait_for_selector("text=Version 2")
    # Removing Car, which an object uses: the server refuses, the page asks, then saves.
    page.locator("details.schema-card").first.locator("summary").click()
    page.click("button[aria-label='Remove class Car']")
    page.click("text=Save schema")
    dialog = page.locator("dialog.remap-dialog")
    dialog.wait_for()
    assert f"{objects} objects use this class" in dialog.text_content()
    dialog.locator("select").select_option(label="Move them to Bicycle")
    dialog.locator("text=Save with these changes").click()
    page.wait_for_selector("text=Version 3")
    assert f"{annotations} annotations updated" in page.locator(".toasts").text_content()
    _no_errors(page, expected="status of 409")


def test_annotators_read_but_cannot_change(page, site: Site):
    base = f"{site.url}/#/projects/{site.editor_project}"
    page.goto(f"{base}?tab=schema")
    page.wait_for_selector(".schema-card")
    assert page.locator("text=Save schema").count() == 0
    assert page.locator(".schema-fieldset").get_attribute("disabled") is not None
    assert page.locator(".schema-card input").first.is_disabled()
    assert page.locator("text=+ Class").count() == 0
    page.goto(f"{base}?tab=members")
    page.wait_for_selector(".members li")
    assert page.locator(".member-add").count() == 0
    assert page.locator(".members select").count() == 0
    page.goto(f"{base}?tab=guidelines")
    page.wait_for_selector(".guidelines-body .markdown")
    assert page.locator(".guidelines-panel button", has_text="Edit").count() == 0
    page.goto(f"{base}?tab=progress")
    page.wait_for_selector("text=Only your own annotations are counted.")
    page.goto(base)
    page.wait_for_selector(".item-card")
    assert page.locator(".import-box, .export-box").count() == 0
    assert page.locator("#f-annotator").is_hidden()


def test_prelabel_a_project_from_its_page(managed):
    pytest.importorskip("cv2", reason="needs labelwright[models]")
    page = managed.page()
    box = page.locator(".prelabel-box")
    box.locator("select").first.select_option("haar-faces")
    box.locator(f"#prelabel-scope-{managed.project_id}").select_option("all")
    box.locator("button[type=submit]").click()
    page.wait_for_selector(".prelabel-box .job.job-done", timeout=30000)
    assert "3 images predicted" in box.locator(".job-outcome").text_content()
    page.reload()
    page.wait_for_selector(".item-card")
    predictions = managed.context.request.get(
        f"{managed.url}/api/projects/{managed.project_id}/items/{managed.items['p1.png']}/predictions"
    ).json()
    assert [p["model"] for p in predictions] == ["haar-faces"]
    _no_errors(page)
