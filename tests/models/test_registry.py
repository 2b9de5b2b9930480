"""The model registry: built-ins and plugins through one hook, lazy, tolerant of broken plugins."""

from __future__ import annotations

import subprocess
import sys

import pytest

from labelwright.hookspecs import hookimpl
from labelwright.models import plugins, registry
from labelwright.models.protocol import ModelEntry, ModelError, ModelSpec, ModelUnavailable
from labelwright.models.registry import (
    ModelRegistry,
    UnknownModel,
    available,
    available_models,
    get_model_entry,
    missing_requirements,
)

OWN_MODELS = {"yolo-onnx", "haar-faces", "find-similar", "remote", "grabcut", "sam-onnx"}


def _spec(name: str, requires: tuple[str, ...] = (), extra: str | None = None) -> ModelSpec:
    return ModelSpec(
        name=name,
        description="",
        labels=("thing",),
        kinds=("bbox",),
        requires=requires,
        extra=extra,
    )


class ToyModel:
    """A batch model for plugin tests: one fixed box per image."""

    def __init__(self, *, size: float = 10.0) -> None:
        self.size = size
        self.spec = _spec("toy")

    def predict(self, images, options):
        return [[] for _ in images]


class NotAModel:
    def __init__(self) -> None:
        self.spec = "no spec here"


class _EntryPoint:
    def __init__(self, name: str, plugin=None, error: Exception | None = None) -> None:
        self.name, self.value, self._plugin, self._error = name, f"pkg.{name}", plugin, error

    def load(self):
        if self._error:
            raise self._error
        return self._plugin


class _ToyPlugin:
    @hookimpl
    def labelwright_models(self):
        return [
            ModelEntry("toy", f"{__name__}:ToyModel", _spec("toy")),
            ModelEntry("needs-nothing-real", f"{__name__}:ToyModel", _spec("x", ("no_such_mod",))),
            ModelEntry("bad-target", f"{__name__}:Missing", _spec("bad-target")),
            ModelEntry("not-a-model", f"{__name__}:NotAModel", _spec("not-a-model")),
            ModelEntry("gone", "no_such_package.models:Thing", _spec("gone", extra="gone")),
        ]


class _RaisingPlugin:
    @hookimpl
    def labelwright_models(self):
        raise RuntimeError("boom")


class _OddPlugin:
    @hookimpl
    def labelwright_models(self):
        return ["not an entry"]


def test_the_built_ins_are_listed_with_their_specs() -> None:
    names = {entry.name for entry in available_models()}
    assert names >= OWN_MODELS
    entry = get_model_entry("grabcut")
    assert entry.kind == "interactive" and entry.spec.interactive


def test_an_unknown_name_lists_the_available_ones() -> None:
    with pytest.raises(UnknownModel, match=r"unknown model 'yolo9'; available: .*haar-faces"):
        get_model_entry("yolo9")


def test_listing_models_imports_no_model_module_nor_opencv_or_onnxruntime() -> None:
    code = (
        "import sys; from labelwright.models.registry import available_models; "
        "available_models(); "
        "print(sorted(m for m in sys.modules if m in ('cv2', 'onnxruntime', 'onnx', "
        "'labelwright.models.onnx_yolo', 'labelwright.models.interactive', "
        "'labelwright.models.haar', 'labelwright.models.remote', 'pycocotools.mask')))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip() == "[]", result.stderr


def test_the_cli_help_imports_neither_opencv_nor_onnxruntime() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from labelwright.cli.main import app\n"
        "CliRunner().invoke(app, ['--help'])\n"
        "print(sorted(m for m in sys.modules if m in ('cv2', 'onnxruntime')))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.stdout.strip().endswith("[]"), result.stdout + result.stderr


def test_available_checks_requirements_without_importing_them() -> None:
    assert missing_requirements(ModelEntry("a", "x:y", _spec("a", ("json", "no_such_mod")))) == [
        "no_such_mod"
    ]
    assert available(ModelEntry("b", "x:y", _spec("b", ("json",))))
    assert not available(ModelEntry("c", "x:y", _spec("c", ("no_parent.child",))))


@pytest.fixture
def plugin_registry(monkeypatch) -> ModelRegistry:
    points = [
        _EntryPoint("toys", _ToyPlugin()),
        _EntryPoint("broken", error=ImportError("no module named torch")),
        _EntryPoint("raising", _RaisingPlugin()),
        _EntryPoint("odd", _OddPlugin()),
    ]
    monkeypatch.setattr(plugins, "entry_points", lambda group: points)
    with pytest.warns(UserWarning) as caught:
        found = ModelRegistry()
    messages = " | ".join(str(w.message) for w in caught)
    assert "'broken' (pkg.broken) failed to load: no module named torch" in messages
    assert "'raising' failed to list models: boom" in messages
    assert "'odd' listed 'not an entry', not a ModelEntry" in messages
    return found


def test_plugins_register_and_broken_ones_only_warn(plugin_registry: ModelRegistry) -> None:
    assert {"toy", "gone", "haar-faces"} <= set(plugin_registry.names())
    model = plugin_registry.load("toy", {"size": 3.0})
    assert isinstance(model, ToyModel) and model.size == 3.0


def test_load_refuses_unknown_settings_naming_the_ones_it_takes(
    plugin_registry: ModelRegistry,
) -> None:
    with pytest.raises(ModelError, match=r"model 'toy': bad settings .*it takes: size"):
        plugin_registry.load("toy", {"colour": "red"})


def test_missing_packages_name_the_extra_to_install(plugin_registry: ModelRegistry) -> None:
    with pytest.raises(ModelUnavailable, match=r"needs no_such_mod.*labelwright\[models\]"):
        plugin_registry.load("needs-nothing-real")
    with pytest.raises(ModelUnavailable, match=r"needs no_such_package.*labelwright\[gone\]"):
        plugin_registry.load("gone")


def test_broken_targets_are_model_errors(plugin_registry: ModelRegistry) -> None:
    with pytest.raises(ModelError, match=r"has no 'Missing'"):
        plugin_registry.load("bad-target")
    with pytest.raises(ModelError, match=r"built NotAModel, which lacks a ModelSpec `spec`"):
        plugin_registry.load("not-a-model")


def test_a_later_plugin_may_replace_a_built_in(monkeypatch) -> None:
    class Replacing:
        @hookimpl
        def labelwright_models(self):
            return [ModelEntry("haar-faces", f"{__name__}:ToyModel", _spec("haar-faces"))]

    found = ModelRegistry(load_entry_points=False)
    found.register(Replacing(), name="replacing")
    assert found.get("haar-faces").target.endswith(":ToyModel")


def test_the_packaged_weights_module_is_optional(monkeypatch) -> None:
    monkeypatch.setattr(registry, "BUILTIN_WEIGHTS_MODULE", "labelwright.models.no_such_pkg")
    names = ModelRegistry(load_entry_points=False).names()
    assert set(names) == OWN_MODELS
