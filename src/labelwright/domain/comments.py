"""Where a review comment points: the whole item, a point, a region, or one object."""

from __future__ import annotations

import math
from typing import Annotated, Literal

from pydantic import Field, field_validator

from labelwright.domain.attributes import DomainModel


class _Finite(DomainModel):
    @field_validator("*", mode="after")
    @classmethod
    def _finite(cls, value: object) -> object:
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("must be a finite number")
        return value


class ItemAnchor(DomainModel):
    """The comment is about the whole item."""

    kind: Literal["item"] = "item"


class PointAnchor(_Finite):
    """The comment is pinned at a pixel (of a GIF frame)."""

    kind: Literal["point"] = "point"
    x: float
    y: float
    frame: int = Field(0, ge=0)


class RegionAnchor(_Finite):
    """The comment is about an axis-aligned region."""

    kind: Literal["region"] = "region"
    x: float
    y: float
    w: float = Field(gt=0)
    h: float = Field(gt=0)
    frame: int = Field(0, ge=0)


class ObjectAnchor(DomainModel):
    """The comment is about one object (by its stable id)."""

    kind: Literal["object"] = "object"
    object_id: str = Field(min_length=1, max_length=200)


Anchor = Annotated[
    ItemAnchor | PointAnchor | RegionAnchor | ObjectAnchor, Field(discriminator="kind")
]
"""Any anchor, told apart by its `kind`."""
