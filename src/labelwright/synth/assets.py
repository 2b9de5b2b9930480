"""Meshes and texture images as the renderer needs them: flat arrays, loaded once per process."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import trimesh
from PIL import Image, UnidentifiedImageError

from labelwright.synth.errors import RecipeError
from labelwright.synth.primitives import primitive_mesh
from labelwright.synth.recipe import ObjectSpec, Primitive

MAX_TEXTURE_SIDE = 1024  # larger textures are shrunk: detail beyond this is never seen


@dataclass(frozen=True)
class MeshAsset:
    """One mesh as vertex arrays, with whatever colour or texture it brought along."""

    key: str  # identifies the geometry, so renderers can keep its buffers
    vertices: np.ndarray  # (n, 3) float32, mesh units
    normals: np.ndarray  # (n, 3) float32
    faces: np.ndarray  # (m, 3) uint32
    uvs: np.ndarray | None = None  # (n, 2) float32, for `texture`
    colors: np.ndarray | None = None  # (n, 3) float32 in 0..1, per vertex
    texture: np.ndarray | None = None  # (h, w, 3) uint8, the mesh's own texture image
    base_color: tuple[float, float, float] | None = None  # a material's plain colour

    @property
    def longest_side(self) -> float:
        """The longest side of the mesh's bounding box."""
        extent = self.vertices.max(axis=0) - self.vertices.min(axis=0)
        return float(extent.max())

    @property
    def radius(self) -> float:
        """The distance of the farthest vertex from the mesh origin."""
        return float(np.sqrt((self.vertices.astype(np.float64) ** 2).sum(axis=1).max()))

    @property
    def has_own_look(self) -> bool:
        """Whether the mesh file gave colours, a texture or a material colour."""
        return self.colors is not None or self.texture is not None or self.base_color is not None


def asset_for(spec: ObjectSpec) -> MeshAsset:
    """The mesh of an object spec (a file or a primitive), loaded once per process."""
    if spec.mesh is not None:
        stat = spec.mesh.stat()
        return _file_asset(str(spec.mesh), stat.st_mtime_ns, stat.st_size)
    assert spec.primitive is not None  # the recipe guarantees one of the two
    return _primitive_asset(spec.primitive)


@lru_cache(maxsize=64)
def _primitive_asset(spec: Primitive) -> MeshAsset:
    # Keyed by the (frozen) spec: geometry is immutable, so the cache cannot go stale.
    mesh = primitive_mesh(spec).smooth_shaded  # split vertices at sharp edges
    return _arrays(f"primitive:{spec.model_dump_json()}", mesh)


@lru_cache(maxsize=64)
def _file_asset(path: str, mtime_ns: int, size: int) -> MeshAsset:
    # mtime and size are in the key so an edited file is read again.
    try:
        mesh = trimesh.load(path, force="mesh", process=True)
    except Exception as exc:  # trimesh raises many types on bad files
        message = f"{path}: cannot be loaded as a mesh ({type(exc).__name__}: {exc})"
        raise RecipeError(message) from None
    if not isinstance(mesh, trimesh.Trimesh) or len(mesh.faces) == 0:
        raise RecipeError(f"{path}: holds no triangles")
    key = f"file:{path}:{mtime_ns}:{size}"
    visual = mesh.visual
    if visual.kind == "texture" and getattr(visual, "uv", None) is not None:
        image = getattr(visual.material, "baseColorTexture", None) or getattr(
            visual.material, "image", None
        )
        if image is not None:
            return _textured(key, mesh, image)
    if visual.kind in ("vertex", "face"):
        colors = np.asarray(visual.vertex_colors, dtype=np.float32)[:, :3] / 255.0
        return _arrays(key, mesh, colors=colors)
    if visual.kind == "texture" and visual.material is not None:
        main = np.asarray(visual.material.main_color, dtype=np.float32)[:3] / 255.0
        return _arrays(key, mesh.smooth_shaded, base_color=tuple(float(c) for c in main))
    return _arrays(key, mesh.smooth_shaded)


def _textured(key: str, mesh: trimesh.Trimesh, image: Image.Image) -> MeshAsset:
    uvs = np.asarray(mesh.visual.uv, dtype=np.float32)
    return _arrays(key, mesh, uvs=uvs, texture=_shrunk(image, MAX_TEXTURE_SIDE))


def _arrays(key: str, mesh: trimesh.Trimesh, **look: object) -> MeshAsset:
    return MeshAsset(
        key=key,
        vertices=np.ascontiguousarray(mesh.vertices, dtype=np.float32),
        normals=np.ascontiguousarray(mesh.vertex_normals, dtype=np.float32),
        faces=np.ascontiguousarray(mesh.faces, dtype=np.uint32),
        **look,  # type: ignore[arg-type]
    )


def _shrunk(image: Image.Image, max_side: int) -> np.ndarray:
    image = image.convert("RGB")
    if max(image.size) > max_side:
        image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return np.asarray(image, dtype=np.uint8)


@lru_cache(maxsize=32)
def image_array(path: str, max_side: int = MAX_TEXTURE_SIDE) -> np.ndarray:
    """An image file as an RGB array (longest side at most `max_side`), read once per process."""
    try:
        with Image.open(path) as image:
            return _shrunk(image, max_side)
    except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        raise RecipeError(f"{path}: cannot be read as an image ({exc})") from None


def check_assets(specs: list[ObjectSpec]) -> None:
    """Load every mesh and texture the objects name, so a bad file fails before any output."""
    for spec in specs:
        asset_for(spec)
        for texture in spec.textures or []:
            image_array(str(texture))
