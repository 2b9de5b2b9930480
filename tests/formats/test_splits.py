"""Splits: deterministic for a seed, independent of input order, stratified by class."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from labelwright.domain.shapes import Annotation
from labelwright.formats.dataset import DatasetImage
from labelwright.formats.splits import (
    assign_splits,
    classes_of,
    splits_from_tags,
    with_splits,
)


def sample_items(count: int = 600, seed: int = 1) -> list[tuple[str, list[str]]]:
    """Images with a common class, a medium one, a rare one and some with none."""
    rng = random.Random(seed)
    items = []
    for n in range(count):
        classes = []
        if rng.random() < 0.7:
            classes.append("common")
        if rng.random() < 0.2:
            classes.append("medium")
        if rng.random() < 0.03:
            classes.append("rare")
        items.append((f"img_{n:04d}.jpg", classes))
    return items


def test_same_seed_same_splits_whatever_the_order() -> None:
    items = sample_items()
    shuffled = items[::-1]
    assert assign_splits(items, seed=3) == assign_splits(shuffled, seed=3)
    assert assign_splits(items, seed=3) != assign_splits(items, seed=4)


def test_ratios_are_met_overall() -> None:
    counts = Counter(
        assign_splits(sample_items(), {"train": 0.7, "val": 0.2, "test": 0.1}).values()
    )
    assert counts["train"] == pytest.approx(420, abs=3)
    assert counts["val"] == pytest.approx(120, abs=3)
    assert counts["test"] == pytest.approx(60, abs=3)


def test_every_class_is_spread_by_the_ratios() -> None:
    items = sample_items()
    splits = assign_splits(items, {"train": 0.8, "val": 0.1, "test": 0.1}, seed=7)
    for class_id in ("common", "medium", "rare"):
        members = [name for name, classes in items if class_id in classes]
        counts = Counter(splits[name] for name in members)
        for split, share in (("train", 0.8), ("val", 0.1), ("test", 0.1)):
            assert counts[split] == pytest.approx(share * len(members), abs=2), class_id


def test_unstratified_still_deterministic() -> None:
    items = sample_items(100)
    assert assign_splits(items, stratify=False, seed=1) == assign_splits(
        items, stratify=False, seed=1
    )


@settings(max_examples=30, deadline=None)
@given(
    labels=st.lists(st.lists(st.sampled_from("abcd"), max_size=3), min_size=1, max_size=40),
    seed=st.integers(0, 5),
)
def test_every_image_gets_one_known_split(labels, seed) -> None:
    items = [(f"{n}.jpg", classes) for n, classes in enumerate(labels)]
    splits = assign_splits(items, seed=seed)
    assert set(splits) == {name for name, _ in items}
    assert set(splits.values()) <= {"train", "val", "test"}


def test_bad_ratios_are_refused() -> None:
    with pytest.raises(ValueError, match="ratios"):
        assign_splits([("a", [])], {"train": -1})


def test_splits_from_tags_and_filling_a_stream() -> None:
    images = [
        DatasetImage("a.jpg", 5, 5, annotation=Annotation(tags={"split": ["val"]})),
        DatasetImage("b.jpg", 5, 5),
    ]
    splits = splits_from_tags(images, default="train")
    assert splits == {"a.jpg": "val", "b.jpg": "train"}
    assert [i.split for i in with_splits(iter(images), splits)] == ["val", "train"]
    assert list(classes_of(images)) == [("a.jpg", []), ("b.jpg", [])]
