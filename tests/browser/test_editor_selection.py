"""Ellipse handles, moving masks, and selecting, moving, relabelling, copying and deleting
several objects at once in Chromium; every result is read back through the API after the save."""

from __future__ import annotations

import numpy as np
import pycocotools.mask as mask_utils
import pytest

from tests.browser.editor_page import EditorPage
from tests.browser.harness import IMAGE_H, IMAGE_W


def box(object_id: str, x: float, y: float, w: float = 40, h: float = 40) -> dict:
    """A car box."""
    return {
        "id": object_id,
        "class_id": "car",
        "shape": {"kind": "bbox", "x": x, "y": y, "w": w, "h": h},
    }


def encode(mask: np.ndarray) -> dict:
    """A mask's COCO RLE as the API holds it (counts as text)."""
    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode()}


def decode(rle: dict) -> np.ndarray:
    """The pixels of a saved RLE."""
    return mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()})


def rectangle(rows: range, cols: range) -> np.ndarray:
    """An image-sized mask holding one rectangle."""
    mask = np.zeros((IMAGE_H, IMAGE_W), dtype=np.uint8)
    mask[rows.start : rows.stop, cols.start : cols.stop] = 1
    return mask


def test_ellipse_is_resized_and_turned_with_its_handles(page, site):
    ellipse = {"kind": "ellipse", "cx": 160, "cy": 120, "rx": 60, "ry": 30, "angle": 0}
    ed = (
        EditorPage(page, site, site.fresh_item())
        .seed([{"id": "e", "class_id": "car", "shape": ellipse}])
        .open()
    )
    ed.click(160, 120)  # select
    ed.drag(220, 120, 240, 126)  # the end of the x axis: only the part along it counts
    ed.drag(160, 150, 160, 170)  # the end of the y axis
    ed.wait_saved()
    shape = ed.objects()[0]["shape"]
    assert shape["rx"] == pytest.approx(80, abs=1.5) and shape["ry"] == pytest.approx(50, abs=1.5)
    assert (shape["cx"], shape["cy"], shape["angle"]) == (160, 120, 0), "centre and angle stay"

    ed.drag_holding("Shift", 240, 120, 160, 200)  # a quarter turn around the centre
    ed.wait_saved()
    turned = ed.objects()[0]["shape"]
    assert turned["angle"] == pytest.approx(90, abs=2)
    assert turned["rx"] == pytest.approx(shape["rx"]) and turned["ry"] == pytest.approx(shape["ry"])
    # Its handles turned with it: the x axis now ends below the centre.
    ed.drag(160, 200, 160, 190)
    ed.wait_saved()
    assert ed.objects()[0]["shape"]["rx"] == pytest.approx(70, abs=1.5)

    for _ in range(2):
        page.keyboard.press("Control+z")
    ed.wait_saved()
    assert ed.objects()[0]["shape"] == shape, "each drag undoes as one step"
    page.keyboard.press("Control+y")
    ed.wait_saved()
    assert ed.objects()[0]["shape"]["angle"] == pytest.approx(90, abs=2)


def test_mask_moves_by_whole_pixels_and_is_cut_at_the_edge(page, site):
    original = rectangle(range(100, 120), range(290, 310))
    mask = {"kind": "mask", "rle": encode(original), "instance": True}
    ed = (
        EditorPage(page, site, site.fresh_item())
        .seed([{"id": "m", "class_id": "road", "shape": mask}])
        .open()
    )
    ed.click(300, 110)  # select
    ed.drag(300, 110, 326, 90, steps=8)  # 20 px right (the pointer stops at the edge), 20 up
    ed.wait_saved()
    rle = ed.objects()[0]["shape"]["rle"]
    assert rle["size"] == [IMAGE_H, IMAGE_W]
    moved = decode(rle)
    assert np.array_equal(moved, rectangle(range(80, 100), range(310, 320))), "half is cut off"

    page.keyboard.press("Control+z")
    ed.wait_saved()
    assert np.array_equal(decode(ed.objects()[0]["shape"]["rle"]), original)
    page.keyboard.press("Control+Shift+Z")
    ed.wait_saved()
    assert np.array_equal(decode(ed.objects()[0]["shape"]["rle"]), moved)


def test_shift_click_selects_two_that_move_and_delete_together(page, site):
    ed = (
        EditorPage(page, site, site.fresh_item())
        .seed([box("a", 20, 20), box("b", 100, 20), box("c", 200, 20)])
        .open()
    )
    ed.click(40, 40)
    ed.click(120, 40, hold="Shift")
    assert ed.selected_rows() == ["a", "b"]
    assert page.locator(".selection-count").inner_text() == "2 objects selected"
    ed.drag(40, 40, 40, 100)  # moves both
    ed.wait_saved()
    objects = ed.by_id()
    assert objects["a"]["shape"]["y"] == pytest.approx(80, abs=1.5)
    assert objects["b"]["shape"]["y"] == objects["a"]["shape"]["y"]
    assert objects["b"]["shape"]["x"] - objects["a"]["shape"]["x"] == pytest.approx(80)
    assert objects["c"]["shape"]["y"] == 20

    page.keyboard.press("Control+z")
    ed.wait_saved()
    assert [o["shape"]["y"] for o in ed.objects()] == [20, 20, 20], "one step undoes both"
    page.keyboard.press("Control+Shift+Z")
    ed.wait_saved()
    redone = ed.by_id()
    assert (
        redone["a"]["shape"] == objects["a"]["shape"]
        and redone["b"]["shape"] == objects["b"]["shape"]
    )

    ed.click(220, 40, hold="Control")  # Ctrl+click adds too
    ed.click(120, 100, hold="Shift")  # and Shift+click takes one out
    assert ed.selected_rows() == ["a", "c"]
    page.keyboard.press("Delete")
    ed.wait_saved()
    assert list(ed.by_id()) == ["b"]
    page.keyboard.press("Control+z")
    ed.wait_saved()
    assert sorted(ed.by_id()) == ["a", "b", "c"]


