"""Clustering and weighted box fusion of a chunk of items at once (see `box_batch`)."""

import numpy as np

from labelwright.quality.assignment import assign_batch


class _Clusters:
    """Padded cluster arrays of a chunk: up to annotators x slots clusters per item."""

    def __init__(self, items: int, annotators: int, slots: int) -> None:
        room = annotators * slots
        self.members = np.full((items, room, annotators), -1, dtype=np.int64)
        self.classes = np.full((items, room), -1, dtype=np.int64)
        self.support = np.zeros((items, room), dtype=np.int64)
        self.sums = np.zeros((items, room, 4))
        self.weights = np.zeros((items, room))
        self.count = np.zeros(items, dtype=np.int64)

    def add(self, item, cluster, annotator: int, box, boxes, weights) -> None:
        """Put box `box` of `annotator` into the given clusters (parallel index arrays)."""
        w = weights[item, annotator, box]
        self.members[item, cluster, annotator] = box
        self.sums[item, cluster] += w[:, None] * boxes[item, annotator, box]
        self.weights[item, cluster] += w
        self.support[item, cluster] += 1

    def similarity(self, annotator: int, similarity: dict) -> np.ndarray:
        """(items, clusters, slots): mean IoU of each box of `annotator` to each cluster."""
        total = np.zeros((*self.classes.shape, similarity[0, annotator].shape[2]))
        for earlier in range(annotator):
            index = self.members[:, :, earlier]
            rows = np.take_along_axis(
                similarity[earlier, annotator], np.maximum(index, 0)[:, :, None], axis=1
            )
            total += rows * (index >= 0)[:, :, None]
        return total / np.maximum(self.support, 1)[:, :, None]


def merge_chunk(
    boxes: np.ndarray,
    classes: np.ndarray,
    weights: np.ndarray | None,
    similarity: dict[tuple[int, int], np.ndarray],
    threshold: float,
    quorum: int,
) -> tuple[list[np.ndarray], int]:
    """Cluster and fuse one chunk: ([item, boxes, classes, support, scores], dropped).

    `similarity[a, b]` (a < b) is the same-class IoU of annotator a's boxes (rows) with
    b's (columns). Annotators are taken in order; each box joins the cluster it is most
    similar to on average (Hungarian, at `threshold`) or starts a new one.
    """
    items, annotators, slots, _ = boxes.shape
    weights = np.ones(classes.shape) if weights is None else weights
    clusters = _Clusters(items, annotators, slots)
    for annotator in range(annotators):
        taken = np.zeros((items, slots), dtype=bool)
        if annotator > 0:
            choice = assign_batch(clusters.similarity(annotator, similarity), threshold)
            item, cluster = np.nonzero(choice >= 0)
            box = choice[item, cluster]
            clusters.add(item, cluster, annotator, box, boxes, weights)
            taken[item, box] = True
        new = (classes[:, annotator] >= 0) & ~taken
        position = clusters.count[:, None] + np.cumsum(new, axis=1) - 1
        item, box = np.nonzero(new)
        cluster = position[item, box]
        clusters.classes[item, cluster] = classes[item, annotator, box]
        clusters.add(item, cluster, annotator, box, boxes, weights)
        clusters.count += new.sum(axis=1)
    keep = clusters.support >= quorum
    fused = clusters.sums[keep] / clusters.weights[keep][:, None]
    scores = clusters.weights[keep] / annotators  # mean weight x support / annotators
    dropped = int(((clusters.support > 0) & ~keep).sum())
    parts = [np.nonzero(keep)[0], fused, clusters.classes[keep], clusters.support[keep], scores]
    return parts, dropped
