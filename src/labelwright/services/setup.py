"""First-run set-up: the initial admin account and the demo project."""

from __future__ import annotations

import io
import os
import secrets
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image as PILImage
from sqlalchemy import func, select

from labelwright.domain.attributes import (
    CheckboxAttribute,
    NumberAttribute,
    Option,
    SelectAttribute,
    TextAttribute,
)
from labelwright.domain.schema import LabelClass, LabelSchema, RelationType, Skeleton, TagGroup
from labelwright.services import projects, users
from labelwright.services.context import Context
from labelwright.services.intake import ImportReport, Progress, import_paths
from labelwright.services.labelschema import append_schema, save_guidelines
from labelwright.store.tables import Project, User

ADMIN_FILE = "initial-admin.txt"
DEMO_PROJECT = "Demo"
# Real photographs that scikit-image ships inside its package (no download).
DEMO_PHOTOS = [
    "astronaut.png",
    "coffee.png",
    "chelsea.png",
    "rocket.jpg",
    "motorcycle_left.png",
    "hubble_deep_field.jpg",
    "retina.jpg",
    "coins.png",
    "horse.png",
]


def ensure_admin(ctx: Context, username: str = "admin") -> tuple[str, str | None]:
    """Create the first admin if there are no users; return (username, new password or None)."""
    with ctx.db.session() as sess:
        if sess.scalar(select(func.count()).select_from(User)):
            return username, None
        password = secrets.token_urlsafe(12)
        users.create_user(sess, username, password, display_name="Administrator", is_admin=True)
    path = ctx.settings.data_dir / ADMIN_FILE
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(f"username: {username}\npassword: {password}\n")
    return username, password


def initial_admin_note(ctx: Context) -> str | None:
    """The initial admin credentials file's text, while it exists (delete it once noted)."""
    path = ctx.settings.data_dir / ADMIN_FILE
    return path.read_text() if path.exists() else None


def _skimage_data_dir() -> Path | None:
    try:
        import skimage.data
    except ImportError:
        return None
    return Path(skimage.data.__file__).parent


def write_demo_images(folder: Path) -> list[Path]:
    """Real sample photos plus generated ones (an animated GIF, a rotated-EXIF JPEG)."""
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    data_dir = _skimage_data_dir()
    for name in DEMO_PHOTOS:
        src = data_dir / name if data_dir else None
        if src and src.exists():
            dest = folder / name
            dest.write_bytes(src.read_bytes())
            paths.append(dest)
    paths.append(_bouncing_ball_gif(folder / "bouncing-ball.gif"))
    paths.append(_rotated_jpeg(folder / "portrait-exif-rotated.jpg"))
    paths.append(_shapes_png(folder / "shapes.png"))
    return paths