def test_rubber_band_selects_what_is_inside_and_a_class_key_relabels_it(page, site):
    ed = (
        EditorPage(page, site, site.fresh_item())
        .seed(
            [
                box("a", 20, 20, 30, 30),
                box("b", 70, 20, 30, 30),
                box("across", 150, 20, 30, 30),
                box("hidden", 20, 60, 20, 20),
                box("locked", 70, 60, 20, 20),
            ]
        )
        .open()
    )
    page.locator(".object-row[data-object-id='hidden'] [aria-label='Hide']").click()
    page.locator(".object-row[data-object-id='locked'] [aria-label='Lock']").click()
    ed.drag(10, 10, 160, 100)  # from empty image: a rubber band
    assert ed.selected_rows() == ["a", "b"]
    # The panel names the shared class, as text.
    assert page.locator("#attr-class option:checked").inner_text() == "Car"
    assert "one object at a time" in page.locator(".attribute-body").inner_text()

    page.keyboard.press("2")  # Truck, for both
    ed.wait_saved()
    classes = {i: o["class_id"] for i, o in ed.by_id().items()}
    assert classes == {
        "a": "truck",
        "b": "truck",
        "across": "car",
        "hidden": "car",
        "locked": "car",
    }
    assert page.locator("#attr-class option:checked").inner_text() == "Truck <b>big</b>"
    assert page.locator(".attribute-body b").count() == 0, "a class name is never markup"
    page.keyboard.press("Control+z")
    ed.wait_saved()
    assert {o["class_id"] for o in ed.objects()} == {"car"}, "one step undoes both"

    page.keyboard.press("Escape")
    assert ed.selected_rows() == []
    ed.click(35, 35)
    ed.drag_holding("Shift", 140, 10, 190, 60)  # with Shift, a band adds to the selection
    assert ed.selected_rows() == ["a", "across"]
    page.keyboard.press("Control+a")
    assert ed.selected_rows() == ["a", "across", "b", "locked"], "every visible object"
    page.keyboard.press("Delete")
    ed.wait_saved()
    assert sorted(ed.by_id()) == ["hidden", "locked"], (
        "hidden ones are not selected, locked ones stay"
    )


def test_object_list_extends_the_selection_and_copies_paste_together(page, site):
    ed = (
        EditorPage(page, site, site.fresh_item())
        .seed([box("a", 20, 20), box("b", 100, 20), {**box("t", 200, 20), "class_id": "truck"}])
        .open()
    )
    page.locator(".object-row[data-object-id='a']").click()
    page.locator(".object-row[data-object-id='t']").click(modifiers=["Shift"])
    assert ed.selected_rows() == ["a", "t"]
    assert page.locator("label[for='attr-class']").inner_text() == "Class (mixed)"
    page.keyboard.press("Control+c")
    page.keyboard.press("Control+v")
    ed.wait_saved()
    objects = ed.objects()
    assert len(objects) == 5
    copies = objects[3:]
    assert [o["shape"] for o in copies] == [objects[0]["shape"], objects[2]["shape"]]
    assert [o["class_id"] for o in copies] == ["car", "truck"]
    assert ed.selected_rows() == sorted(o["id"] for o in copies), "the pasted copies are selected"
    page.locator(".object-row[data-object-id='b']").click(modifiers=["Control"])
    page.keyboard.press("h")  # hides the three selected
    ed.drag(10, 10, 310, 230)
    assert ed.selected_rows() == ["a", "t"], "hidden objects stay out of a band"


def test_a_long_object_list_lists_an_object_selected_on_the_image_at_its_top(page, site):
    """Past the first 150 rows, an object selected on the image gets a row at the top, in
    place of the one selected before; the last line counts the objects without a row."""
    grid = [box(f"o{k}", 4 + 20 * (k % 16), 4 + 20 * (k // 16), 10, 10) for k in range(160)]
    ed = EditorPage(page, site, site.fresh_item()).seed(grid).open()
    rows = page.locator(".object-list > li")
    page.wait_for_selector(".object-row[data-object-id='o159']")
    assert rows.count() == 151 and rows.first.get_attribute("data-object-id") == "o159"
    more = rows.last
    assert more.inner_text() == "… and 10 more (select one on the image)"

    ed.click(9, 9)  # o0: the bottom of the drawing order, past the first rows
    assert ed.selected_rows() == ["o0"]
    assert rows.first.get_attribute("data-object-id") == "o0" and rows.count() == 152
    assert more.inner_text() == "… and 9 more (select one on the image)"
    ed.click(29, 9)  # o1 takes its place
    assert ed.selected_rows() == ["o1"]
    assert rows.first.get_attribute("data-object-id") == "o1" and rows.count() == 152
    assert page.locator(".object-row[data-object-id='o0']").count() == 0
    ed.click(9, 109)  # o80 has a row of its own: only the mark moves
    assert ed.selected_rows() == ["o80"] and rows.count() == 152
    assert rows.first.get_attribute("data-object-id") == "o1"  # kept until the list is redone
    ed.click(9, 9, hold="Shift")  # o0 joins: listed at the top with o1 gone
    assert ed.selected_rows() == ["o0", "o80"]
    assert rows.first.get_attribute("data-object-id") == "o0"
    assert more.inner_text() == "… and 9 more (select one on the image)"
