"""One-to-one assignment of rows to columns by similarity (Hungarian), with a fast path.

The assignment maximises the total similarity over pairs whose similarity reaches the
threshold. Most pairs of annotations of one image form isolated pairs (one candidate
each way), which are matched without the Hungarian step; only the rows and columns
left over go through `scipy.optimize.linear_sum_assignment`. This is exact: an
isolated pair is its own connected component of the candidate graph.
"""

import numpy as np
from scipy.optimize import linear_sum_assignment


def check_threshold(threshold: float) -> None:
    """Raise ValueError unless a match threshold lies in (0, 1]."""
    if not 0 < threshold <= 1:
        raise ValueError(f"match threshold must be in (0, 1], got {threshold}")


def assign(similarity: np.ndarray, threshold: float) -> list[tuple[int, int]]:
    """Pairs `(row, column)` of the best one-to-one assignment at `threshold`, by row."""
    check_threshold(threshold)
    if similarity.size == 0:
        return []
    columns = assign_batch(similarity[None], threshold)[0]
    return [(int(r), int(c)) for r, c in enumerate(columns) if c >= 0]


def assign_batch(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """For a batch (items, n, m) of similarity matrices, each row's column, or -1."""
    check_threshold(threshold)
    items, rows, cols = similarity.shape
    matched = np.full((items, rows), -1, dtype=np.int64)
    if rows == 0 or cols == 0:
        return matched
    candidate = similarity >= threshold
    row_degree = candidate.sum(axis=2)
    col_degree = candidate.sum(axis=1)
    isolated = candidate & (row_degree[:, :, None] == 1) & (col_degree[:, None, :] == 1)
    has_isolated = isolated.any(axis=2)
    matched[has_isolated] = isolated.argmax(axis=2)[has_isolated]
    tangled_rows = (row_degree > 0) & ~has_isolated
    tangled_cols = (col_degree > 0) & ~isolated.any(axis=1)
    for item in np.flatnonzero(tangled_rows.any(axis=1)):
        _assign_tangle(
            similarity[item], candidate[item], tangled_rows[item], tangled_cols[item], matched[item]
        )
    return matched


def _assign_tangle(
    similarity: np.ndarray,
    candidate: np.ndarray,
    row_mask: np.ndarray,
    col_mask: np.ndarray,
    out: np.ndarray,
) -> None:
    """Run the Hungarian step on the rows and columns that compete for each other."""
    rows, cols = np.flatnonzero(row_mask), np.flatnonzero(col_mask)
    weights = np.where(candidate[np.ix_(rows, cols)], similarity[np.ix_(rows, cols)], 0.0)
    r, c = linear_sum_assignment(weights, maximize=True)
    kept = weights[r, c] > 0
    out[rows[r[kept]]] = cols[c[kept]]


def tangled_items(similarity: np.ndarray, threshold: float) -> np.ndarray:
    """Per item of a batch, whether any candidate pair is not isolated (needs Hungarian).

    When an item has no tangle at one threshold it has none at any higher threshold,
    so its assignment there is just its pairs that still reach that threshold.
    """
    candidate = similarity >= threshold
    row_degree = candidate.sum(axis=2)
    col_degree = candidate.sum(axis=1)
    isolated = candidate & (row_degree[:, :, None] == 1) & (col_degree[:, None, :] == 1)
    return ((row_degree > 0) & ~isolated.any(axis=2)).any(axis=1)
