"""Models looked up by name; built-ins register through the same hook as plugins.

A third-party package registers models with an entry point in the `labelwright` group
pointing at a module (or object) with a `labelwright_models` hook implementation that
returns `ModelEntry` objects. Listing models imports no model code: an entry names its
factory as `package.module:factory`, imported on `load`, and `available` checks the
spec's `requires` without importing them.
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import warnings
from collections.abc import Mapping
from functools import cache
from typing import Any

from labelwright.hookspecs import hookimpl
from labelwright.models import specs
from labelwright.models.plugins import hook_results, plugin_manager
from labelwright.models.protocol import ModelEntry, ModelError, ModelSpec, ModelUnavailable

BUILTIN_PLUGIN = "labelwright.models.registry"
"""The name the built-in models register under (an entry point of this name is skipped)."""

BUILTIN_WEIGHTS_MODULE = "labelwright.models.builtin"
"""The package of built-in models with packaged weights; its `BUILTIN_ENTRIES` are added."""

DEFAULT_EXTRA = specs.EXTRA

BUILTIN_ENTRIES: tuple[ModelEntry, ...] = (
    ModelEntry("yolo-onnx", "labelwright.models.onnx_yolo:OnnxYolo", specs.YOLO_ONNX),
    ModelEntry("haar-faces", "labelwright.models.haar:HaarFaces", specs.HAAR_FACES),
    ModelEntry("find-similar", "labelwright.models.similar:FindSimilar", specs.FIND_SIMILAR),
    ModelEntry("remote", "labelwright.models.remote:RemoteModel", specs.REMOTE),
    ModelEntry(
        "grabcut", "labelwright.models.interactive:GrabCut", specs.GRABCUT, kind="interactive"
    ),
    ModelEntry("sam-onnx", "labelwright.models.sam:SamOnnx", specs.SAM_ONNX, kind="interactive"),
)
"""The models this package ships, besides those with packaged weights in `models/builtin/`."""


class UnknownModel(ModelError, KeyError):
    """No model is registered under the name asked for."""

    def __str__(self) -> str:
        return str(self.args[0])


@hookimpl
def labelwright_models() -> list[ModelEntry]:
    """The built-in models, with those of `models/builtin/` when that package is present."""
    return [*BUILTIN_ENTRIES, *_weights_entries()]


def _weights_entries() -> list[ModelEntry]:
    """`BUILTIN_ENTRIES` of the packaged-weights package, or nothing when it is absent."""
    try:
        module = importlib.import_module(BUILTIN_WEIGHTS_MODULE)
    except ModuleNotFoundError as error:
        if error.name == BUILTIN_WEIGHTS_MODULE:
            return []
        raise
    return list(getattr(module, "BUILTIN_ENTRIES", []))


def missing_requirements(entry: ModelEntry) -> list[str]:
    """The modules in the entry's `requires` that cannot be found (none are imported)."""
    missing = []
    for module in entry.spec.requires:
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a dotted name whose parent is missing
            found = False
        if not found:
            missing.append(module)
    return missing


def available(entry: ModelEntry) -> bool:
    """Whether every module the entry's spec requires is installed."""
    return not missing_requirements(entry)


def _unavailable_message(entry: ModelEntry, missing: list[str]) -> str:
    """Say which modules are missing and which extra brings them."""
    extra = entry.spec.extra or DEFAULT_EXTRA
    return (
        f"model {entry.name!r} needs {', '.join(missing)}, which is not installed; "
        f"install it with: pip install 'labelwright[{extra}]'"
    )


