"""The scene recipe: what to place, how to randomise it, and which labels to derive.

A recipe is YAML or JSON. Every number that varies is either a fixed value or a
`[low, high]` range drawn uniformly per image. Paths are relative to the recipe file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    model_validator,
)

from labelwright.synth.errors import RecipeError

MESH_SUFFIXES = (".obj", ".stl", ".ply", ".glb", ".gltf", ".off")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".tif", ".tiff", ".webp")
MAX_INSTANCES = 1024  # per image; the coverage image holds 32 instances per layer
LABEL_KINDS = ("bbox", "polygon", "mask", "keypoints")

Finite = Annotated[float, Field(allow_inf_nan=False)]


def _pair(value: Any) -> Any:
    """A fixed number becomes the range [n, n]; a list of two stays as it is."""
    if isinstance(value, bool):
        raise ValueError("give a number or [low, high], not true/false")
    if isinstance(value, int | float):
        return (value, value)
    if isinstance(value, list | tuple) and len(value) == 2:
        return tuple(value)
    raise ValueError("give a number or a [low, high] pair")


def _ordered(value: tuple) -> tuple:
    if value[0] > value[1]:
        raise ValueError(f"low {value[0]} is above high {value[1]}")
    return value


Range = Annotated[tuple[Finite, Finite], BeforeValidator(_pair), AfterValidator(_ordered)]
"""A value drawn uniformly from `[low, high]` per image (a single number: always that)."""

IntRange = Annotated[tuple[int, int], BeforeValidator(_pair), AfterValidator(_ordered)]
"""A whole number drawn uniformly from `low..high` inclusive."""


def _hex_colour(value: str) -> str:
    digits = "0123456789abcdefABCDEF"
    if len(value) != 7 or value[0] != "#" or any(c not in digits for c in value[1:]):
        raise ValueError(f"colour {value!r} is not of the form #rrggbb")
    return value.lower()


Colour = Annotated[str, AfterValidator(_hex_colour)]


def _within(value: tuple[float, float], low: float, high: float, name: str) -> None:
    if value[0] < low or value[1] > high:
        raise ValueError(f"{name} {list(value)} must lie within [{low}, {high}]")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Vec3Range(_Model):
    """A point drawn per image, one range per axis (world units, Z up)."""

    x: Range = (0.0, 0.0)
    y: Range = (0.0, 0.0)
    z: Range = (0.0, 0.0)


class EulerRanges(_Model):
    """Rotation about the X, then Y, then Z axis, in degrees."""

    x: Range = (0.0, 0.0)
    y: Range = (0.0, 0.0)
    z: Range = (0.0, 0.0)


class Box(_Model):
    """A box of `size` (x, y, z); each subdivision splits every triangle in four."""

    type: Literal["box"]
    size: tuple[Finite, Finite, Finite] = (1.0, 1.0, 1.0)
    subdivisions: int = Field(default=0, ge=0, le=6)


class Sphere(_Model):
    """A UV sphere; `sections` rings and segments (about 4 x sections^2 triangles)."""

    type: Literal["sphere"]
    radius: float = Field(default=0.5, gt=0, allow_inf_nan=False)
    sections: int = Field(default=32, ge=4, le=512)


class Cylinder(_Model):
    """A closed cylinder along Z."""

    type: Literal["cylinder"]
    radius: float = Field(default=0.5, gt=0, allow_inf_nan=False)
    height: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    sections: int = Field(default=32, ge=3, le=16384)


class Capsule(_Model):
    """A cylinder with hemispherical caps along Z; `height` is between the cap centres."""

    type: Literal["capsule"]
    radius: float = Field(default=0.3, gt=0, allow_inf_nan=False)
    height: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    sections: int = Field(default=32, ge=4, le=512)


class Cone(_Model):
    """A cone along Z with its base at z = 0."""

    type: Literal["cone"]
    radius: float = Field(default=0.5, gt=0, allow_inf_nan=False)
    height: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    sections: int = Field(default=32, ge=3, le=16384)


class Torus(_Model):
    """A ring around Z: `sections` around the ring, `ring_sections` around the tube."""

    type: Literal["torus"]
    major_radius: float = Field(default=0.5, gt=0, allow_inf_nan=False)
    minor_radius: float = Field(default=0.15, gt=0, allow_inf_nan=False)
    sections: int = Field(default=48, ge=3, le=2048)
    ring_sections: int = Field(default=24, ge=3, le=1024)


Primitive = Annotated[Box | Sphere | Cylinder | Capsule | Cone | Torus, Field(discriminator="type")]


class ObjectSpec(_Model):
    """One kind of object: its geometry, class, how many, and how it is posed and coloured."""

    class_name: str = Field(alias="class", min_length=1, max_length=100)
    mesh: Path | None = None
    primitive: Primitive | None = None
    count: IntRange = (1, 1)
    scale: Range = (1.0, 1.0)
    size: Range | None = None  # the mesh is first scaled so its longest side is 1
    rotation: Literal["random"] | EulerRanges = "random"
    position: Vec3Range = Vec3Range(x=(-1.0, 1.0), y=(-1.0, 1.0))
    colors: list[Colour] | None = None
    textures: list[Path] | None = None
    texture_scale: float = Field(default=1.0, gt=0, allow_inf_nan=False)
    keypoints: dict[str, tuple[Finite, Finite, Finite]] = Field(default_factory=dict)
    skeleton_edges: list[tuple[str, str]] = Field(default_factory=list)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    @model_validator(mode="after")
    def _check(self) -> ObjectSpec:
        if (self.mesh is None) == (self.primitive is None):
            raise ValueError("give exactly one of 'mesh' (a file) or 'primitive'")
        if self.mesh is not None and self.mesh.suffix.lower() not in MESH_SUFFIXES:
            suffixes = ", ".join(MESH_SUFFIXES)
            raise ValueError(f"mesh {str(self.mesh)!r}: unsupported suffix; use one of {suffixes}")
        if self.count[0] < 0:
            raise ValueError(f"count {list(self.count)} must not be negative")
        for name, value in (("scale", self.scale), ("size", self.size)):
            if value is not None and value[0] <= 0:
                raise ValueError(f"{name} {list(value)} must be above 0")
        if self.colors is not None and not self.colors:
            raise ValueError("colors is empty; leave it out to use the mesh's own colours")
        if self.textures is not None and not self.textures:
            raise ValueError("textures is empty; leave it out to use colours")
        names = set(self.keypoints)
        for a, b in self.skeleton_edges:
            missing = [n for n in (a, b) if n not in names]
            if missing:
                raise ValueError(f"skeleton edge ({a}, {b}) names unknown keypoint {missing[0]!r}")
        return self


class DirectionalLights(_Model):
    """Lights at infinity; their direction is drawn on the sky (degrees)."""

    count: IntRange = (1, 2)
    intensity: Range = (0.5, 0.9)
    elevation: Range = (20.0, 80.0)
    azimuth: Range = (0.0, 360.0)
    colors: list[Colour] = Field(default_factory=lambda: ["#ffffff"], min_length=1)

    @model_validator(mode="after")
    def _check(self) -> DirectionalLights:
        if self.count[0] < 0 or self.count[1] > 4:
            raise ValueError(f"count {list(self.count)} must lie within 0..4")
        _within(self.intensity, 0.0, 10.0, "intensity")
        _within(self.elevation, -90.0, 90.0, "elevation")
        return self


class Lighting(_Model):
    """An ambient level plus directional lights."""

    ambient: Range = (0.2, 0.45)
    directional: DirectionalLights = DirectionalLights()

    @model_validator(mode="after")
    def _check(self) -> Lighting:
        _within(self.ambient, 0.0, 10.0, "ambient")
        return self


class CameraSpec(_Model):
    """A pinhole camera on a sphere around `target`, looking at it (degrees, world units)."""

    fov: Range = (40.0, 55.0)
    distance: Range = (4.0, 6.0)
    elevation: Range = (15.0, 60.0)
    azimuth: Range = (0.0, 360.0)
    target: Vec3Range = Vec3Range()

    @model_validator(mode="after")
    def _check(self) -> CameraSpec:
        _within(self.fov, 1.0, 150.0, "fov")
        _within(self.elevation, -89.0, 89.0, "elevation")
        if self.distance[0] <= 0:
            raise ValueError(f"distance {list(self.distance)} must be above 0")
        return self


class BackgroundSpec(_Model):
    """One way to fill the pixels no object covers; one is chosen per image by weight."""

    kind: Literal["solid", "noise", "images"]
    colors: list[Colour] | None = None
    folder: Path | None = None
    files: list[Path] | None = None
    project: str | None = None  # images of a project, resolved by the service into `files`
    weight: float = Field(default=1.0, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _check(self) -> BackgroundSpec:
        sources = [s for s in (self.folder, self.files, self.project) if s is not None]
        if self.kind == "images" and len(sources) != 1:
            raise ValueError("an images background needs exactly one of folder, files or project")
        if self.kind != "images" and sources:
            raise ValueError(f"a {self.kind} background takes no folder, files or project")
        if self.colors is not None and not self.colors:
            raise ValueError("colors is empty; leave it out for random colours")
        return self


class ImageSpec(_Model):
    """Size and encoding of the images written."""

    width: int = Field(default=640, ge=16, le=8192)
    height: int = Field(default=480, ge=16, le=8192)
    format: Literal["jpeg", "png"] = "jpeg"
    quality: int = Field(default=95, ge=1, le=100)


class VisibilitySpec(_Model):
    """What happens to objects others hide: below `min_share` of their own unoccluded
    pixels (or hidden entirely) they are dropped, or flagged with the `occluded` attribute."""

    min_share: float = Field(default=0.0, ge=0.0, le=1.0)
    below: Literal["drop", "flag"] = "drop"
    keypoint_tolerance: float = Field(default=0.01, ge=0.0, le=1.0)  # of the keypoint's depth

    def needs_coverage(self) -> bool:
        """Whether labeling needs each object's unhidden silhouette (see render.Frame)."""
        return self.min_share > 0 or self.below == "flag"


