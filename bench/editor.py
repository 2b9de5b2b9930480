"""Editor speed in headless Chromium on a 4000×3000 image holding 5,000 polygons of 20 vertices.

Prints: navigation to the first full render, the first frame showing the image with every
object (target ≤ 700 ms; the median of `--loads` openings, each in a fresh browser context
with an empty cache, with the fastest and slowest; see `open_editor`), navigation to the
page settling once that frame's follow-up work is done, frames per second while panning and
zooming (target ≥ 30), and the time to select an object by click (target ≤ 16 ms).

Each opening navigates once the new tab has finished starting: for about 750 ms after a
context and page are created, Chromium keeps both cores of a two-core machine busy (some
900 ms of CPU) setting them up, work a person's already open tab has long done. The same
openings navigated at once, while that work still runs, are printed too
(`first_render_at_once_ms`), as this benchmark measured before.

    .venv/bin/python bench/editor.py [--objects 5000] [--seconds 3] [--loads 5]
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.browser.harness import PASSWORD, Server, build_site
from tests.conftest import write_image

WIDTH, HEIGHT = 4000, 3000
CHROMIUM = "/usr/bin/chromium"
FIRST_FRAME = "labelwright:first-frame"  # the editor's mark (FIRST_FRAME_MARK in workspace.js)

FRAME_COUNTER = """() => {
  window.__frames = { n: 0, worst: 0, last: performance.now(), on: true };
  const tick = (t) => {
    const f = window.__frames;
    if (!f.on) return;
    f.n++; f.worst = Math.max(f.worst, t - f.last); f.last = t;
    requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
  window.__frames.start = performance.now();
}"""

SELECT_TIMER = """() => {
  window.__select = [];
  const stage = document.querySelector('.editor-stage');
  let t0 = 0;
  window.addEventListener('pointerdown', () => { t0 = performance.now(); }, { capture: true });
  // Runs after the stage's own handler: the selection, the panels and the hit-test are done.
  document.addEventListener('pointerdown', () => {
    const handled = performance.now() - t0;
    requestAnimationFrame(() => window.__select.push([handled, performance.now() - t0]));
  });
  return stage !== null;
}"""


def polygons(count: int, seed: int = 1) -> list[dict]:
    """Star-shaped (so simple) polygons of 20 vertices spread over the image."""
    rng = np.random.default_rng(seed)
    out = []
    for i in range(count):
        cx, cy = rng.uniform(40, WIDTH - 40), rng.uniform(40, HEIGHT - 40)
        radius = rng.uniform(10, 30)
        ring = []
        for k in range(20):
            a = 2 * math.pi * k / 20
            r = radius * rng.uniform(0.7, 1.0)
            ring.append([round(cx + r * math.cos(a), 2), round(cy + r * math.sin(a), 2)])
        out.append(
            {
                "id": f"p{i}",
                "class_id": "car" if i % 2 else "truck",
                "shape": {"kind": "polygon", "rings": [ring]},
            }
        )
    return out


def prepare(root: Path, count: int) -> tuple[Server, dict, dict]:
    """A server with one big image whose annotation holds `count` polygons."""
    image = write_image(root / "big" / "big.jpg", WIDTH, HEIGHT, seed=5, quality=85)
    _, made = build_site(root / "data", 0)
    from labelwright.config import Settings
    from labelwright.services.context import Context
    from labelwright.services.intake import import_paths

    ctx = Context.open(Settings.from_env(data_dir=root / "data"))
    report = import_paths(ctx, made["editor"], [image])
    ctx.close()
    server = Server(root / "data")
    server.start()
    item_id = report.added[0]["item_id"]
    import httpx

    objects = polygons(count)
    response = httpx.put(
        f"{server.url}/api/projects/{made['editor']}/items/{item_id}/annotation",
        json={"objects": objects},
        headers={"Authorization": f"Bearer {made['token']}", "If-Match": '"rev-0"'},
        timeout=300,
    )
    response.raise_for_status()
    return server, made, {"item": item_id, "objects": objects}


def chromium_cpu_ms() -> float:
    """CPU time used so far by the running Chromium processes (Linux: from /proc)."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if CHROMIUM.rsplit("/", 1)[-1] not in (stat.parent / "cmdline").read_text():
                continue
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # a process that ended meanwhile
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total * 1000 / os.sysconf("SC_CLK_TCK")


def wait_until_idle(window: float = 0.1, busy_ms: float = 10, limit: float = 5.0) -> None:
    """Return once Chromium uses under `busy_ms` of CPU in a `window` (at most `limit` s)."""
    end = time.monotonic() + limit
    before = chromium_cpu_ms()
    while time.monotonic() < end:
        time.sleep(window)
        now = chromium_cpu_ms()
        if now - before < busy_ms:
            return
        before = now


def open_editor(browser, url: str, *, settle: bool = True):
    """A fresh context (empty cache), signed in, with the editor open; (page, first frame ms,
    settled ms). With `settle`, the navigation starts once the new tab has finished starting
    (`wait_until_idle`).

    The first frame is the editor's own mark (`labelwright:first-frame`), set at the animation
    frame after the one that first showed the image with every object. Settled is two
    animation frames after the stage says it is loaded, as seen from here: it also counts the
    work the editor does once the item is on screen (filling the object list, say).
    """
    context = browser.new_context(viewport={"width": 1600, "height": 1000})
    origin = url.split("/#")[0]
    login = {"username": "annotator", "password": PASSWORD}
    context.request.post(f"{origin}/api/auth/login", data=login)
    page = context.new_page()
    if settle:
        wait_until_idle()
    page.goto(url)
    page.wait_for_selector(".editor-stage[data-loaded='true']", timeout=60000)
    settled = page.evaluate(
        "() => new Promise(r => requestAnimationFrame("
        "() => requestAnimationFrame(() => r(performance.now()))))"
    )
    page.wait_for_function(f"() => performance.getEntriesByName('{FIRST_FRAME}').length > 0")
    first_frame = page.evaluate(f"() => performance.getEntriesByName('{FIRST_FRAME}')[0].startTime")
    return page, first_frame, settled


def measure(url: str, seconds: float, objects: list[dict], loads: int) -> dict[str, float]:
    """Open the editor `loads` times and time its first render; then pan, zoom and select."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True)
        renders, settled, at_once = [], [], []
        for number in range(loads):  # the two ways in turn, so both see the same machine
            page, first_frame, _ = open_editor(browser, url, settle=False)
            at_once.append(first_frame)
            page.context.close()
            page, first_frame, settled_at = open_editor(browser, url)
            renders.append(first_frame)
            settled.append(settled_at)
            if number < loads - 1:
                page.context.close()
        renders.sort()
        figures = {
            "first_render_ms": renders[len(renders) // 2],
            "first_render_ms_min": renders[0],
            "first_render_ms_max": renders[-1],
            "settled_ms": sorted(settled)[len(settled) // 2],
            "first_render_at_once_ms": sorted(at_once)[len(at_once) // 2],
        }
        figures.update(pan_zoom_fps(page, seconds))
        figures.update(select_times(page, objects))
        browser.close()
    return figures


def pan_zoom_fps(page, seconds: float) -> dict[str, float]:
    """Frames per second while the mouse pans (middle drag) and zooms (wheel)."""
    box = page.locator(".editor-stage").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(FRAME_COUNTER)
    end = time.monotonic() + seconds
    step = 0
    while time.monotonic() < end:
        page.mouse.move(cx, cy)
        page.mouse.down(button="middle")
        for k in range(10):
            page.mouse.move(cx + 15 * k, cy + 8 * k)
        page.mouse.up(button="middle")
        for _ in range(4):
            page.mouse.wheel(0, -120 if step % 2 == 0 else 120)
        step += 1
    stats = page.evaluate(
        "() => { const f = window.__frames; f.on = false;"
        " return [f.n, performance.now() - f.start, f.worst]; }"
    )
    frames, elapsed, worst = stats
    return {"pan_zoom_fps": frames / (elapsed / 1000), "worst_frame_ms": worst}


def select_times(page, objects: list[dict]) -> dict[str, float]:
    """Click objects at fit zoom; the handler's time and the time to the next painted frame."""
    page.keyboard.press("f")
    page.evaluate(SELECT_TIMER)
    box = page.locator(".editor-stage").bounding_box()
    scale = min((box["width"] - 24) / WIDTH, (box["height"] - 24) / HEIGHT)
    ox = box["x"] + (box["width"] - WIDTH * scale) / 2
    oy = box["y"] + (box["height"] - HEIGHT * scale) / 2
    for obj in objects[:: max(1, len(objects) // 20)][:20]:
        ring = obj["shape"]["rings"][0]
        x = sum(p[0] for p in ring) / len(ring)
        y = sum(p[1] for p in ring) / len(ring)
        page.mouse.click(ox + x * scale, oy + y * scale)
        page.wait_for_timeout(30)
    times = page.evaluate("() => window.__select")
    handled = sorted(t[0] for t in times)
    painted = sorted(t[1] for t in times)
    return {
        "select_handler_ms_median": handled[len(handled) // 2],
        "select_handler_ms_max": handled[-1],
        "select_to_paint_ms_median": painted[len(painted) // 2],
    }


def main() -> None:
    """Run the benchmark and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=5000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--loads", type=int, default=5, help="editor openings timed (median)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        server, made, data = prepare(Path(tmp), args.objects)
        print(f"prepared {args.objects} polygons in {time.monotonic() - started:.1f} s")
        try:
            url = f"{server.url}/#/projects/{made['editor']}/items/{data['item']}/edit"
            figures = measure(url, args.seconds, data["objects"], max(1, args.loads))
        finally:
            server.stop()
    targets = {
        "first_render_ms": "≤ 700",
        "pan_zoom_fps": "≥ 30",
        "select_handler_ms_median": "≤ 16",
    }
    for name, value in figures.items():
        print(f"{name:28s} {value:9.1f}   {targets.get(name, '')}")


if __name__ == "__main__":
    main()
