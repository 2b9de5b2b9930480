"""Dataset formats looked up by name; built-ins register through the same hook as plugins.

A third-party package registers formats with an entry point in the `labelwright` group
pointing at a module (or object) with a `labelwright_formats` hook implementation::

    [project.entry-points.labelwright]
    my_formats = "my_package.labelwright_plugin"

Plugins load on first lookup, not on import, so `labelwright --help` stays fast; a plugin
that fails to import or whose hook raises gives a warning and is skipped.
"""

from __future__ import annotations

import importlib
import warnings
from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pluggy

from labelwright import hookspecs
from labelwright.formats.dataset import Dataset, Format, Manifest
from labelwright.hookspecs import hookimpl

BUILTIN_PLUGIN = "labelwright.formats.registry"
"""The name the built-in formats register under (an entry point of this name is skipped)."""

_BUILTINS = {
    "coco": "labelwright.formats.coco:CocoFormat",
    "yolo": "labelwright.formats.yolo:YoloFormat",
    "native": "labelwright.formats.native:NativeFormat",
    "voc": "labelwright.formats.voc:VocFormat",
    "cvat": "labelwright.formats.cvat:CvatFormat",
    "labelstudio": "labelwright.formats.labelstudio:LabelStudioFormat",
}


class UnknownFormat(KeyError):
    """No format is registered under the name asked for."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass
class LazyFormat:
    """A format known by name whose module is imported only when it is first used."""

    name: str
    target: str  # "package.module:ClassName"

    @cache  # noqa: B019 - one import per (immutable) proxy, for the life of the process
    def load(self) -> Format:
        """Import the module and build the format object."""
        module_name, _, attribute = self.target.partition(":")
        return getattr(importlib.import_module(module_name), attribute)()

    @property
    def skips_images(self) -> bool:
        """Whether its image stream can pass images over unbuilt (see `Format`)."""
        return getattr(self.load(), "skips_images", False)

    def detect(self, path: Path) -> float:
        """How sure the format is that `path` is its own."""
        return self.load().detect(path)

    def read(self, path: Path, **options: Any) -> Dataset:
        """Read a dataset (see the real format for options)."""
        return self.load().read(path, **options)

    def write(self, dataset: Dataset, out: Path, **options: Any) -> Manifest:
        """Write a dataset (see the real format for options)."""
        return self.load().write(dataset, out, **options)

    def __hash__(self) -> int:
        return hash((self.name, self.target))


@hookimpl
def labelwright_formats() -> list[Format]:
    """The built-in formats, as lazy proxies so that listing them imports nothing heavy."""
    return [LazyFormat(name, target) for name, target in _BUILTINS.items()]


class FormatRegistry:
    """Formats by name, gathered from the built-ins and every `labelwright` entry point."""

    def __init__(self, *, load_entry_points: bool = True) -> None:
        self.plugins = pluggy.PluginManager(hookspecs.PROJECT)
        self.plugins.add_hookspecs(hookspecs)
        self.plugins.register(importlib.import_module(BUILTIN_PLUGIN), name=BUILTIN_PLUGIN)
        if load_entry_points:
            self._load_entry_points()
        self._formats = self._collect()

    def _load_entry_points(self) -> None:
        """Register each entry point's plugin; warn about (and skip) any that fail."""
        for entry in entry_points(group=hookspecs.PROJECT):
            if self.plugins.has_plugin(entry.name) or entry.value == BUILTIN_PLUGIN:
                continue
            try:
                self.plugins.register(entry.load(), name=entry.name)
            except Exception as error:  # a broken plugin must not take the app down
                warnings.warn(
                    f"labelwright plugin {entry.name!r} ({entry.value}) failed to load: {error}",
                    stacklevel=2,
                )

    def register(self, plugin: object, name: str | None = None) -> None:
        """Register one more plugin object (a module or instance with hook implementations)."""
        self.plugins.register(plugin, name=name)
        self._formats = self._collect()

    def _collect(self) -> dict[str, Format]:
        """Call each plugin's hook on its own, so one failing hook costs only its formats."""
        found: dict[str, Format] = {}
        # pluggy lists implementations last-registered first; reversed, later plugins override
        for impl in reversed(self.plugins.hook.labelwright_formats.get_hookimpls()):
            try:
                formats = list(impl.function())
            except Exception as error:
                warnings.warn(
                    f"labelwright plugin {impl.plugin_name!r} failed to list formats: {error}",
                    stacklevel=2,
                )
                continue
            for fmt in formats:
                found[fmt.name] = fmt
        return found

    def names(self) -> list[str]:
        """Registered format names, sorted."""
        return sorted(self._formats)

    def get(self, name: str) -> Format:
        """The format registered as `name`; UnknownFormat lists the available ones."""
        try:
            return self._formats[name]
        except KeyError:
            raise UnknownFormat(
                f"unknown format {name!r}; available: {', '.join(self.names())}"
            ) from None

    def detect(self, path: Path) -> Format | None:
        """The format most sure that `path` is its own, or None when none claims it."""
        best, best_score = None, 0.0
        for name in self.names():
            fmt = self._formats[name]
            try:
                score = fmt.detect(Path(path))
            except Exception:  # a format that cannot even look at the path does not claim it
                continue
            if score > best_score:
                best, best_score = fmt, score
        return best


@cache
def default_registry() -> FormatRegistry:
    """The process-wide registry (built once; formats are stateless, so sharing is safe)."""
    return FormatRegistry()


def available_formats() -> list[str]:
    """Names of every registered format."""
    return default_registry().names()


def get_format(name: str) -> Format:
    """The format registered as `name` (raises UnknownFormat listing the available ones)."""
    return default_registry().get(name)


def detect_format(path: Path) -> Format | None:
    """The registered format most sure that `path` is its own, or None."""
    return default_registry().detect(path)