class ModelRegistry:
    """Model entries by name, from the built-ins and every `labelwright` entry point."""

    def __init__(self, *, load_entry_points: bool = True) -> None:
        self.plugins = plugin_manager(BUILTIN_PLUGIN, load_entry_points=load_entry_points)
        self._entries = self._collect()

    def register(self, plugin: object, name: str | None = None) -> None:
        """Register one more plugin object (a module or instance with hook implementations)."""
        self.plugins.register(plugin, name=name)
        self._entries = self._collect()

    def _collect(self) -> dict[str, ModelEntry]:
        """Entries by name; a later plugin's entry replaces an earlier one of the same name."""
        found: dict[str, ModelEntry] = {}
        for plugin_name, entries in hook_results(self.plugins.hook.labelwright_models, "models"):
            for entry in entries:
                if not isinstance(entry, ModelEntry):
                    warnings.warn(
                        f"labelwright plugin {plugin_name!r} listed {entry!r}, not a ModelEntry",
                        stacklevel=2,
                    )
                    continue
                found[entry.name] = entry
        return found

    def names(self) -> list[str]:
        """Registered model names, sorted."""
        return sorted(self._entries)

    def entries(self) -> list[ModelEntry]:
        """Every registered entry, sorted by name."""
        return [self._entries[name] for name in self.names()]

    def get(self, name: str) -> ModelEntry:
        """The entry registered as `name`; UnknownModel lists the available ones."""
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownModel(
                f"unknown model {name!r}; available: {', '.join(self.names())}"
            ) from None

    def load(self, name: str, settings: Mapping[str, Any] | None = None) -> Any:
        """Build the model registered as `name` with `settings` (its factory's keywords)."""
        entry = self.get(name)
        return build(entry, settings or {})


def _import_factory(entry: ModelEntry) -> Any:
    """Import the entry's `module:attribute` target; a missing package is ModelUnavailable."""
    missing = missing_requirements(entry)
    if missing:
        raise ModelUnavailable(_unavailable_message(entry, missing))
    module_name, _, attribute = entry.target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        raise ModelUnavailable(_unavailable_message(entry, [error.name or module_name])) from error
    except Exception as error:
        raise ModelError(f"model {entry.name!r}: cannot import {module_name}: {error}") from error
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ModelError(
            f"model {entry.name!r}: {module_name} has no {attribute!r} (target {entry.target!r})"
        ) from None


def _check_settings(entry: ModelEntry, factory: Any, settings: Mapping[str, Any]) -> None:
    """Refuse settings the factory does not take, naming the ones it does."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # a builtin without a signature: let the call decide
        return
    try:
        signature.bind(**settings)
    except TypeError as error:
        named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        takes = [p.name for p in signature.parameters.values() if p.kind in named]
        raise ModelError(
            f"model {entry.name!r}: bad settings ({error}); it takes: {', '.join(takes) or 'none'}"
        ) from None


def build(entry: ModelEntry, settings: Mapping[str, Any]) -> Any:
    """Import the entry's factory and call it with `settings`; every failure is a ModelError."""
    factory = _import_factory(entry)
    _check_settings(entry, factory, settings)
    try:
        model = factory(**settings)
    except ModelError:
        raise
    except Exception as error:  # a plugin's own bug must not surface as a crash
        raise ModelError(f"model {entry.name!r} failed to load: {error}") from error
    method = "segment" if entry.kind == "interactive" else "predict"
    if not callable(getattr(model, method, None)) or not isinstance(
        getattr(model, "spec", None), ModelSpec
    ):
        raise ModelError(
            f"model {entry.name!r}: {entry.target} built {type(model).__name__}, "
            f"which lacks a ModelSpec `spec` or a `{method}` method"
        )
    return model


@cache
def default_registry() -> ModelRegistry:
    """The process-wide registry (built once; entries are immutable, so sharing is safe)."""
    return ModelRegistry()


def available_models() -> list[ModelEntry]:
    """Every registered model entry, sorted by name."""
    return default_registry().entries()


def get_model_entry(name: str) -> ModelEntry:
    """The entry registered as `name` (raises UnknownModel listing the available ones)."""
    return default_registry().get(name)


def load_model(name: str, settings: Mapping[str, Any] | None = None) -> Any:
    """Build the model registered as `name` (ModelUnavailable names the extra to install)."""
    return default_registry().load(name, settings)
