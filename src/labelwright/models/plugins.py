"""Gathering hook results from the built-in plugin and every `labelwright` entry point.

A plugin that fails to import, or whose hook raises, costs a warning and its own
contributions only, so one broken package never takes the server down.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Iterator
from importlib.metadata import entry_points
from typing import Any

import pluggy

from labelwright import hookspecs


def plugin_manager(builtin_plugin: str, *, load_entry_points: bool = True) -> pluggy.PluginManager:
    """A plugin manager holding the built-in plugin module and, optionally, every entry point."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    manager.register(importlib.import_module(builtin_plugin), name=builtin_plugin)
    if load_entry_points:
        register_entry_points(manager, builtin_plugin)
    return manager


def register_entry_points(manager: pluggy.PluginManager, builtin_plugin: str) -> None:
    """Register each `labelwright` entry point's plugin; warn about (and skip) any that fail."""
    for entry in entry_points(group=hookspecs.PROJECT):
        if manager.has_plugin(entry.name) or entry.value == builtin_plugin:
            continue
        try:
            manager.register(entry.load(), name=entry.name)
        except Exception as error:  # a broken plugin must not take the app down
            warnings.warn(
                f"labelwright plugin {entry.name!r} ({entry.value}) failed to load: {error}",
                stacklevel=3,
            )


def hook_results(hook: Any, what: str) -> Iterator[tuple[str, list[Any]]]:
    """Call each implementation of `hook` on its own, yielding `(plugin name, its results)`.

    Earlier-registered plugins come first, so a caller that keeps the last item per name
    lets a later plugin override a built-in.
    """
    # get_hookimpls lists implementations in registration order (pluggy calls them LIFO)
    for impl in hook.get_hookimpls():
        try:
            results = list(impl.function())
        except Exception as error:
            warnings.warn(
                f"labelwright plugin {impl.plugin_name!r} failed to list {what}: {error}",
                stacklevel=3,
            )
            continue
        yield impl.plugin_name, results
