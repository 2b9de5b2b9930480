"""The generator: images `start..stop` of a recipe, rendered and labeled.

Each image depends only on (recipe, seed, index), so a run can be split into index
ranges and made in any number of processes or machines with identical results.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from PIL import Image

from labelwright.domain.shapes import Annotation
from labelwright.synth.classes import ClassBinding, bind_classes, recipe_schema
from labelwright.synth.labels import LabelStats, label_frame
from labelwright.synth.recipe import ImageSpec, Recipe
from labelwright.synth.render import Frame, renderer_for
from labelwright.synth.scene import Scene, sample_scene

PNG_COMPRESSION = 1  # PNG encoding costs more than rendering; level 1 is 3x faster than 6


@dataclass
class SyntheticImage:
    """One generated image: pixels, labels, and (when kept) the render and its scene."""

    index: int
    file_name: str
    rgb: np.ndarray  # (h, w, 3) uint8
    annotation: Annotation
    stats: LabelStats
    frame: Frame | None = None
    scene: Scene | None = None


@dataclass
class EncodedImage:
    """One generated image as file bytes and labels: what crosses a process boundary."""

    index: int
    file_name: str
    data: bytes
    width: int
    height: int
    annotation: Annotation
    stats: LabelStats


def image_name(recipe: Recipe, index: int) -> str:
    """The file name of image `index`: recipe name, seed and index."""
    suffix = "jpg" if recipe.image.format == "jpeg" else "png"
    return f"{recipe.name}-{recipe.seed}-{index:06d}.{suffix}"


def default_bindings(recipe: Recipe) -> dict[str, ClassBinding]:
    """Bindings to the recipe's own schema (see `recipe_schema`)."""
    return bind_classes(recipe, recipe_schema(recipe))


def generate(
    recipe: Recipe,
    start: int,
    stop: int,
    bindings: dict[str, ClassBinding] | None = None,
    *,
    keep_frames: bool = False,
) -> Iterator[SyntheticImage]:
    """Render and label images `start` to `stop - 1` (in this process's GL context)."""
    if not 0 <= start <= stop:
        raise ValueError(f"index range {start}..{stop} is not a range of image numbers")
    bindings = bindings if bindings is not None else default_bindings(recipe)
    renderer = renderer_for(recipe.image.width, recipe.image.height)
    for index in range(start, stop):
        scene = sample_scene(recipe, index)
        frame = renderer.render(scene, coverage=recipe.visibility.needs_coverage())
        objects, stats = label_frame(frame, scene, bindings, recipe.visibility)
        yield SyntheticImage(
            index=index,
            file_name=image_name(recipe, index),
            rgb=frame.rgb,
            annotation=Annotation(objects=objects),
            stats=stats,
            frame=frame if keep_frames else None,
            scene=scene if keep_frames else None,
        )


def encode_image(rgb: np.ndarray, spec: ImageSpec) -> bytes:
    """The pixels as JPEG or PNG file bytes (the same bytes for the same pixels)."""
    buffer = io.BytesIO()
    image = Image.fromarray(rgb)
    if spec.format == "jpeg":
        image.save(buffer, format="JPEG", quality=spec.quality)
    else:
        image.save(buffer, format="PNG", compress_level=PNG_COMPRESSION)
    return buffer.getvalue()


def encoded_range(
    recipe: Recipe, start: int, stop: int, bindings: dict[str, ClassBinding] | None = None
) -> list[EncodedImage]:
    """Images `start..stop` encoded, with their labels: one task for a worker or a cluster."""
    return [
        EncodedImage(
            index=image.index,
            file_name=image.file_name,
            data=encode_image(image.rgb, recipe.image),
            width=recipe.image.width,
            height=recipe.image.height,
            annotation=image.annotation,
            stats=image.stats,
        )
        for image in generate(recipe, start, stop, bindings)
    ]
