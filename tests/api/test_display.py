"""The editor's display copy: large stills at most 2048 px a side, oriented; others as they are."""

from __future__ import annotations

import io

from PIL import Image

from labelwright.services.derived import DISPLAY_SIDE
from labelwright.services.intake import import_paths
from tests.conftest import write_image

URL = "/api/projects/{}/items/{}"


def _item(api, path) -> int:
    return import_paths(api.ctx, api.project_id, [path]).added[0]["item_id"]


def test_a_large_photo_gets_a_display_copy_made_at_intake(api, tmp_path):
    item = _item(api, write_image(tmp_path / "big.jpg", 4000, 3000, seed=3))
    sha = api.get(URL.format(api.project_id, item)).json()["image"]["sha256"]
    assert api.ctx.blobs.exists(api.ctx.blobs.key_for(sha, "jpg", "display"))  # made at intake
    resp = api.get(URL.format(api.project_id, item) + "/display", "annotator")
    assert resp.status_code == 200 and resp.headers["content-type"] == "image/jpeg"
    shown = Image.open(io.BytesIO(resp.content))
    assert max(shown.size) <= DISPLAY_SIDE and abs(shown.size[0] / shown.size[1] - 4 / 3) < 0.01
    again = api.get(
        URL.format(api.project_id, item) + "/display",
        headers={"If-None-Match": resp.headers["etag"]},
    )
    assert again.status_code == 304


def test_orientation_is_applied_like_the_original(api, tmp_path):
    path = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90: the photo is shown portrait
    Image.new("RGB", (3000, 1000), (200, 30, 30)).save(path, exif=exif.tobytes())
    item = _item(api, path)
    shown = Image.open(io.BytesIO(api.get(URL.format(api.project_id, item) + "/display").content))
    assert shown.size[1] > shown.size[0] and max(shown.size) <= DISPLAY_SIDE


def test_small_images_are_their_own_display_copy(api):
    url = URL.format(api.project_id, api.item_id)
    original = api.get(url + "/image")
    display = api.get(url + "/display")
    assert display.status_code == 200 and display.content == original.content
    assert api.get(url + "/display", "outsider").status_code == 404
