"""Dawid-Skene: true categories and each annotator's confusion matrix, by EM.

Dawid & Skene (1979), "Maximum likelihood estimation of observer error-rates using the
EM algorithm". Given many items each labeled by some annotators, it estimates how
often each annotator gives label l when the truth is k, and weighs their votes by it,
so a reliable annotator outvotes two careless ones.
"""

from dataclasses import dataclass

import numpy as np
from scipy.special import logsumexp


@dataclass(frozen=True)
class DawidSkeneResult:
    """Estimated truth per item and error rates per annotator."""

    posteriors: np.ndarray
    """(items, classes): probability of each true class."""
    labels: np.ndarray
    """(items,): the most probable class."""
    confusion: np.ndarray
    """(annotators, classes, classes): row k is the label distribution when the truth is k."""
    priors: np.ndarray
    """(classes,): how common each class is."""
    iterations: int
    converged: bool


def _one_hot(labels: np.ndarray, classes: int) -> np.ndarray:
    """(items, annotators, classes) indicators of the given labels; -1 (missing) gives zeros."""
    if labels.ndim != 2:
        raise ValueError(f"labels must be items x annotators, got shape {labels.shape}")
    if labels.size and (labels.min() < -1 or labels.max() >= classes):
        raise ValueError(f"labels must be -1 (missing) or a class index below {classes}")
    return (labels[:, :, None] == np.arange(classes)).astype(float)


def majority_vote(labels: np.ndarray, classes: int) -> np.ndarray:
    """The most given label per item (ties to the lower class index); -1 if none given."""
    votes = _one_hot(np.asarray(labels), classes).sum(axis=1)
    winners = votes.argmax(axis=1)
    return np.where(votes.sum(axis=1) > 0, winners, -1)


def dawid_skene(
    labels: np.ndarray,
    classes: int,
    *,
    max_iterations: int = 500,
    tolerance: float = 1e-5,
    smoothing: float = 0.01,
) -> DawidSkeneResult:
    """Run Dawid-Skene EM on (items, annotators) class indices, -1 where not labeled.

    Starts from the vote shares, then alternates estimating confusion matrices and
    priors (with `smoothing` added to every count, so no rate is exactly 0) and the
    posterior of each item, until posteriors move less than `tolerance`.
    """
    onehot = _one_hot(np.asarray(labels), classes)
    votes = onehot.sum(axis=1)
    seen = votes.sum(axis=1, keepdims=True)
    posteriors = np.where(seen > 0, votes / np.where(seen > 0, seen, 1), 1.0 / classes)
    converged, iterations = False, 0
    while not converged and iterations < max_iterations:
        iterations += 1
        priors, confusion = _estimate_rates(posteriors, onehot, smoothing)
        log_post = np.log(priors) + _flat(onehot) @ _flat_rates(np.log(confusion))
        updated = np.exp(log_post - logsumexp(log_post, axis=1, keepdims=True))
        change = float(np.abs(updated - posteriors).max()) if updated.size else 0.0
        posteriors = updated
        converged = change < tolerance
    priors, confusion = _estimate_rates(posteriors, onehot, smoothing)
    return DawidSkeneResult(
        posteriors=posteriors,
        labels=posteriors.argmax(axis=1),
        confusion=confusion,
        priors=priors,
        iterations=iterations,
        converged=converged,
    )


def _flat(onehot: np.ndarray) -> np.ndarray:
    """(items, annotators * classes): the indicators side by side, for matrix products."""
    return onehot.reshape(onehot.shape[0], -1)


def _flat_rates(rates: np.ndarray) -> np.ndarray:
    """(annotators * labels, classes): per-annotator rates stacked to match `_flat`."""
    return rates.transpose(0, 2, 1).reshape(-1, rates.shape[1])


def _estimate_rates(
    posteriors: np.ndarray, onehot: np.ndarray, smoothing: float
) -> tuple[np.ndarray, np.ndarray]:
    """M step: class priors and per-annotator confusion matrices from soft truths."""
    priors = posteriors.sum(axis=0) + smoothing
    annotators, classes = onehot.shape[1], onehot.shape[2]
    counts = (posteriors.T @ _flat(onehot)).reshape(classes, annotators, classes)
    counts = counts.transpose(1, 0, 2) + smoothing
    return priors / priors.sum(), counts / counts.sum(axis=2, keepdims=True)
