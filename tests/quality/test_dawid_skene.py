import numpy as np
import pytest

from labelwright.quality.dawid_skene import dawid_skene, majority_vote

# Three classes, five simulated annotators: one expert, three mediocre ones and one
# who confuses classes 0 and 1 systematically.
CONFUSIONS = np.array(
    [
        [[0.92, 0.04, 0.04], [0.04, 0.92, 0.04], [0.04, 0.04, 0.92]],
        [[0.60, 0.25, 0.15], [0.25, 0.60, 0.15], [0.20, 0.20, 0.60]],
        [[0.55, 0.25, 0.20], [0.20, 0.60, 0.20], [0.25, 0.20, 0.55]],
        [[0.60, 0.20, 0.20], [0.30, 0.50, 0.20], [0.20, 0.25, 0.55]],
        [[0.20, 0.75, 0.05], [0.75, 0.20, 0.05], [0.05, 0.05, 0.90]],
    ]
)
PRIORS = np.array([0.5, 0.3, 0.2])


def simulate(items: int, seed: int, missing: float = 0.2):
    """Truths and (items, annotators) labels drawn from the confusion matrices."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(3, size=items, p=PRIORS)
    cumulative = CONFUSIONS[:, truth].cumsum(axis=2)  # (annotators, items, classes)
    draws = rng.random((len(CONFUSIONS), items, 1))
    labels = (draws > cumulative).sum(axis=2).T
    labels[rng.random(labels.shape) < missing] = -1
    return truth, labels


def test_recovers_confusion_matrices_and_beats_majority_vote():
    truth, labels = simulate(8000, seed=12)
    result = dawid_skene(labels, 3)
    assert result.converged
    assert np.abs(result.confusion - CONFUSIONS).max() < 0.05
    assert result.priors == pytest.approx(PRIORS, abs=0.03)
    ds_accuracy = (result.labels == truth).mean()
    mv_accuracy = (majority_vote(labels, 3) == truth).mean()
    assert ds_accuracy > mv_accuracy + 0.1
    assert result.posteriors.sum(axis=1) == pytest.approx(np.ones(len(truth)))


def test_unanimous_labels_are_certain():
    labels = np.array([[0, 0, 0], [1, 1, 1], [2, 2, -1]])
    result = dawid_skene(labels, 3)
    assert result.labels.tolist() == [0, 1, 2]
    assert (result.posteriors.max(axis=1) > 0.9).all()


def test_majority_vote_breaks_ties_low_and_marks_unlabeled_items():
    assert majority_vote(np.array([[1, 0], [-1, -1], [2, 2]]), 3).tolist() == [0, -1, 2]


def test_bad_labels_are_refused():
    with pytest.raises(ValueError, match="class index below 3"):
        dawid_skene(np.array([[0, 3]]), 3)
    with pytest.raises(ValueError, match="items x annotators"):
        dawid_skene(np.array([0, 1]), 3)
