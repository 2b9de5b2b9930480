"""Train/val/test splits: by ratio, stratified by class, deterministic for a seed, or from tags.

Stratification is iterative stratification (Sechidis, Tsoumakas and Vlahavas, 2011), which
suits images holding several classes: repeatedly take the class with the fewest images still
unassigned, and give each of its images to the split that still wants most of that class
(ties: the split that wants most images overall, then a seeded coin). A rare class is thus
placed first, while every split still has room for it, instead of being left to chance.
Images without any class are dealt out last by the same rule on the image counts.
The result depends only on the set of (file name, classes) pairs, the ratios and the seed,
not on the order the images come in.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping

from labelwright.formats.dataset import DatasetImage

DEFAULT_RATIOS = {"train": 0.8, "val": 0.1, "test": 0.1}


def _check_ratios(ratios: Mapping[str, float]) -> dict[str, float]:
    """Ratios scaled to sum to 1, or ValueError."""
    if not ratios or any(r < 0 for r in ratios.values()) or sum(ratios.values()) <= 0:
        raise ValueError(f"split ratios {dict(ratios)} must be non-negative and not all zero")
    total = sum(ratios.values())
    return {name: r / total for name, r in ratios.items()}


def assign_splits(
    items: Iterable[tuple[str, Iterable[str]]],
    ratios: Mapping[str, float] = DEFAULT_RATIOS,
    *,
    seed: int = 0,
    stratify: bool = True,
) -> dict[str, str]:
    """Map each file name to a split; `items` are (file name, class ids in that image)."""
    shares = _check_ratios(ratios)
    labels = {name: sorted(set(classes)) if stratify else [] for name, classes in items}
    names = sorted(labels)
    rng = random.Random(seed)
    rng.shuffle(names)  # a seeded order, so ties fall differently for different seeds
    splits = list(shares)
    wanted_total = {s: shares[s] * len(names) for s in splits}
    per_class: dict[str, list[str]] = defaultdict(list)
    for name in names:
        for class_id in labels[name]:
            per_class[class_id].append(name)
    wanted = {
        class_id: {s: shares[s] * len(members) for s in splits}
        for class_id, members in per_class.items()
    }
    result: dict[str, str] = {}
    remaining = {class_id: len(members) for class_id, members in per_class.items()}
    while remaining:
        rarest = min(remaining, key=lambda c: (remaining[c], c))
        for name in per_class.pop(rarest):
            if name in result:
                continue
            split = _pick(splits, wanted[rarest], wanted_total, rng)
            result[name] = split
            wanted_total[split] -= 1
            for class_id in labels[name]:
                wanted[class_id][split] -= 1
                if class_id in remaining:
                    remaining[class_id] -= 1
        remaining.pop(rarest)
        remaining = {c: n for c, n in remaining.items() if n > 0}
    for name in names:
        if name not in result:
            split = _pick(splits, wanted_total, wanted_total, rng)
            result[name] = split
            wanted_total[split] -= 1
    return result


def _pick(
    splits: list[str], wanted: dict[str, float], wanted_total: dict[str, float], rng: random.Random
) -> str:
    """The split wanting most of this class, then most images overall, then a seeded coin."""
    best = max(wanted[s] for s in splits)
    tied = [s for s in splits if wanted[s] == best]
    if len(tied) > 1:
        most = max(wanted_total[s] for s in tied)
        tied = [s for s in tied if wanted_total[s] == most]
    return tied[0] if len(tied) == 1 else rng.choice(tied)


def classes_of(images: Iterable[DatasetImage]) -> Iterator[tuple[str, list[str]]]:
    """(file name, class ids of its objects) for each image, the input of assign_splits."""
    for image in images:
        classes = {o.class_id for o in image.annotation.objects}
        yield image.file_name, sorted(classes)


def splits_from_tags(
    images: Iterable[DatasetImage], group_id: str = "split", default: str | None = None
) -> dict[str, str]:
    """Map each file name to the option chosen in its tag group `group_id` (else `default`)."""
    result = {}
    for image in images:
        chosen = image.annotation.tags.get(group_id) or []
        if len(chosen) > 1:
            raise ValueError(f"{image.file_name}: tag group {group_id!r} has several splits")
        split = chosen[0] if chosen else default
        if split is not None:
            result[image.file_name] = split
    return result


def with_splits(
    images: Iterable[DatasetImage], splits: Mapping[str, str]
) -> Iterator[DatasetImage]:
    """Yield each image with `split` filled in from `splits` (left as is when not listed)."""
    for image in images:
        split = splits.get(image.file_name)
        if split is not None:
            image.split = split
        yield image
