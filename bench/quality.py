"""Benchmark: agreement and consensus merge of 100,000 items x 3 annotators x 10 boxes.

Generates the items deterministically (seeded): each item has 10 true boxes of five
classes at sizes from 16 to 400 px in a 1920x1080 image; each annotator jitters every
corner by about 3% of the box size, misses a box 5% of the time, picks the wrong class
2% of the time and adds a stray box now and then. Times `batch_consensus` (pairwise
agreement at IoU 0.50:0.95 plus clustering and weighted box fusion) over all items and
prints items/s, total seconds and peak memory.

Usage: python bench/quality.py [--items 100000] [--annotators 3] [--boxes 10] [--seed 7]
Target: <= 30 s for the default 100,000 items on a 2-core machine.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from labelwright.quality.box_batch import BoxSets, batch_consensus

WIDTH, HEIGHT = 1920.0, 1080.0
CLASSES = ("car", "person", "bike", "truck", "sign")
MISS_RATE = 0.05
WRONG_CLASS_RATE = 0.02
EXTRA_RATE = 0.3
"""Mean stray boxes per annotator and item."""
MAX_EXTRA = 2
JITTER = 0.03


def true_boxes(rng: np.random.Generator, items: int, boxes: int) -> tuple[np.ndarray, np.ndarray]:
    """(items, boxes, 4) corners and (items, boxes) classes of the objects really there."""
    size = np.exp(rng.uniform(np.log(16), np.log(400), (items, boxes, 2)))
    x0 = rng.uniform(0, WIDTH - size[..., 0])
    y0 = rng.uniform(0, HEIGHT - size[..., 1])
    corners = np.stack([x0, y0, x0 + size[..., 0], y0 + size[..., 1]], axis=-1)
    return corners, rng.integers(0, len(CLASSES), (items, boxes))


def annotate(rng: np.random.Generator, truth: np.ndarray, classes: np.ndarray):
    """One annotator's boxes and classes for every item: jittered, some missed, some extra."""
    items, boxes, _ = truth.shape
    size = np.repeat(truth[..., 2:] - truth[..., :2], 2, axis=-1)[..., [0, 2, 1, 3]]
    drawn = truth + rng.normal(0, JITTER, truth.shape) * size
    label = np.where(
        rng.random((items, boxes)) < WRONG_CLASS_RATE,
        rng.integers(0, len(CLASSES), (items, boxes)),
        classes,
    )
    label = np.where(rng.random((items, boxes)) < MISS_RATE, -1, label)
    extra_box, extra_class = true_boxes(rng, items, MAX_EXTRA)
    wanted = rng.poisson(EXTRA_RATE, items)[:, None] > np.arange(MAX_EXTRA)
    extra_class = np.where(wanted, extra_class, -1)
    return np.concatenate([drawn, extra_box], axis=1), np.concatenate([label, extra_class], axis=1)


def generate(items: int, annotators: int, boxes: int, seed: int) -> BoxSets:
    """The benchmark's items as padded box arrays."""
    rng = np.random.default_rng(seed)
    truth, classes = true_boxes(rng, items, boxes)
    drawn = [annotate(rng, truth, classes) for _ in range(annotators)]
    return BoxSets(
        boxes=np.stack([d[0] for d in drawn], axis=1),
        classes=np.stack([d[1] for d in drawn], axis=1),
        class_ids=CLASSES,
    )


def peak_rss_mib() -> float:
    """Peak resident memory of this process so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Generate, time, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--annotators", type=int, default=3)
    parser.add_argument("--boxes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sets = generate(args.items, args.annotators, args.boxes, args.seed)
    before = peak_rss_mib()
    started = time.perf_counter()
    agreement, merged = batch_consensus(sets)
    seconds = time.perf_counter() - started
    counts = agreement.counts
    print(f"items: {args.items} x {args.annotators} annotators x {args.boxes} boxes")
    print(f"total: {seconds:.2f} s  ({args.items / seconds:,.0f} items/s)")
    print(f"peak memory: {peak_rss_mib():.0f} MiB (after generating the data: {before:.0f} MiB)")
    print(
        f"agreement: mean score {agreement.scores.mean():.3f}, F1@.5 {counts.f1(0.5):.3f}, "
        f"F1@.75 {counts.f1(0.75):.3f}, F1@[.5:.95] {counts.f1_range:.3f}, "
        f"mean IoU {counts.mean_iou:.3f}, class disagreements {counts.class_disagreements}"
    )
    print(
        f"merge: {len(merged.item)} consensus boxes, {merged.dropped} clusters below quorum, "
        f"{int(agreement.needs_review.sum())} items to review"
    )


if __name__ == "__main__":
    main()
