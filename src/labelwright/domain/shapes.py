"""Annotation objects and the document saved as one revision.

Coordinates are image pixels after EXIF orientation, origin top-left, as floats.
Angles are in degrees, clockwise on screen (y points down).
"""

from typing import Annotated, Any, Literal

from pydantic import Field

from labelwright.domain.attributes import DomainModel

Point = tuple[float, float]
"""An `(x, y)` position in image pixels."""

Keypoint = tuple[float, float, int]
"""An `(x, y, v)` skeleton node; v is 0 not labeled, 1 occluded, 2 visible (COCO)."""


class BBox(DomainModel):
    """An axis-aligned box from its top-left corner."""

    kind: Literal["bbox"] = "bbox"
    x: float
    y: float
    w: float
    h: float


class RotatedBox(DomainModel):
    """A box of size `w` x `h` around a centre, turned by `angle` degrees."""

    kind: Literal["rotated_box"] = "rotated_box"
    cx: float
    cy: float
    w: float
    h: float
    angle: float = 0.0


class Polygon(DomainModel):
    """An area: the first ring is the outline, any further rings are holes."""

    kind: Literal["polygon"] = "polygon"
    rings: list[list[Point]]


class Polyline(DomainModel):
    """An open line through two or more points."""

    kind: Literal["polyline"] = "polyline"
    points: list[Point]


class Points(DomainModel):
    """A set of loose points."""

    kind: Literal["points"] = "points"
    points: list[Point]


class Keypoints(DomainModel):
    """One `(x, y, v)` per node of the class's skeleton, in node order."""

    kind: Literal["keypoints"] = "keypoints"
    points: list[Keypoint]


class Ellipse(DomainModel):
    """An ellipse with radii `rx`, `ry` around a centre, turned by `angle` degrees."""

    kind: Literal["ellipse"] = "ellipse"
    cx: float
    cy: float
    rx: float
    ry: float
    angle: float = 0.0


class Rle(DomainModel):
    """A COCO compressed run-length encoding: `size` is `[height, width]`."""

    size: tuple[int, int]
    counts: str


class Mask(DomainModel):
    """A pixel mask as COCO RLE; `instance` false means a semantic (stuff) region."""

    kind: Literal["mask"] = "mask"
    rle: Rle
    instance: bool = True


class Tag(DomainModel):
    """An image-level class with no geometry."""

    kind: Literal["tag"] = "tag"


Shape = Annotated[
    BBox | RotatedBox | Polygon | Polyline | Points | Keypoints | Ellipse | Mask | Tag,
    Field(discriminator="kind"),
]
"""Any geometry, told apart by its `kind`."""


class AnnotationObject(DomainModel):
    """One labeled thing in an image (or one GIF frame) with its class and attributes."""

    id: str
    class_id: str
    shape: Shape
    attributes: dict[str, Any] = Field(default_factory=dict)
    frame: int = 0
    track: str | None = None
    group: str | None = None
    score: float | None = None
    source: str = "manual"


class ObjectRelation(DomainModel):
    """A typed link from one object (the subject) to another."""

    id: str
    type_id: str
    subject: str
    object: str


class Annotation(DomainModel):
    """Everything labeled on one image, saved together as one revision."""

    objects: list[AnnotationObject] = Field(default_factory=list)
    tags: dict[str, list[str]] = Field(default_factory=dict)
    relations: list[ObjectRelation] = Field(default_factory=list)

    def object_by_id(self, object_id: str) -> AnnotationObject | None:
        """Return the object with this id, or None."""
        return next((o for o in self.objects if o.id == object_id), None)


def drop_object(annotation: Annotation, object_id: str) -> Annotation:
    """Return a copy without the object and without the relations that touch it."""
    if annotation.object_by_id(object_id) is None:
        raise KeyError(f"no object with id {object_id!r} in this annotation")
    return annotation.model_copy(
        update={
            "objects": [o for o in annotation.objects if o.id != object_id],
            "relations": [
                r for r in annotation.relations if object_id not in (r.subject, r.object)
            ],
        }
    )
