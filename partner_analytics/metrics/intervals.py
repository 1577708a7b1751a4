"""Confidence intervals for rates: the Wilson score interval of a share of successes.

:mod:`partner_analytics.metrics.deals` uses it for win rates (and re-exports it).
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np

__all__ = ["wilson_interval"]

def wilson_interval(successes, trials, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion, vectorised.

    ``center = (p + z²/2n) / (1 + z²/n)``,
    ``half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)``, with ``p = successes / n``
    and ``z`` the normal quantile of ``(1 + confidence) / 2``. Equal to
    ``scipy.stats.binomtest(k, n).proportion_ci(method="wilson")``.

    Parameters
    ----------
    successes
        Number of successes (scalar, list, array or Series).
    trials
        Number of trials, broadcast against ``successes``.
    confidence
        Confidence level in (0, 1).

    Returns
    -------
    tuple of arrays
        ``(low, high)`` as float arrays of the broadcast shape (0-d for
        scalars), fractions in [0, 1]; NaN where ``trials`` is 0 or an input
        is NaN.

    Raises
    ------
    ValueError
        If ``confidence`` is not in (0, 1), or successes are negative or
        exceed trials.

    Examples
    --------
    >>> low, high = wilson_interval([8, 0], [10, 0])
    >>> [round(float(v), 4) for v in (low[0], high[0])]
    [0.4902, 0.9433]
    >>> bool(np.isnan(low[1]))
    True
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    k, n = np.broadcast_arrays(np.asarray(successes, dtype=float), np.asarray(trials, dtype=float))
    if np.any((k < 0) | (k > n)):
        raise ValueError("successes must be between 0 and trials")
    z = NormalDist().inv_cdf((1 + confidence) / 2)  # the standard library's: no scipy import (about a second)
    n = np.where(n > 0, n, np.nan)  # no trials: NaN interval
    p = k / n
    denominator = 1 + z**2 / n
    center = (p + z**2 / (2 * n)) / denominator
    half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    return np.clip(center - half, 0, 1), np.clip(center + half, 0, 1)
