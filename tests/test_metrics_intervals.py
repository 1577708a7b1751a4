"""The Wilson score interval: hand-computed values, scipy's binomtest, edges and refusals."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from partner_analytics.metrics.intervals import wilson_interval


def test_the_interval_matches_the_formula_by_hand():
    z = 1.959963984540054  # normal quantile of 0.975
    n, p = 10, 0.8
    centre = (p + z**2 / (2 * n)) / (1 + z**2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
    low, high = wilson_interval(8, 10)
    assert (float(low), float(high)) == pytest.approx((centre - half, centre + half), abs=1e-12)
    assert (round(float(low), 4), round(float(high), 4)) == (0.4902, 0.9433)


@pytest.mark.parametrize(("k", "n", "confidence"), [(0, 5, 0.95), (3, 7, 0.9), (20, 20, 0.99), (1, 1000, 0.8)])
def test_the_interval_equals_scipy_binomtest(k, n, confidence):
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    low, high = wilson_interval(k, n, confidence=confidence)
    assert (float(low), float(high)) == pytest.approx((expected.low, expected.high), abs=1e-12)


def test_arrays_broadcast_and_no_trials_or_missing_input_is_nan():
    low, high = wilson_interval([0, 5, np.nan], [0, 5, 4])
    assert low.shape == high.shape == (3,)
    assert np.isnan(low[0]) and np.isnan(high[0]) and np.isnan(low[2])
    assert high[1] == 1.0 and 0 < low[1] < 1
    low, high = wilson_interval(np.array([1, 2]), 4)
    assert (low < high).all()


@pytest.mark.parametrize(("k", "n", "confidence", "message"), [
    (1, 2, 1.0, "confidence must be between 0 and 1, got 1.0"),
    (3, 2, 0.95, "successes must be between 0 and trials"),
    (-1, 2, 0.95, "successes must be between 0 and trials"),
])
def test_impossible_input_is_refused(k, n, confidence, message):
    with pytest.raises(ValueError, match=message):
        wilson_interval(k, n, confidence=confidence)
