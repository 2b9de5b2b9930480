import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from labelwright.quality.assignment import assign, assign_batch, tangled_items


def best_total(similarity: np.ndarray, threshold: float) -> float:
    """Brute force: the largest total similarity of a one-to-one pairing at the threshold."""
    rows, cols = similarity.shape
    weights = np.where(similarity >= threshold, similarity, 0.0)
    if rows > cols:
        weights = weights.T
        rows, cols = cols, rows
    return max(
        (
            sum(weights[r, c] for r, c in enumerate(perm))
            for perm in itertools.permutations(range(cols), rows)
        ),
        default=0.0,
    )


def test_isolated_pairs_and_a_tangle():
    similarity = np.array(
        [
            [0.9, 0.0, 0.0, 0.0],
            [0.0, 0.7, 0.6, 0.0],  # rows 1 and 2 compete for columns 1 and 2
            [0.0, 0.8, 0.0, 0.0],
            [0.0, 0.0, 0.0, 0.3],  # below the threshold
        ]
    )
    assert assign(similarity, 0.5) == [(0, 0), (1, 2), (2, 1)]
    assert tangled_items(similarity[None], 0.5).tolist() == [True]
    assert tangled_items(similarity[None], 0.75).tolist() == [False]


def test_threshold_must_be_in_range():
    with pytest.raises(ValueError, match="threshold must be in"):
        assign(np.ones((1, 1)), 0)


def test_empty_matrices():
    assert assign(np.zeros((0, 3)), 0.5) == []
    assert assign_batch(np.zeros((2, 3, 0)), 0.5).tolist() == [[-1, -1, -1]] * 2


@settings(max_examples=150, deadline=None)
@given(
    arrays(
        float,
        st.tuples(st.integers(1, 5), st.integers(1, 5)),
        elements=st.sampled_from([0.0, 0.2, 0.5, 0.55, 0.6, 0.7, 0.9, 1.0]),
    ),
    st.sampled_from([0.3, 0.5, 0.65]),
)
def test_fast_path_is_optimal_and_one_to_one(similarity, threshold):
    pairs = assign(similarity, threshold)
    rows = [r for r, _ in pairs]
    cols = [c for _, c in pairs]
    assert len(set(rows)) == len(rows) and len(set(cols)) == len(cols)
    assert all(similarity[r, c] >= threshold for r, c in pairs)
    total = sum(similarity[r, c] for r, c in pairs)
    assert total == pytest.approx(best_total(similarity, threshold))


@settings(max_examples=40, deadline=None)
@given(arrays(float, (6, 4, 3), elements=st.floats(0, 1)))
def test_batch_equals_one_at_a_time(batch):
    columns = assign_batch(batch, 0.4)
    for item, matrix in enumerate(batch):
        expected = dict(assign(matrix, 0.4))
        assert {r: c for r, c in enumerate(columns[item]) if c >= 0} == expected