class Recipe(_Model):
    """A whole scene recipe."""

    name: str = Field(default="synthetic", pattern=r"^[A-Za-z0-9_.-]{1,64}$")
    seed: int = Field(default=0, ge=0, lt=2**63)
    image: ImageSpec = ImageSpec()
    objects: list[ObjectSpec] = Field(min_length=1)
    lighting: Lighting = Lighting()
    camera: CameraSpec = CameraSpec()
    backgrounds: list[BackgroundSpec] = Field(
        default_factory=lambda: [BackgroundSpec(kind="noise")], min_length=1
    )
    labels: list[Literal["bbox", "polygon", "mask", "keypoints"]] = Field(
        default_factory=lambda: list(LABEL_KINDS), min_length=1
    )
    visibility: VisibilitySpec = VisibilitySpec()

    @model_validator(mode="after")
    def _check(self) -> Recipe:
        if len(set(self.labels)) != len(self.labels):
            raise ValueError(f"labels {self.labels} lists a kind more than once")
        total = sum(o.count[1] for o in self.objects)
        if total > MAX_INSTANCES:
            raise ValueError(f"up to {total} objects per image; at most {MAX_INSTANCES} allowed")
        _check_classes(self.objects)
        return self

    def class_names(self) -> list[str]:
        """The recipe's class names in order of first use."""
        return list(dict.fromkeys(o.class_name for o in self.objects))

    def keypoint_names(self, class_name: str) -> list[str]:
        """The named 3D points of a class (the same for every object of it)."""
        for spec in self.objects:
            if spec.class_name == class_name and spec.keypoints:
                return list(spec.keypoints)
        return []

    def with_seed(self, seed: int | None) -> Recipe:
        """The recipe with another seed (None keeps its own), or RecipeError if out of range."""
        if seed is None:
            return self
        if not 0 <= seed < 2**63:
            raise RecipeError(f"seed {seed} must be between 0 and 2**63 - 1")
        return self.model_copy(update={"seed": seed})


def _check_classes(objects: list[ObjectSpec]) -> None:
    """Objects of one class must agree on the names of their keypoints."""
    names: dict[str, tuple[str, list[str]]] = {}
    for index, spec in enumerate(objects):
        if not spec.keypoints:
            continue
        key = spec.class_name.casefold()
        seen = names.setdefault(key, (f"objects[{index}]", list(spec.keypoints)))
        if seen[1] != list(spec.keypoints):
            raise ValueError(
                f"objects[{index}] and {seen[0]} are both class {spec.class_name!r} but name "
                f"different keypoints ({list(spec.keypoints)} vs {seen[1]})"
            )
