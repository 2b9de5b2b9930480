"""Krippendorff's alpha and Fleiss' kappa against published worked examples."""

import numpy as np
import pytest

from labelwright.quality.reliability import category_table, fleiss_kappa, krippendorff_alpha

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School
# for Communication, University of Pennsylvania, section C: four observers, twelve units,
# values 1-5 with missing data. Published results: nominal 0.743, interval 0.849.
n = np.nan
KRIPPENDORFF_2011 = np.array(
    [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
)

# Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters.
# Psychological Bulletin 76(5), 378-382, Table 1: 30 patients, each diagnosed by six
# psychiatrists into 1 depression, 2 personality disorder, 3 schizophrenia, 4 neurosis,
# 5 other. Published: kappa = 0.430; per category 0.245, 0.245, 0.520, 0.471, 0.566.
FLEISS_1971 = np.array(
    [
        [4, 4, 4, 4, 4, 4], [2, 2, 2, 5, 5, 5], [2, 3, 3, 3, 3, 5], [5, 5, 5, 5, 5, 5],
        [2, 2, 2, 4, 4, 4], [1, 1, 3, 3, 3, 3], [3, 3, 3, 3, 5, 5], [1, 1, 3, 3, 3, 4],
        [1, 1, 4, 4, 4, 4], [5, 5, 5, 5, 5, 5], [1, 4, 4, 4, 4, 4], [1, 2, 4, 4, 4, 4],
        [2, 2, 2, 3, 3, 3], [1, 4, 4, 4, 4, 4], [2, 2, 4, 4, 4, 5], [3, 3, 3, 3, 3, 5],
        [1, 1, 1, 4, 5, 5], [1, 1, 1, 1, 1, 2], [2, 2, 4, 4, 4, 4], [1, 3, 3, 5, 5, 5],
        [5, 5, 5, 5, 5, 5], [2, 4, 4, 4, 4, 4], [2, 2, 4, 5, 5, 5], [1, 1, 4, 4, 4, 4],
        [1, 4, 4, 4, 4, 5], [2, 2, 2, 2, 2, 4], [1, 1, 1, 1, 5, 5], [2, 2, 4, 4, 4, 4],
        [1, 3, 3, 3, 3, 3], [5, 5, 5, 5, 5, 5],
    ]
)  # fmt: skip

# The worked example of the Wikipedia article "Fleiss' kappa": ten subjects, fourteen
# raters, five categories; kappa = 0.210.
WIKIPEDIA_TABLE = np.array(
    [
        [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
        [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ]
)  # fmt: skip


def test_krippendorff_nominal():
    assert krippendorff_alpha(KRIPPENDORFF_2011, "nominal") == pytest.approx(0.743, abs=5e-4)


def test_krippendorff_interval():
    assert krippendorff_alpha(KRIPPENDORFF_2011, "interval") == pytest.approx(0.849, abs=5e-4)


def test_krippendorff_perfect_agreement_and_bad_input():
    assert krippendorff_alpha(np.array([[1, 2, 3], [1, 2, 3]])) == 1.0
    assert np.isnan(krippendorff_alpha(np.array([[1, 1], [1, 1]])))
    with pytest.raises(ValueError, match="no unit has values from two or more coders"):
        krippendorff_alpha(np.array([[1, n], [n, 2]]))
    with pytest.raises(ValueError, match="unknown level"):
        krippendorff_alpha(KRIPPENDORFF_2011, "ordinal")


def test_fleiss_1971_table_1():
    table = category_table(FLEISS_1971 - 1, 5)
    result = fleiss_kappa(table)
    assert result.kappa == pytest.approx(0.430, abs=5e-4)
    assert result.per_category == pytest.approx([0.245, 0.245, 0.520, 0.471, 0.566], abs=5e-4)


def test_fleiss_wikipedia_example():
    result = fleiss_kappa(WIKIPEDIA_TABLE)
    assert result.kappa == pytest.approx(0.210, abs=5e-4)
    assert result.observed == pytest.approx(0.378, abs=5e-4)
    assert result.expected == pytest.approx(0.213, abs=5e-4)


def test_fleiss_needs_equal_raters():
    with pytest.raises(ValueError, match="same number"):
        fleiss_kappa(np.array([[2, 1], [1, 1]]))
