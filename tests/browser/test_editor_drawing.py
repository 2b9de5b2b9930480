"""Drawing every shape kind with the mouse, editing vertices, hotkeys and undo in Chromium."""

from __future__ import annotations

import numpy as np
import pycocotools.mask as mask_utils
import pytest

from tests.browser.editor_page import EditorPage


def kinds(objects: list[dict]) -> list[str]:
    """The shape kinds of objects, in order."""
    return [o["shape"]["kind"] for o in objects]


def test_box_is_drawn_saved_and_shown_after_reload(page, site):
    ed = EditorPage(page, site, site.fresh_item()).open()
    ed.tool("bbox")
    ed.drag(40, 30, 140, 110)
    ed.wait_saved()
    (obj,) = ed.objects()
    shape = obj["shape"]
    assert obj["class_id"] == "car"
    assert shape["kind"] == "bbox"
    assert shape["x"] == pytest.approx(40, abs=2) and shape["y"] == pytest.approx(30, abs=2)
    assert shape["w"] == pytest.approx(100, abs=3) and shape["h"] == pytest.approx(80, abs=3)
    page.reload()
    ed.wait_loaded()
    assert ed.rows() == 1


def test_each_shape_kind_is_drawn_with_the_mouse(page, site):
    ed = EditorPage(page, site, site.fresh_item()).open()
    ed.tool("polygon")
    for x, y in [(20, 20), (80, 20), (80, 70), (20, 70)]:
        ed.click(x, y)
    ed.click(20, 20)  # on the first vertex: closes the ring
    ed.tool("rotated_box")
    ed.drag(120, 30, 200, 30)
    ed.click(200, 70)
    ed.tool("polyline")
    for x, y in [(20, 120), (60, 140), (100, 120)]:
        ed.click(x, y)
    page.keyboard.press("Enter")
    ed.tool("points")
    ed.click(150, 150)
    ed.click(170, 160)
    page.keyboard.press("Enter")
    ed.tool("ellipse")
    ed.drag(220, 120, 300, 180)
    ed.tool("keypoints")
    ed.click(60, 200)
    page.keyboard.press("o")  # the left hand is occluded
    ed.click(40, 220)
    page.keyboard.press("n")  # the right hand is not visible
    ed.wait_saved()
    objects = ed.objects()
    assert kinds(objects) == [
        "polygon",
        "rotated_box",
        "polyline",
        "points",
        "ellipse",
        "keypoints",
    ]
    polygon, rotated, line, points, ellipse, person = (o["shape"] for o in objects)
    assert len(polygon["rings"][0]) == 4
    assert rotated["w"] == pytest.approx(80, abs=3) and rotated["h"] == pytest.approx(40, abs=3)
    assert rotated["angle"] == pytest.approx(0, abs=2)
    assert len(line["points"]) == 3 and len(points["points"]) == 2
    assert ellipse["rx"] == pytest.approx(40, abs=2) and ellipse["ry"] == pytest.approx(30, abs=2)
    assert [p[2] for p in person["points"]] == [2, 1, 0]
    assert objects[5]["class_id"] == "person"


def test_polygon_vertices_are_moved_added_and_deleted(page, site):
    item = site.fresh_item()
    ring = [[50, 50], [150, 50], [150, 150], [50, 150]]
    body = {
        "objects": [{"id": "p1", "class_id": "car", "shape": {"kind": "polygon", "rings": [ring]}}]
    }
    site.api(
        "PUT",
        f"/api/projects/{site.editor_project}/items/{item}/annotation",
        json=body,
        headers={"If-Match": '"rev-0"'},
    ).raise_for_status()
    ed = EditorPage(page, site, item).open()
    ed.click(100, 100)  # select
    ed.drag(150, 150, 170, 160)  # move a vertex
    ed.click(100, 50, hold="Shift")  # add one on the top edge
    ed.click(50, 150, hold="Alt")  # delete the bottom-left corner
    ed.wait_saved()
    (outline,) = ed.objects()[0]["shape"]["rings"]
    assert len(outline) == 4
    assert outline[0] == [50, 50]
    assert outline[1][0] == pytest.approx(100, abs=2) and outline[1][1] == pytest.approx(50, abs=2)
    assert outline[3][0] == pytest.approx(170, abs=2) and outline[3][1] == pytest.approx(160, abs=2)
    assert [50, 150] not in outline


def test_hotkeys_undo_redo_class_keys_and_help(page, site):
    ed = EditorPage(page, site, site.fresh_item()).open()
    page.keyboard.press("b")
    ed.drag(30, 30, 90, 90)
    ed.drag(120, 30, 190, 90)
    assert ed.rows() == 2
    page.keyboard.press("Control+z")
    assert ed.rows() == 1
    page.keyboard.press("Control+Shift+Z")
    assert ed.rows() == 2
    ed.click(150, 60)  # a click with the box tool selects
    page.keyboard.press("2")  # the second class relabels the selected box
    page.keyboard.press("Delete")
    page.keyboard.press("Control+z")
    ed.wait_saved()
    assert sorted(o["class_id"] for o in ed.objects()) == ["car", "truck"]
    # Class names are text, never markup.
    assert page.locator(".class-btn", has_text="Truck <b>big</b>").count() == 1
    page.keyboard.press("?")
    help_box = page.locator("dialog.editor-help")
    assert help_box.is_visible()
    assert help_box.get_by_text("Bounding box").count() == 1
    page.keyboard.press("?")
    assert not help_box.is_visible()


def test_brush_paints_a_mask_saved_as_coco_rle(page, site):
    ed = EditorPage(page, site, site.fresh_item()).open()
    ed.tool("brush")
    page.fill("#brush-size", "20")
    ed.drag(100, 100, 200, 100, steps=10)
    ed.wait_saved()
    (obj,) = ed.objects()
    assert obj["class_id"] == "road"
    rle = obj["shape"]["rle"]
    mask = mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()})
    assert mask.shape == (240, 320)
    assert mask[100, 150] == 1 and mask[100, 100] == 1
    assert mask[50, 150] == 0 and mask[100, 240] == 0
    assert 1800 < int(np.sum(mask)) < 2800  # a 100 × 20 stroke with round ends
    ed.tool("eraser")
    page.locator(".object-row[data-object-id]").first.click()
    ed.drag(150, 80, 150, 120, steps=4)
    ed.wait_saved()
    rle = ed.objects()[0]["shape"]["rle"]
    erased = mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()})
    assert erased[100, 150] == 0 and erased[100, 110] == 1
