"""Typed attribute specs of a label class, and the check of a value against one."""

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

StableId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]
"""An id that never changes once given: 1-64 letters, digits or `_ . : -`."""

DisplayName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
"""A human-readable name, 1-100 characters after trimming."""


class DomainModel(BaseModel):
    """Base of every domain model: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Option(DomainModel):
    """One choice of a select attribute or a tag group."""

    id: StableId
    name: DisplayName


def unique_problem(values: list[str], what: str, *, fold_case: bool = False) -> str | None:
    """Describe the first repeated value in `values`, or return None when all differ."""
    seen: set[str] = set()
    for value in values:
        key = value.casefold() if fold_case else value
        if key in seen:
            return f"{what} {value!r} is used more than once"
        seen.add(key)
    return None


def _check_options(options: list[Option], owner: str) -> None:
    """Raise ValueError unless option ids and names are unique."""
    for problem in (
        unique_problem([o.id for o in options], f"{owner}: option id"),
        unique_problem([o.name for o in options], f"{owner}: option name", fold_case=True),
    ):
        if problem:
            raise ValueError(problem)


class _AttributeBase(DomainModel):
    """Fields every attribute spec shares."""

    id: StableId
    name: DisplayName
    required: bool = False

    def value_problem(self, value: Any) -> str | None:
        """Say what is wrong with `value` for this attribute, or None when it fits."""
        raise NotImplementedError

    @model_validator(mode="after")
    def _default_fits(self) -> "_AttributeBase":
        default = getattr(self, "default", None)
        if default is not None and (problem := self.value_problem(default)):
            raise ValueError(f"attribute {self.name!r}: default {default!r}: {problem}")
        return self


class TextAttribute(_AttributeBase):
    """Free text, optionally limited in length."""

    type: Literal["text"] = "text"
    max_length: Annotated[int, Field(gt=0)] | None = None
    default: str | None = None

    def value_problem(self, value: Any) -> str | None:
        """Say what is wrong with `value` for this attribute, or None when it fits."""
        if not isinstance(value, str):
            return f"expected text, got {type(value).__name__}"
        if self.max_length is not None and len(value) > self.max_length:
            return f"text is {len(value)} characters long; at most {self.max_length} allowed"
        return None


class NumberAttribute(_AttributeBase):
    """A number, optionally bounded and optionally whole."""

    type: Literal["number"] = "number"
    min: float | None = Field(default=None, allow_inf_nan=False)
    max: float | None = Field(default=None, allow_inf_nan=False)
    integer: bool = False
    default: float | None = None

    @model_validator(mode="after")
    def _range_ordered(self) -> "NumberAttribute":
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"attribute {self.name!r}: min {self.min} is above max {self.max}")
        return self

    def value_problem(self, value: Any) -> str | None:
        """Say what is wrong with `value` for this attribute, or None when it fits."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            return f"expected a number, got {type(value).__name__}"
        if isinstance(value, float) and not math.isfinite(value):
            return f"{value} is not a finite number"
        if self.integer and isinstance(value, float) and not value.is_integer():
            return f"{value} is not a whole number"
        if self.min is not None and value < self.min:
            return f"{value} is below the minimum {self.min}"
        if self.max is not None and value > self.max:
            return f"{value} is above the maximum {self.max}"
        return None


class CheckboxAttribute(_AttributeBase):
    """A yes/no flag."""

    type: Literal["checkbox"] = "checkbox"
    default: bool | None = None

    def value_problem(self, value: Any) -> str | None:
        """Say what is wrong with `value` for this attribute, or None when it fits."""
        if not isinstance(value, bool):
            return f"expected true or false, got {type(value).__name__}"
        return None


class SelectAttribute(_AttributeBase):
    """Exactly one option id out of a fixed list."""

    type: Literal["select"] = "select"
    options: Annotated[list[Option], Field(min_length=1)]
    default: str | None = None

    @model_validator(mode="after")
    def _check(self) -> "SelectAttribute":
        _check_options(self.options, f"attribute {self.name!r}")
        return self

    def value_problem(self, value: Any) -> str | None:
        """Say what is wrong with `value` for this attribute, or None when it fits."""
        if not isinstance(value, str):
            return f"expected an option id, got {type(value).__name__}"
        if value not in {option.id for option in self.options}:
            return f"{value!r} is not one of the options ({_option_ids(self.options)})"
        return None


class MultiselectAttribute(_AttributeBase):
    """Any number of distinct option ids out of a fixed list."""

    type: Literal["multiselect"] = "multiselect"
    options: Annotated[list[Option], Field(min_length=1)]
    default: list[str] | None = None

    @model_validator(mode="after")
    def _check(self) -> "MultiselectAttribute":
        _check_options(self.options, f"attribute {self.name!r}")
        return self

    def value_problem(self, value: Any) -> str | None:
        """Say what is wrong with `value` for this attribute, or None when it fits."""
        if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
            return f"expected a list of option ids, got {type(value).__name__}"
        known = {option.id for option in self.options}
        unknown = [v for v in value if v not in known]
        if unknown:
            return f"{unknown[0]!r} is not one of the options ({_option_ids(self.options)})"
        if len(set(value)) != len(value):
            return "an option is chosen more than once"
        return None


def _option_ids(options: list[Option]) -> str:
    """List option ids for an error message, shortened when there are many."""
    ids = [option.id for option in options]
    shown = ", ".join(ids[:10])
    return shown + (f", … {len(ids) - 10} more" if len(ids) > 10 else "")


AttributeSpec = Annotated[
    TextAttribute | NumberAttribute | CheckboxAttribute | SelectAttribute | MultiselectAttribute,
    Field(discriminator="type"),
]
"""Any attribute spec, told apart by its `type`."""
