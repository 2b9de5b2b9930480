"""Worker-side unit of work: render, label, encode and check a range of images into a folder.

It lives here, not in `services`, so a worker process imports only the rendering stack
and the domain, not the store and the web of services.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from labelwright.domain.schema import LabelSchema
from labelwright.domain.shapes import Annotation
from labelwright.domain.validation import AnnotationInvalid, validate_annotation
from labelwright.synth.classes import ClassBinding
from labelwright.synth.generate import encoded_range
from labelwright.synth.labels import LabelStats
from labelwright.synth.recipe import Recipe


@dataclass
class StagedImage:
    """One generated image written to a folder, with labels checked against a schema."""

    index: int
    file_name: str
    path: Path
    width: int
    height: int
    annotation: Annotation
    stats: LabelStats
    problem: str | None = None  # the labels did not validate, so no file was written


def stage_range(
    recipe: Recipe,
    start: int,
    stop: int,
    bindings: dict[str, ClassBinding],
    schema: LabelSchema,
    folder: str,
) -> list[StagedImage]:
    """Images `start..stop` as files in `folder`, their labels validated against `schema`."""
    staged = []
    for image in encoded_range(recipe, start, stop, bindings):
        path = Path(folder) / image.file_name
        problem, doc = None, image.annotation
        try:
            doc = validate_annotation(doc, schema, width=image.width, height=image.height)
        except AnnotationInvalid as exc:  # a labeling bug must cost one image, not the run
            problem = str(exc)
        if problem is None:
            path.write_bytes(image.data)
        staged.append(
            StagedImage(
                index=image.index,
                file_name=image.file_name,
                path=path,
                width=image.width,
                height=image.height,
                annotation=doc,
                stats=image.stats,
                problem=problem,
            )
        )
    return staged
