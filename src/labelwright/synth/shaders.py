"""GLSL of the one-pass renderer: shaded colour, instance id and eye depth together.

Programs are specialised per look (plain colour, vertex colours, UV texture, texture
by position) so each interpolates only what it uses: llvmpipe pays per varying per
fragment. With COVERAGE, the fragment shader also ORs the instance's bit into a
coverage image. A shader with such a side effect runs for every fragment, even those the
depth test then discards, so after the pass each pixel holds every instance that covers
it, hidden or not: the unoccluded silhouettes in the same pass. Without it, early depth
testing skips hidden fragments.
"""

PLAIN, VERTEX_COLOURS, UV_TEXTURE, POSITION_TEXTURE = 0, 1, 2, 3

_VERTEX = """
in vec3 in_position;
in vec3 in_normal;
#if LOOK == 1
in vec3 in_color;
out vec3 v_color;
#elif LOOK == 2
in vec2 in_uv;
out vec2 v_uv;
#elif LOOK == 3
out vec3 v_object;
out vec3 v_object_normal;
#endif

uniform mat4 model;
uniform mat3 normal_matrix;
uniform mat4 view;
uniform mat4 projection;

out vec3 v_normal;
out float v_depth;

void main() {
    vec4 eye = view * (model * vec4(in_position, 1.0));
    v_depth = -eye.z;  // linear in eye space, so interpolation keeps it exact
    v_normal = normal_matrix * in_normal;
#if LOOK == 1
    v_color = in_color;
#elif LOOK == 2
    v_uv = in_uv;
#elif LOOK == 3
    v_object = in_position;
    v_object_normal = in_normal;
#endif
    gl_Position = projection * eye;
}
"""

_FRAGMENT = """
#if COVERAGE
layout(r32ui, binding = 0) uniform coherent uimage2DArray coverage;
#else
layout(early_fragment_tests) in;
#endif

uniform uint obj_id;
uniform vec3 ambient;
uniform int light_count;
uniform vec3 light_dir[4];
uniform vec3 light_color[4];

in vec3 v_normal;
in float v_depth;

#if LOOK == 0
uniform vec3 albedo;
vec3 base_colour() { return albedo; }
#elif LOOK == 1
in vec3 v_color;
vec3 base_colour() { return v_color; }
#elif LOOK == 2
uniform sampler2D surface;
in vec2 v_uv;
vec3 base_colour() { return texture(surface, v_uv).rgb; }
#else
uniform sampler2D surface;
uniform float texture_scale;
in vec3 v_object;
in vec3 v_object_normal;
vec3 base_colour() {
    vec3 w = abs(normalize(v_object_normal));
    w /= (w.x + w.y + w.z + 1e-6);
    vec3 p = v_object * texture_scale;
    return texture(surface, p.yz).rgb * w.x
         + texture(surface, p.xz).rgb * w.y
         + texture(surface, p.xy).rgb * w.z;
}
#endif

layout(location = 0) out vec4 f_color;
layout(location = 1) out uint f_id;
layout(location = 2) out float f_depth;

void main() {
#if COVERAGE
    uint slot = obj_id - 1u;
    imageAtomicOr(coverage, ivec3(ivec2(gl_FragCoord.xy), int(slot >> 5)), 1u << (slot & 31u));
#endif
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) {
        n = -n;  // open or inside-out meshes are lit from the side we see
    }
    vec3 light = ambient;
    for (int i = 0; i < light_count; ++i) {
        light += light_color[i] * max(dot(n, light_dir[i]), 0.0);
    }
    f_color = vec4(clamp(base_colour() * light, 0.0, 1.0), 1.0);
    f_id = obj_id;
    f_depth = v_depth;
}
"""


def _header(look: int, coverage: bool) -> str:
    return f"#version 450 core\n#define LOOK {look}\n#define COVERAGE {int(coverage)}\n"


def vertex_shader(look: int) -> str:
    """The vertex shader for one look."""
    return _header(look, False) + _VERTEX


def fragment_shader(look: int, coverage: bool) -> str:
    """The fragment shader for one look, with or without the coverage image."""
    return _header(look, coverage) + _FRAGMENT


def vertex_format(look: int) -> tuple[str, tuple[str, ...]]:
    """The layout of the shared vertex buffer (position, normal, uv, colour) for one look:
    the attributes a program does not read are skipped as padding."""
    uv = ("2f", ("in_uv",)) if look == UV_TEXTURE else ("8x", ())
    colour = ("3f", ("in_color",)) if look == VERTEX_COLOURS else ("12x", ())
    return f"3f 3f {uv[0]} {colour[0]}", ("in_position", "in_normal", *uv[1], *colour[1])
