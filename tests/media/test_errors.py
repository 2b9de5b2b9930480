"""RejectedFile."""

from __future__ import annotations

import pickle

from labelwright.media.errors import RejectedFile


def test_str_names_file_and_problem():
    err = RejectedFile("cat.jpg", "truncated", "cat.jpg is truncated")
    assert (err.name, err.reason, err.detail) == ("cat.jpg", "truncated", "cat.jpg is truncated")
    assert str(err) == "cat.jpg: cat.jpg is truncated"


def test_survives_pickling_across_processes():
    err = pickle.loads(pickle.dumps(RejectedFile("a.png", "corrupt", "bad")))
    assert (err.name, err.reason, err.detail) == ("a.png", "corrupt", "bad")
