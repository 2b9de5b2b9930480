"""Driving the editor page: opening items, image-to-screen coordinates, waiting for saves."""

from __future__ import annotations

from tests.browser.harness import IMAGE_H, IMAGE_W, Site

PADDING = 12  # the editor's fit leaves this many view pixels around the image


class EditorPage:
    """The editor open on one item, with helpers in image coordinates."""

    def __init__(self, page, site: Site, item_id: int, project_id: int | None = None) -> None:
        self.page, self.site, self.item_id = page, site, item_id
        self.project_id = project_id or site.editor_project

    def open(self) -> EditorPage:
        """Load the editor on the item and wait for the image."""
        url = f"{self.site.url}/#/projects/{self.project_id}/items/{self.item_id}/edit"
        self.page.goto(url)
        self.wait_loaded()
        return self

    def wait_loaded(self) -> None:
        """Wait until the stage shows the image."""
        self.page.wait_for_selector(".editor-stage[data-loaded='true']")

    def to_screen(self, x: float, y: float) -> tuple[float, float]:
        """Where an image point is on screen while the image is fitted."""
        box = self.page.locator(".editor-stage").bounding_box()
        scale = min((box["width"] - 2 * PADDING) / IMAGE_W, (box["height"] - 2 * PADDING) / IMAGE_H)
        ox = box["x"] + (box["width"] - IMAGE_W * scale) / 2
        oy = box["y"] + (box["height"] - IMAGE_H * scale) / 2
        return ox + x * scale, oy + y * scale

    def click(self, x: float, y: float, hold: str | None = None) -> None:
        """Click at an image point, holding a modifier key ("Shift", "Alt") if given."""
        sx, sy = self.to_screen(x, y)
        if hold:
            self.page.keyboard.down(hold)
        self.page.mouse.click(sx, sy)
        if hold:
            self.page.keyboard.up(hold)

    def drag(self, x0: float, y0: float, x1: float, y1: float, steps: int = 5) -> None:
        """Press at one image point, move to another and release."""
        self.page.mouse.move(*self.to_screen(x0, y0))
        self.page.mouse.down()
        self.page.mouse.move(*self.to_screen(x1, y1), steps=steps)
        self.page.mouse.up()

    def tool(self, name: str) -> None:
        """Pick a tool by its toolbar button."""
        self.page.click(f"[data-tool='{name}']")

    def wait_saved(self) -> None:
        """Wait until the status says everything is saved."""
        self.page.wait_for_selector(".save-status[data-status='saved']", timeout=8000)

    def wait_status(self, status: str) -> None:
        """Wait for a save status (dirty, saving, conflict, offline, invalid)."""
        self.page.wait_for_selector(f".save-status[data-status='{status}']", timeout=8000)

    def objects(self) -> list[dict]:
        """The objects the server has for this item."""
        return self.site.annotation(self.item_id, self.project_id)["body"]["objects"]

    def rows(self) -> int:
        """How many rows the object list shows."""
        return self.page.locator(".object-row[data-object-id]").count()

    def seed(self, objects: list[dict]) -> EditorPage:
        """Save objects as the item's first annotation through the API (call before open)."""
        self.site.api(
            "PUT",
            f"/api/projects/{self.project_id}/items/{self.item_id}/annotation",
            json={"objects": objects},
            headers={"If-Match": '"rev-0"'},
        ).raise_for_status()
        return self

    def drag_holding(
        self, key: str, x0: float, y0: float, x1: float, y1: float, steps: int = 5
    ) -> None:
        """Drag between image points with a modifier key ("Shift", "Control") held."""
        self.page.keyboard.down(key)
        self.drag(x0, y0, x1, y1, steps)
        self.page.keyboard.up(key)

    def by_id(self) -> dict[str, dict]:
        """The objects the server has for this item, by id."""
        return {o["id"]: o for o in self.objects()}

    def selected_rows(self) -> list[str]:
        """The ids of the objects the object list highlights as selected, sorted."""
        rows = self.page.locator(".object-row.selected[data-object-id]")
        return sorted(rows.nth(i).get_attribute("data-object-id") for i in range(rows.count()))
