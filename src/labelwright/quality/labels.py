"""Categorical answers (image tags, object attributes) gathered into label matrices.

The matrices feed `reliability` (Krippendorff's alpha, Fleiss' kappa) and
`dawid_skene`. Items come as mappings from annotator id to that annotator's
annotation, so that one column is always one person.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from labelwright.domain.shapes import Annotation
from labelwright.quality.consensus import Cluster
from labelwright.quality.dawid_skene import DawidSkeneResult, dawid_skene


@dataclass(frozen=True)
class LabelMatrix:
    """(items, annotators) indices into `categories`, -1 where an annotator gave none."""

    labels: np.ndarray
    annotators: tuple[str, ...]
    categories: tuple[str, ...]

    def reliability_data(self) -> np.ndarray:
        """The labels as Krippendorff's coders x units array, NaN where missing."""
        return np.where(self.labels >= 0, self.labels, np.nan).T.astype(float)


def _annotators(items: Sequence[Mapping[str, Annotation]]) -> tuple[str, ...]:
    """Every annotator id, in first-seen order."""
    return tuple(dict.fromkeys(a for item in items for a in item))


def tag_labels(
    items: Sequence[Mapping[str, Annotation]], group_id: str, options: Sequence[str]
) -> LabelMatrix:
    """Each annotator's single option of one tag group on each item.

    ValueError if an annotator chose several options of the group, or one not listed.
    """
    annotators = _annotators(items)
    index = {option: k for k, option in enumerate(options)}
    labels = np.full((len(items), len(annotators)), -1, dtype=np.int64)
    for i, item in enumerate(items):
        for a, annotator in enumerate(annotators):
            chosen = item[annotator].tags.get(group_id, []) if annotator in item else []
            if len(chosen) > 1:
                raise ValueError(
                    f"item {i}: annotator {annotator!r} chose {len(chosen)} options of "
                    f"tag group {group_id!r}; one is expected"
                )
            if chosen and chosen[0] not in index:
                raise ValueError(
                    f"item {i}: annotator {annotator!r} chose unknown option {chosen[0]!r} "
                    f"of tag group {group_id!r}"
                )
            if chosen:
                labels[i, a] = index[chosen[0]]
    return LabelMatrix(labels, annotators, tuple(options))


def attribute_values(clusters: Sequence[Cluster], attribute_id: str, annotators: int) -> np.ndarray:
    """One attribute across matched objects: (annotators, clusters) values, NaN if unset.

    Each cluster (a thing several annotators drew, see `consensus.cluster_objects`) is a
    unit for Krippendorff's alpha; use level `interval` for number attributes.
    """
    data = np.full((annotators, len(clusters)), np.nan)
    for u, cluster in enumerate(clusters):
        for annotator, obj in cluster.members.items():
            value = obj.attributes.get(attribute_id)
            if value is None:
                continue
            if not isinstance(value, int | float):  # checkboxes count as 0 and 1
                raise ValueError(f"object {obj.id!r}: {attribute_id!r} is not a number")
            data[annotator, u] = float(value)
    return data


def attribute_labels(
    clusters: Sequence[Cluster], attribute_id: str, options: Sequence[str], annotators: int
) -> np.ndarray:
    """A select attribute across matched objects: (clusters, annotators) option indices."""
    index = {option: k for k, option in enumerate(options)}
    labels = np.full((len(clusters), annotators), -1, dtype=np.int64)
    for u, cluster in enumerate(clusters):
        for annotator, obj in cluster.members.items():
            value = obj.attributes.get(attribute_id)
            if value is None:
                continue
            if value not in index:
                raise ValueError(f"object {obj.id!r}: {attribute_id!r} = {value!r} is no option")
            labels[u, annotator] = index[value]
    return labels


def tag_consensus(
    items: Sequence[Mapping[str, Annotation]], group_id: str, options: Sequence[str]
) -> tuple[LabelMatrix, DawidSkeneResult]:
    """Dawid-Skene over one single-choice tag group: truths and annotator confusions."""
    matrix = tag_labels(items, group_id, options)
    return matrix, dawid_skene(matrix.labels, len(options))
