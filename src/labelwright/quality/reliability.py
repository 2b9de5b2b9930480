"""Chance-corrected agreement on categories and numbers: Krippendorff's alpha, Fleiss' kappa."""

from dataclasses import dataclass
from typing import Literal

import numpy as np

Level = Literal["nominal", "interval"]


def _value_counts(data: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values, and per unit (column) how often each occurs: (units, values)."""
    values = np.unique(data[~np.isnan(data)])
    counts = np.stack([(data == v).sum(axis=0) for v in values], axis=1)
    return values, counts


def krippendorff_alpha(reliability_data: np.ndarray, level: Level = "nominal") -> float:
    """Krippendorff's alpha of coders (rows) by units (columns); NaN marks a missing value.

    `nominal` treats values as unordered categories, `interval` as numbers whose
    squared differences count. Units with fewer than two values are not pairable and
    are left out. Returns NaN when no pair of values disagrees by chance (one value only).
    """
    data = np.asarray(reliability_data, dtype=float)
    if data.ndim != 2:
        raise ValueError(f"reliability data must be coders x units, got shape {data.shape}")
    if level not in ("nominal", "interval"):
        raise ValueError(f"unknown level of measurement {level!r}; use nominal or interval")
    if np.isinf(data).any():
        raise ValueError("reliability data holds an infinite value")
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    if not pairable.any():
        raise ValueError("no unit has values from two or more coders")
    values, counts = _value_counts(data[:, pairable])
    per_unit = counts.sum(axis=1)
    # Coincidence matrix: each ordered pair of values within a unit, weighted 1/(m_u - 1).
    weights = 1.0 / (per_unit - 1)
    coincidences = (counts * weights[:, None]).T @ counts - np.diag(weights @ counts)
    totals = coincidences.sum(axis=1)
    n = totals.sum()
    if level == "nominal":
        delta = 1.0 - np.eye(len(values))
    else:
        delta = np.subtract.outer(values, values) ** 2
    observed = (coincidences * delta).sum()
    expected = (np.outer(totals, totals) * delta).sum() / (n - 1)
    return float(1 - observed / expected) if expected > 0 else float("nan")


@dataclass(frozen=True)
class FleissKappa:
    """Fleiss' kappa over all categories, and one kappa per category."""

    kappa: float
    per_category: np.ndarray
    observed: float
    """Mean agreement over subjects (P-bar)."""
    expected: float
    """Agreement expected by chance (P-bar e)."""


def fleiss_kappa(table: np.ndarray) -> FleissKappa:
    """Fleiss' kappa of a subjects x categories table of rating counts.

    Every subject must be rated by the same number (two or more) of raters. A
    category nobody chose has kappa NaN.
    """
    counts = np.asarray(table, dtype=float)
    if counts.ndim != 2 or counts.shape[0] == 0:
        raise ValueError(f"rating table must be subjects x categories, got shape {counts.shape}")
    if (counts < 0).any():
        raise ValueError("rating table holds a negative count")
    raters = counts.sum(axis=1)
    if not np.all(raters == raters[0]) or raters[0] < 2:
        raise ValueError(
            "every subject must have the same number (at least 2) of ratings; "
            f"got {sorted(set(raters.astype(int).tolist()))}"
        )
    subjects, n = counts.shape[0], raters[0]
    shares = counts.sum(axis=0) / (subjects * n)
    per_subject = ((counts**2).sum(axis=1) - n) / (n * (n - 1))
    observed, expected = float(per_subject.mean()), float((shares**2).sum())
    kappa = (observed - expected) / (1 - expected) if expected < 1 else float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        disagreement = (counts * (n - counts)).sum(axis=0)
        per_category = 1 - disagreement / (subjects * n * (n - 1) * shares * (1 - shares))
    return FleissKappa(float(kappa), per_category, observed, expected)


def category_table(labels: np.ndarray, categories: int) -> np.ndarray:
    """Subjects x categories counts from (subjects, raters) category indices, -1 missing."""
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f"labels must be subjects x raters, got shape {labels.shape}")
    if labels.size and (labels.max() >= categories or labels.min() < -1):
        raise ValueError(f"labels must be -1 (missing) or a category index below {categories}")
    return np.stack([(labels == c).sum(axis=1) for c in range(categories)], axis=1)
