"""Built-in meshes, so a recipe works with no asset files at all."""

from __future__ import annotations

import trimesh

from labelwright.synth.recipe import Box, Capsule, Cone, Cylinder, Primitive, Sphere, Torus


def primitive_mesh(spec: Primitive) -> trimesh.Trimesh:
    """The triangle mesh of a primitive, centred on its origin (cones stand on z = 0)."""
    match spec:
        case Box():
            mesh = trimesh.creation.box(extents=spec.size)
            for _ in range(spec.subdivisions):
                mesh = mesh.subdivide()
            return mesh
        case Sphere():
            return trimesh.creation.uv_sphere(spec.radius, count=[spec.sections, spec.sections])
        case Cylinder():
            return trimesh.creation.cylinder(spec.radius, spec.height, sections=spec.sections)
        case Capsule():
            return trimesh.creation.capsule(
                spec.height, spec.radius, count=[spec.sections, spec.sections]
            )
        case Cone():
            return trimesh.creation.cone(spec.radius, spec.height, sections=spec.sections)
        case Torus():
            return trimesh.creation.torus(
                spec.major_radius,
                spec.minor_radius,
                major_sections=spec.sections,
                minor_sections=spec.ring_sections,
            )
    raise TypeError(f"unknown primitive {spec!r}")
