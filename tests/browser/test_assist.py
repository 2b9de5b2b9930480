"""The AI assist tool in Chromium: a box around a clear object on a generated image becomes a
polygon of the current class (GrabCut on the server), saved as an ordinary, undoable object."""

from __future__ import annotations

import io
import uuid

import pytest
from PIL import Image, ImageDraw

from tests.browser.editor_page import EditorPage
from tests.browser.harness import IMAGE_H, IMAGE_W, PASSWORD, Site

pytest.importorskip("cv2", reason="the assist tool's GrabCut model needs OpenCV")

SCHEMA = {
    "classes": [
        {"id": "sign", "name": "Sign", "color": "#e6194b", "shape_kinds": ["bbox", "polygon"]},
        {"id": "puddle", "name": "Puddle", "color": "#4363d8", "shape_kinds": ["mask"]},
        # find-similar's boxes are labelled "object": they land in the class of that name
        {"id": "thing", "name": "Object", "color": "#3cb44b", "shape_kinds": ["bbox"]},
    ]
}
# A dark red disc on a light, plain background: an object GrabCut cannot miss.
DISC = (160, 120, 60)  # centre x, centre y, radius
TWINS = ((80, 120, 40), (240, 120, 40))  # two copies of one object, for find-similar


def _disc_png(discs: tuple[tuple[int, int, int], ...] = (DISC,)) -> bytes:
    image = Image.new("RGB", (IMAGE_W, IMAGE_H), (225, 228, 220))
    for cx, cy, r in discs:
        ImageDraw.Draw(image).ellipse((cx - r, cy - r, cx + r, cy + r), fill=(150, 20, 30))
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def disc_item(browser, site: Site):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    login = context.request.post(
        f"{site.url}/api/auth/login", data={"username": "admin", "password": PASSWORD}
    )
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}

    def call(method: str, path: str, **kw):
        response = context.request.fetch(
            f"{site.url}{path}", method=method, headers={**csrf, **kw.pop("headers", {})}, **kw
        )
        assert response.ok, f"{method} {path}: {response.status} {response.text()}"
        return response.json() if response.text() else None

    project_id = call("POST", "/api/projects", data={"name": f"Assist {uuid.uuid4().hex[:8]}"})[
        "id"
    ]
    base = f"/api/projects/{project_id}"
    call("PUT", f"{base}/schema", data={"schema": SCHEMA}, headers={"If-Match": '"rev-0"'})
    call("PUT", f"{base}/members/annotator", data={"role": "annotator"})
    ids = []
    for name, discs in (("disc.png", (DISC,)), ("twins.png", TWINS)):
        file = {"name": name, "mimeType": "image/png", "buffer": _disc_png(discs)}
        added = call("POST", f"{base}/uploads", multipart={"files": file})["added_files"]
        ids.append(added[0]["item_id"])
    yield project_id, ids[0], ids[1]
    context.close()


def test_a_box_around_an_object_becomes_its_polygon(page, site: Site, disc_item):
    project_id, item_id, _ = disc_item
    ed = EditorPage(page, site, item_id, project_id).open()
    page.keyboard.press("w")
    assert page.locator("[data-tool='assist'][aria-pressed='true']").count() == 1
    cx, cy, r = DISC
    ed.drag(cx - r - 15, cy - r - 15, cx + r + 15, cy + r + 15)
    page.wait_for_selector(".editor-message:has-text('Enter accepts')")
    assert ed.rows() == 0, "a proposal is not an object until accepted"
    page.keyboard.press("Enter")
    ed.wait_saved()
    [obj] = ed.objects()
    assert obj["class_id"] == "sign" and obj["shape"]["kind"] == "polygon"
    xs = [p[0] for p in obj["shape"]["rings"][0]]
    ys = [p[1] for p in obj["shape"]["rings"][0]]
    for got, want in ((min(xs), cx - r), (max(xs), cx + r), (min(ys), cy - r), (max(ys), cy + r)):
        assert abs(got - want) < 4, (got, want)
    page.keyboard.press("Control+z")
    ed.wait_saved()
    assert ed.objects() == [], "accepting is one undoable step"


def test_a_mask_only_class_gets_a_mask_and_a_bad_prompt_is_explained(page, site: Site, disc_item):
    project_id, item_id, _ = disc_item
    ed = EditorPage(page, site, item_id, project_id).open()
    page.click("[data-class-id='puddle']")
    ed.tool("assist")
    cx, cy, _ = DISC
    ed.click(cx, cy, hold="Alt")
    assert "first drag a box or click the object" in page.locator(".editor-message").inner_text()
    ed.click(cx, cy)
    page.wait_for_selector(".editor-message:has-text('Enter accepts')")
    page.keyboard.press("Enter")
    ed.wait_saved()
    [obj] = [o for o in ed.objects() if o["class_id"] == "puddle"]
    assert obj["shape"]["kind"] == "mask"
    assert obj["shape"]["rle"]["size"] == [IMAGE_H, IMAGE_W]


def test_find_similar_proposes_the_copy_of_the_selected_box(page, site: Site, disc_item):
    project_id, _, item_id = disc_item
    (cx, cy, r), (tx, _, _) = TWINS
    example = {"kind": "bbox", "x": cx - r - 4, "y": cy - r - 4, "w": 2 * r + 8, "h": 2 * r + 8}
    site.api(
        "PUT",
        f"/api/projects/{project_id}/items/{item_id}/annotation",
        json={"objects": [{"id": "ex", "class_id": "thing", "shape": example}]},
        headers={"If-Match": '"rev-0"'},
    ).raise_for_status()
    ed = EditorPage(page, site, item_id, project_id).open()
    ed.click(cx, cy)
    page.wait_for_selector(".object-row.selected[data-object-id='ex']")
    page.click("[data-action='find-similar']")
    page.wait_for_selector(".assist-status:has-text('proposed')")
    predictions = page.locator(".editor-panel:has(#pred-threshold) .object-row")
    assert predictions.count() >= 1, "the copy is offered in the predictions panel"
    predictions.first.locator("[aria-label='Accept']").click()
    ed.wait_saved()
    copy = [o for o in ed.objects() if o["id"] != "ex"]
    assert len(copy) == 1 and copy[0]["class_id"] == "thing"
    assert abs(copy[0]["shape"]["x"] + copy[0]["shape"]["w"] / 2 - tx) < 6, "around the twin"
