"""Reading recipes: YAML or JSON into a checked `Recipe`, its paths resolved and checked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from labelwright.synth.errors import RecipeError
from labelwright.synth.recipe import IMAGE_SUFFIXES, Recipe


def _where(loc: tuple) -> str:
    """A pydantic error location as `objects[0].count`."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text or "recipe"


def _describe(exc: ValidationError) -> list[str]:
    problems = []
    for error in exc.errors(include_url=False):
        loc = tuple(p for p in error["loc"] if not str(p).startswith(("function-", "tagged-")))
        message = error["msg"].removeprefix("Value error, ")
        problems.append(f"{_where(loc)}: {message}")
    return problems


def parse_recipe(
    data: Any, *, source: str = "recipe", base_dir: Path | None = None, confine: bool = False
) -> Recipe:
    """Validate recipe data and resolve its paths against `base_dir`, or raise RecipeError.

    With `confine`, every file must lie inside `base_dir` (for recipes sent by others).
    """
    if not isinstance(data, dict):
        raise RecipeError(f"{source}: a recipe is a mapping of fields, not {type(data).__name__}")
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as exc:
        problems = _describe(exc)
        shown = "; ".join(problems[:10])
        more = f"; and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise RecipeError(f"{source}: {shown}{more}") from None
    return _Paths(base_dir or Path.cwd(), source, confine).resolve(recipe)


def load_recipe(path: Path) -> Recipe:
    """Read a YAML or JSON recipe file, or raise RecipeError naming the file and the field."""
    path = Path(path)
    if not path.is_file():
        raise RecipeError(f"{path}: no such recipe file")
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        kind = "JSON" if path.suffix.lower() == ".json" else "YAML"
        raise RecipeError(f"{path}: cannot be read as {kind} ({exc})") from None
    return parse_recipe(data, source=str(path), base_dir=path.parent)


class _Paths:
    """Resolves a recipe's paths against its folder, checking that each file exists."""

    def __init__(self, base: Path, source: str, confine: bool) -> None:
        self.base, self.source, self.confine = base.resolve(), source, confine

    def resolve(self, recipe: Recipe) -> Recipe:
        """The recipe with every path absolute."""
        objects = []
        for index, spec in enumerate(recipe.objects):
            where = f"{self.source}: objects[{index}]"
            changes: dict[str, Any] = {}
            if spec.mesh is not None:
                changes["mesh"] = self.file(spec.mesh, f"{where}.mesh")
            if spec.textures is not None:
                changes["textures"] = self.images(spec.textures, f"{where}.textures")
            objects.append(spec.model_copy(update=changes))
        backgrounds = []
        for index, spec in enumerate(recipe.backgrounds):
            where = f"{self.source}: backgrounds[{index}]"
            if spec.folder is not None:
                files = self.images([spec.folder], f"{where}.folder")
                spec = spec.model_copy(update={"folder": None, "files": files})
            elif spec.files is not None:
                spec = spec.model_copy(update={"files": self.images(spec.files, f"{where}.files")})
            backgrounds.append(spec)
        return recipe.model_copy(update={"objects": objects, "backgrounds": backgrounds})

    def _full(self, path: Path, where: str) -> Path:
        full = (self.base / path).resolve()
        if self.confine and not full.is_relative_to(self.base):
            raise RecipeError(f"{where}: {path} lies outside the recipe's folder")
        return full

    def file(self, path: Path, where: str) -> Path:
        """An existing file."""
        full = self._full(path, where)
        if not full.is_file():
            raise RecipeError(f"{where}: {path} does not exist (looked in {full.parent})")
        return full

    def images(self, paths: list[Path], where: str) -> list[Path]:
        """Image files named directly or found in the named folders, sorted (deterministic)."""
        found: list[Path] = []
        for path in paths:
            full = self._full(path, where)
            if full.is_dir():
                inside = sorted(
                    self._full(p, where)
                    for p in full.rglob("*")
                    if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES
                )
                if not inside:
                    raise RecipeError(f"{where}: folder {path} holds no images")
                found += inside
            else:
                found.append(self.file(path, where))
        return found
