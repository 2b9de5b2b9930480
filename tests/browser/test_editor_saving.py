"""Autosave, conflicts (412) with both choices, network failures, and the labeling queue."""

from __future__ import annotations

from tests.browser.editor_page import EditorPage


def box(object_id: str, x: float) -> dict:
    """A car box at x."""
    return {
        "id": object_id,
        "class_id": "car",
        "shape": {"kind": "bbox", "x": x, "y": 10, "w": 20, "h": 20},
    }


def save_elsewhere(site, item: int, revision: int, objects: list[dict]) -> int:
    """Save the item's annotation as another client would; the new revision."""
    response = site.api(
        "PUT",
        f"/api/projects/{site.editor_project}/items/{item}/annotation",
        json={"objects": objects},
        headers={"If-Match": f'"rev-{revision}"'},
    )
    response.raise_for_status()
    return response.json()["revision"]


def test_conflict_offers_both_choices_and_each_does_what_it_says(page, site, allowed_console):
    allowed_console.append("status of 412")
    item = site.fresh_item()
    ed = EditorPage(page, site, item).open()
    ed.tool("bbox")
    ed.drag(40, 40, 100, 100)
    ed.wait_saved()
    revision = site.annotation(item)["revision"]
    revision = save_elsewhere(site, item, revision, [box("theirs-1", 200)])

    ed.drag(120, 120, 180, 180)  # saved over a stale revision: 412
    ed.wait_status("conflict")
    dialog = page.locator("dialog.editor-conflict")
    assert dialog.is_visible()
    assert "1 object only in the saved version" in dialog.inner_text()
    assert "2 objects only in your version" in dialog.inner_text()
    assert len(ed.objects()) == 1, "nothing is overwritten before the choice"
    dialog.locator("[data-choice='mine']").click()
    ed.wait_saved()
    assert [o["shape"]["x"] for o in ed.objects()] == [40, 120]

    revision = site.annotation(item)["revision"]
    save_elsewhere(site, item, revision, [box("theirs-2", 250)])
    ed.drag(10, 150, 60, 200)
    ed.wait_status("conflict")
    page.locator("dialog.editor-conflict [data-choice='theirs']").click()
    ed.wait_saved()
    assert ed.rows() == 1
    assert [o["id"] for o in ed.objects()] == ["theirs-2"]
    page.wait_for_timeout(1000)  # no save follows: theirs stays
    assert [o["id"] for o in ed.objects()] == ["theirs-2"]


def test_network_failure_keeps_edits_and_retries(page, site, allowed_console):
    allowed_console.append("net::ERR_FAILED")
    item = site.fresh_item()
    ed = EditorPage(page, site, item).open()
    pattern = f"**/api/projects/{site.editor_project}/items/{item}/annotation"

    def fail_puts(route):
        if route.request.method == "PUT":
            route.abort()
        else:
            route.continue_()

    page.route(pattern, fail_puts)
    ed.tool("bbox")
    ed.drag(40, 40, 100, 100)
    ed.wait_status("offline")
    assert ed.objects() == []
    assert ed.rows() == 1, "the edit is kept"
    page.unroute(pattern)
    ed.wait_saved()
    assert len(ed.objects()) == 1


def test_tags_and_attributes_are_saved(page, site):
    item = site.fresh_item()
    ed = EditorPage(page, site, item).open()
    page.check("input[data-group='weather'][data-option='rainy']")
    ed.tool("bbox")
    ed.drag(40, 40, 100, 100)
    page.check("#attr-parked")
    page.fill("#attr-make", "<img src=x onerror=alert(1)>")
    ed.wait_saved()
    head = site.annotation(item)
    assert head["body"]["tags"] == {"weather": ["rainy"]}
    (obj,) = head["body"]["objects"]
    assert obj["attributes"] == {"parked": True, "make": "<img src=x onerror=alert(1)>"}


def test_start_labeling_submits_and_moves_to_the_next_item(page, site):
    page.goto(f"{site.url}/#/projects/{site.queue_project}/label")
    ed = EditorPage(page, site, 0, site.queue_project)
    ed.wait_loaded()
    first = page.locator(".editor-title").inner_text()
    ed.tool("bbox")
    ed.drag(40, 40, 100, 100)
    page.keyboard.press("Control+Enter")
    page.wait_for_function(
        "t => document.querySelector('.editor-title')?.textContent !== t", arg=first
    )
    ed.wait_loaded()
    items = site.api("GET", f"/api/projects/{site.queue_project}/items").json()["items"]
    states = {i["file_name"]: i["state"] for i in items}
    assert states[first] == "submitted"
    assert states[page.locator(".editor-title").inner_text()] == "annotating"