def _bouncing_ball_gif(path: Path, frames: int = 12) -> Path:
    size = (320, 200)
    images = []
    for i in range(frames):
        yy, xx = np.mgrid[0 : size[1], 0 : size[0]]
        cx, cy = 30 + i * 22, 40 + abs(6 - i) * 20
        canvas = np.zeros((size[1], size[0], 3), np.uint8)
        canvas[..., 2] = 60 + (yy * 120 // size[1]).astype(np.uint8)
        canvas[(xx - cx) ** 2 + (yy - cy) ** 2 < 18**2] = (240, 90, 40)
        images.append(PILImage.fromarray(canvas).convert("P", palette=PILImage.Palette.ADAPTIVE))
    images[0].save(path, save_all=True, append_images=images[1:], duration=80, loop=0)
    return path


def _rotated_jpeg(path: Path) -> Path:
    # Stored landscape with EXIF orientation 6: a person (and Labelwright) sees it portrait.
    yy, xx = np.mgrid[0:240, 0:320]
    arr = np.stack([xx * 255 // 320, yy * 255 // 240, np.full_like(xx, 128)], -1).astype(np.uint8)
    arr[100:140, 20:120] = (255, 255, 255)  # an arrow's shaft pointing "up" once rotated
    img = PILImage.fromarray(arr)
    exif = img.getexif()
    exif[0x0112] = 6
    img.save(path, "JPEG", quality=90, exif=exif.tobytes())
    return path


def _shapes_png(path: Path) -> Path:
    rng = np.random.default_rng(7)
    arr = np.full((300, 400, 3), 235, np.uint8)
    yy, xx = np.mgrid[0:300, 0:400]
    for _ in range(6):
        x, y, r = rng.integers(40, 360), rng.integers(40, 260), rng.integers(15, 45)
        colour = rng.integers(0, 200, 3)
        if rng.random() < 0.5:
            arr[(xx - x) ** 2 + (yy - y) ** 2 < r**2] = colour
        else:
            arr[max(0, y - r) : y + r, max(0, x - r) : x + r] = colour
    buf = io.BytesIO()
    PILImage.fromarray(arr).save(buf, "PNG")
    path.write_bytes(buf.getvalue())
    return path


def load_demo(ctx: Context, progress: Progress | None = None) -> tuple[int, ImportReport | None]:
    """Create the demo project with its images, once; return (project id, import report)."""
    with ctx.db.session() as sess:
        existing = sess.scalar(select(Project).where(Project.name == DEMO_PROJECT))
        if existing is not None:
            return existing.id, None
        admin = sess.scalar(select(User).where(User.is_admin.is_(True)).order_by(User.id))
        project = projects.create_project(
            sess,
            DEMO_PROJECT,
            description="Sample photos and generated images to try Labelwright on.",
            creator=admin,
        )
        project_id, admin_id = project.id, admin.id if admin else None
        append_schema(sess, project_id, DEMO_SCHEMA, 1, admin)
        if admin is not None:
            save_guidelines(sess, project_id, DEMO_GUIDELINES, admin)
    with tempfile.TemporaryDirectory(dir=ctx.settings.tmp_dir) as tmp:
        paths = write_demo_images(Path(tmp))
        report = import_paths(
            ctx, project_id, paths, user_id=admin_id, batch_name="demo images", progress=progress
        )
    return project_id, report


def _option(name: str) -> Option:
    return Option(id=name.lower().replace(" ", "_"), name=name)


FACE_SKELETON = Skeleton(
    nodes=["right eye", "left eye", "nose tip", "mouth centre"],
    edges=[(0, 2), (1, 2), (2, 3)],
    symmetric_pairs=[(0, 1)],
)
DEMO_SCHEMA = LabelSchema(
    classes=[
        LabelClass(
            id="person",
            name="Person",
            color="#e4572e",
            hotkey="p",
            shape_kinds=["bbox", "polygon", "mask"],
            attributes=[
                CheckboxAttribute(id="occluded", name="Occluded"),
                SelectAttribute(
                    id="pose",
                    name="Pose",
                    options=[_option(o) for o in ("Standing", "Sitting", "Other")],
                ),
            ],
        ),
        LabelClass(
            id="face",
            name="Face",
            color="#f3a712",
            hotkey="f",
            shape_kinds=["bbox", "keypoints"],
            skeleton=FACE_SKELETON,
        ),
        LabelClass(
            id="animal",
            name="Animal",
            color="#29335c",
            hotkey="a",
            shape_kinds=["bbox", "polygon", "ellipse"],
            attributes=[TextAttribute(id="species", name="Species", max_length=100)],
        ),
        LabelClass(
            id="vehicle",
            name="Vehicle",
            color="#669bbc",
            hotkey="v",
            shape_kinds=["bbox", "rotated_box", "polygon"],
            attributes=[NumberAttribute(id="wheels", name="Wheels", min=0, max=18)],
        ),
        LabelClass(
            id="object",
            name="Object",
            color="#8cb369",
            hotkey="o",
            shape_kinds=["bbox", "polygon", "polyline", "points", "mask"],
        ),
    ],
    tag_groups=[
        TagGroup(
            id="scene", name="Scene", options=[_option(o) for o in ("Indoor", "Outdoor", "Space")]
        ),
        TagGroup(
            id="quality",
            name="Image quality",
            multiple=True,
            options=[_option(o) for o in ("Blurry", "Dark", "Cropped")],
        ),
    ],
    relation_types=[RelationType(id="rides", name="rides")],
)
DEMO_GUIDELINES = """# Demo guidelines

Label every **person**, **face**, **animal** and **vehicle** you can see; anything else
worth a box is an **object**.

- Boxes are tight: no background margin on any side.
- A face gets a box, and its four keypoints where visible (mark hidden ones occluded).
- Tag each image with its *scene*, and with *image quality* problems if it has any.
- A person on a motorcycle: box both, then link them with the relation **rides**.

Press `?` in the editor for every key.
"""
