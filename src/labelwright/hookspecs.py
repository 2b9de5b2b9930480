"""The pluggy hook specifications every Labelwright plugin (built-in or not) implements."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from labelwright.formats.dataset import Format
    from labelwright.models.protocol import ModelEntry

PROJECT = "labelwright"
"""The pluggy project name, and the entry-point group plugins are found under."""

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def labelwright_formats() -> list[Format]:
    """Return the dataset formats this plugin provides (cheap: import heavy code lazily)."""
    raise NotImplementedError


@hookspec
def labelwright_models() -> list[ModelEntry]:
    """Return the models this plugin provides (cheap: name the factory, import it lazily)."""
    raise NotImplementedError
