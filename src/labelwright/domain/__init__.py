"""Pure domain types and geometry: roles, label schema, shapes, validation; no I/O.

Import from the modules themselves (``labelwright.domain.schema``, ``.shapes``,
``.geometry``, ``.validation``, ``.roles``) so that importing the light ones never
loads shapely or pycocotools.
"""
