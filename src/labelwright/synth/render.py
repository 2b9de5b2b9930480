"""Headless OpenGL rendering (moderngl on EGL; Mesa llvmpipe on machines with no GPU).

One pass writes three targets: shaded RGB, a 16-bit instance id (0 = background) and
the eye depth. Ids are never multisampled or blended, so masks are exact pixel sets.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from labelwright.synth import shaders
from labelwright.synth.assets import MeshAsset, image_array
from labelwright.synth.errors import RenderUnavailable
from labelwright.synth.scene import Instance, Scene

MAX_LIGHTS = 4
CACHED_MESHES = 64  # GPU buffers kept per renderer; older ones are released
APT_PACKAGES = "libegl1 libgl1 libegl-mesa0 libgl1-mesa-dri"


@dataclass
class Frame:
    """What one render gives: composited colour, instance ids, depth and coverage."""

    rgb: np.ndarray  # (h, w, 3) uint8, objects over the background
    ids: np.ndarray  # (h, w) uint16: 0 background, i + 1 for scene.instances[i]
    depth: np.ndarray  # (h, w) float32 distance along the view axis; inf on background
    unoccluded: np.ndarray | None  # (n,) pixels each would cover if nothing hid it (or None)
    coverage: np.ndarray | None = None  # (layers, h, w) uint32: bit i of layer i // 32 is i + 1

    def unhidden(self, number: int) -> np.ndarray:
        """The pixels instance `number` would cover if nothing hid it (needs coverage)."""
        if self.coverage is None:
            raise ValueError("the frame was rendered without coverage")
        slot = number - 1
        return (self.coverage[slot >> 5] & np.uint32(1 << (slot & 31))) != 0


def create_context():
    """A standalone OpenGL 4.5 context on EGL, or RenderUnavailable saying what to install."""
    try:
        import moderngl
    except ImportError as exc:
        raise RenderUnavailable(
            f"synthetic rendering needs moderngl ({exc}); install labelwright[synth]"
        ) from None
    try:
        return moderngl.create_standalone_context(backend="egl", require=450)
    except Exception as exc:  # glcontext raises plain Exceptions with EGL's reason
        raise RenderUnavailable(
            f"no headless OpenGL 4.5 context ({exc}); on Debian/Ubuntu install {APT_PACKAGES}"
        ) from None


class Renderer:
    """Draws scenes of one image size; keeps its GL objects between frames."""

    def __init__(self, width: int, height: int) -> None:
        import moderngl

        self.width, self.height = width, height
        self.ctx = create_context()
        size = (width, height)
        self.colour = self.ctx.texture(size, 4, dtype="f1")
        self.ids = self.ctx.texture(size, 1, dtype="u2")
        self.depth = self.ctx.texture(size, 1, dtype="f4")
        self.fbo = self.ctx.framebuffer(
            [self.colour, self.ids, self.depth], self.ctx.depth_renderbuffer(size)
        )
        self.coverage = None
        self.layers = 0
        self.programs: dict[tuple[int, bool], object] = {}
        self.meshes: OrderedDict[str, dict] = OrderedDict()  # buffers and VAOs per mesh
        self.textures: dict[str, object] = {}
        self.ctx.enable(moderngl.DEPTH_TEST)

    def render(self, scene: Scene, *, coverage: bool = True) -> Frame:
        """Draw every instance of the scene and read the targets back.

        `coverage` also counts the pixels each instance covers when nothing hides it
        (`Frame.unoccluded`); it costs about a fifth more, so skip it when unused.
        """
        camera = scene.camera
        if (camera.width, camera.height) != (self.width, self.height):
            raise ValueError(
                f"scene is {camera.width}x{camera.height}, renderer {self.width}x{self.height}"
            )
        count = len(scene.instances)
        with self.ctx:  # current again, in case another GL context was made since
            if coverage:
                self._clear_coverage(count)
            self.fbo.use()
            self.fbo.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
            ready: set[int] = set()
            for number, instance in enumerate(scene.instances, start=1):
                self._draw(scene, instance, number, coverage, ready)
            if coverage:
                self.ctx.memory_barrier()
            return self._read(scene, count if coverage else None)

    def _clear_coverage(self, count: int) -> None:
        layers = max(1, -(-count // 32))
        if layers > self.layers:
            if self.coverage is not None:
                self.coverage.release()
            self.coverage = self.ctx.texture_array((self.width, self.height, layers), 1, dtype="u4")
            self.layers = layers
        self.coverage.write(bytes(self.width * self.height * 4 * self.layers))
        self.coverage.bind_to_image(0, read=True, write=True)

    def _program(self, look: int, coverage: bool):
        key = (look, coverage)
        if key not in self.programs:
            self.programs[key] = self.ctx.program(
                vertex_shader=shaders.vertex_shader(look),
                fragment_shader=shaders.fragment_shader(look, coverage),
            )
        return self.programs[key]

    def _set_frame_uniforms(self, program, scene: Scene) -> None:
        lights = scene.lights
        program["view"].write(_mat(scene.camera.view))
        program["projection"].write(_mat(scene.camera.projection()))
        program["ambient"].value = tuple(float(v) for v in lights.ambient)
        count = min(len(lights.directions), MAX_LIGHTS)
        program["light_count"].value = count
        directions = np.zeros((MAX_LIGHTS, 3), np.float32)
        colours = np.zeros((MAX_LIGHTS, 3), np.float32)
        directions[:count], colours[:count] = lights.directions[:count], lights.colours[:count]
        program["light_dir"].write(directions.tobytes())
        program["light_color"].write(colours.tobytes())

    def _draw(
        self, scene: Scene, instance: Instance, number: int, coverage: bool, ready: set[int]
    ) -> None:
        look, texture, albedo = self._look(instance)
        program = self._program(look, coverage)
        if id(program) not in ready:  # the frame's camera and lights, once per program
            self._set_frame_uniforms(program, scene)
            ready.add(id(program))
        model = instance.model
        program["model"].write(_mat(model))
        normal_matrix = np.linalg.inv(model[:3, :3]).T
        program["normal_matrix"].write(normal_matrix.T.astype(np.float32).tobytes())
        program["obj_id"].value = number
        if look == shaders.PLAIN:
            program["albedo"].value = tuple(float(v) for v in albedo)
        if texture is not None:
            texture.use(location=0)
            program["surface"].value = 0
        if look == shaders.POSITION_TEXTURE:
            program["texture_scale"].value = float(instance.texture_scale)
        self._vao(instance.asset, look, coverage, program).render()

    def _look(self, instance: Instance) -> tuple[int, object | None, np.ndarray]:
        """How the instance is coloured: the shader's look, its texture and plain colour."""
        asset, colour = instance.asset, instance.colour
        if instance.texture is not None:
            return shaders.POSITION_TEXTURE, self._texture(str(instance.texture), None), colour
        if instance.own_look and asset.texture is not None:
            return shaders.UV_TEXTURE, self._texture(asset.key, asset.texture), colour
        if instance.own_look and asset.colors is not None:
            return shaders.VERTEX_COLOURS, None, colour
        if instance.own_look and asset.base_color is not None:
            return shaders.PLAIN, None, np.array(asset.base_color)
        return shaders.PLAIN, None, colour

    def _texture(self, key: str, pixels: np.ndarray | None):
        found = self.textures.get(key)
        if found is None:
            if pixels is None:
                pixels = image_array(key)
            # GL's texture rows run bottom-up, as UV coordinates do.
            data = np.ascontiguousarray(pixels[::-1])
            found = self.ctx.texture((data.shape[1], data.shape[0]), 3, data=data.tobytes())
            found.build_mipmaps()
            self.textures[key] = found
        return found

    def _vao(self, asset: MeshAsset, look: int, coverage: bool, program):
        """The mesh's vertex array for one program (buffers are shared by all of them)."""
        entry = self.meshes.get(asset.key)
        if entry is None:
            entry = self._buffers(asset)
        self.meshes.move_to_end(asset.key)
        key = (look, coverage)
        if key not in entry["vaos"]:
            layout, names = shaders.vertex_format(look)
            entry["vaos"][key] = self.ctx.vertex_array(
                program,
                [(entry["vbo"], layout, *names)],
                index_buffer=entry["ibo"],
                index_element_size=4,
            )
        return entry["vaos"][key]

    def _buffers(self, asset: MeshAsset) -> dict:
        count = len(asset.vertices)
        uvs = asset.uvs if asset.uvs is not None else np.zeros((count, 2), np.float32)
        colours = asset.colors if asset.colors is not None else np.ones((count, 3), np.float32)
        interleaved = np.hstack([asset.vertices, asset.normals, uvs, colours]).astype(np.float32)
        entry = {
            "vbo": self.ctx.buffer(interleaved.tobytes()),
            "ibo": self.ctx.buffer(asset.faces.astype(np.uint32).tobytes()),
            "vaos": {},
        }
        self.meshes[asset.key] = entry
        if len(self.meshes) > CACHED_MESHES:
            _, old = self.meshes.popitem(last=False)
            for vao in old["vaos"].values():
                vao.release()
            old["vbo"].release()
            old["ibo"].release()
        return entry

    def _read(self, scene: Scene, count: int | None) -> Frame:
        w, h = self.width, self.height
        rgb = np.frombuffer(self.fbo.read(components=3, attachment=0), np.uint8)
        ids = np.frombuffer(self.fbo.read(components=1, attachment=1, dtype="u2"), np.uint16)
        depth = np.frombuffer(self.fbo.read(components=1, attachment=2, dtype="f4"), np.float32)
        # GL rows run bottom-up; images run top-down.
        ids = np.ascontiguousarray(ids.reshape(h, w)[::-1])
        depth = np.ascontiguousarray(depth.reshape(h, w)[::-1])
        rgb = np.ascontiguousarray(rgb.reshape(h, w, 3)[::-1])
        background = ids == 0
        np.copyto(rgb, scene.background, where=background[..., None])
        np.copyto(depth, np.float32(np.inf), where=background)
        if count is None:
            return Frame(rgb=rgb, ids=ids, depth=depth, unoccluded=None)
        bits = np.frombuffer(self.coverage.read(), np.uint32).reshape(self.layers, h, w)[:, ::-1]
        unoccluded = np.array(
            [np.count_nonzero(bits[i >> 5] & np.uint32(1 << (i & 31))) for i in range(count)],
            dtype=np.int64,
        )
        return Frame(rgb=rgb, ids=ids, depth=depth, unoccluded=unoccluded, coverage=bits)

    def release(self) -> None:
        """Free the GL context and everything in it."""
        self.ctx.release()


def _mat(matrix: np.ndarray) -> bytes:
    """A 4x4 matrix as GLSL expects it (column-major float32)."""
    return np.asarray(matrix, dtype=np.float32).T.tobytes()


# A GL context per process and image size, kept for the next frames. The pid is in the
# key because a context must never be used (or released) in a forked child.
_renderers: OrderedDict[tuple[int, int, int], Renderer] = OrderedDict()
KEPT_RENDERERS = 2


def renderer_for(width: int, height: int) -> Renderer:
    """This process's renderer for an image size, created on first use."""
    pid = os.getpid()
    key = (width, height, pid)
    renderer = _renderers.pop(key, None) or Renderer(width, height)
    _renderers[key] = renderer
    while len(_renderers) > KEPT_RENDERERS:
        (_, _, owner), old = _renderers.popitem(last=False)
        if owner == pid:
            old.release()
    return renderer
