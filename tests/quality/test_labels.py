import numpy as np
import pytest

from labelwright.domain.shapes import Annotation
from labelwright.quality.consensus import cluster_objects
from labelwright.quality.labels import attribute_labels, attribute_values, tag_consensus, tag_labels
from labelwright.quality.reliability import krippendorff_alpha

from .helpers import box

OPTIONS = ("sun", "rain")


def tags(option):
    return Annotation(tags={"weather": [option]} if option else {})


def test_tag_labels_keep_one_column_per_person():
    items = [{"ann": tags("sun"), "bob": tags("rain")}, {"bob": tags("sun"), "cat": tags(None)}]
    matrix = tag_labels(items, "weather", OPTIONS)
    assert matrix.annotators == ("ann", "bob", "cat")
    assert matrix.labels.tolist() == [[0, 1, -1], [-1, 0, -1]]
    data = matrix.reliability_data()
    assert data.shape == (3, 2) and np.isnan(data[2]).all()


def test_tag_labels_refuse_several_or_unknown_options():
    with pytest.raises(ValueError, match="item 0: annotator 'ann' chose 2 options"):
        tag_labels([{"ann": Annotation(tags={"weather": ["sun", "rain"]})}], "weather", OPTIONS)
    with pytest.raises(ValueError, match="unknown option 'snow'"):
        tag_labels([{"ann": tags("snow")}], "weather", OPTIONS)


def test_tag_consensus_runs_dawid_skene():
    items = [{"a": tags(o), "b": tags(o), "c": tags("rain")} for o in ["sun", "rain"] * 5]
    _, result = tag_consensus(items, "weather", OPTIONS)
    assert result.labels.tolist() == [0, 1] * 5
    assert result.confusion.shape == (3, 2, 2)


def test_attributes_of_matched_objects():
    annotations = [
        Annotation(objects=[box(0, 0, 10, 10, attributes={"doors": 4, "colour": "red"})]),
        Annotation(objects=[box(0, 0, 10, 10, attributes={"doors": 4, "colour": "blue"})]),
        Annotation(objects=[box(0, 0, 10, 10, attributes={"doors": 2})]),
        Annotation(objects=[box(50, 50, 10, 10, attributes={"doors": 5})]),
    ]
    clusters = cluster_objects(annotations)
    values = attribute_values(clusters, "doors", 4)
    assert values.shape == (4, 2)
    assert np.isnan(values[3, 0]) and values[3, 1] == 5
    assert krippendorff_alpha(values, "interval") < 1
    labels = attribute_labels(clusters, "colour", ["red", "blue"], 4)
    assert labels.tolist() == [[0, 1, -1, -1], [-1, -1, -1, -1]]
    with pytest.raises(ValueError, match="'colour' = 'red' is no option"):
        attribute_labels(clusters, "colour", ["blue"], 4)
