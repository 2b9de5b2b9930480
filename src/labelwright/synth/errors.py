"""Errors of the synthetic-data package; messages name the file and the field."""


class RecipeError(ValueError):
    """A scene recipe (or a file it names) is wrong: the message says where and why."""


class RenderUnavailable(RuntimeError):
    """No headless OpenGL context could be created on this machine."""
