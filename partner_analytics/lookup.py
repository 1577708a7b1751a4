"""Positions of values among unique labels: how frames keyed by text ids are aligned without per-row lookups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc
from pandas.arrays import ArrowStringArray

__all__ = ["positions_in"]


def positions_in(values: pd.Series | pd.api.extensions.ExtensionArray, labels: pd.Index) -> np.ndarray:
    """Position in ``labels`` (unique) of each of ``values``; −1 for a missing value or one not in ``labels``.

    Examples
    --------
    >>> positions_in(pd.Series(["b", "z", None, "a"]), pd.Index(["a", "b"])).tolist()
    [1, -1, -1, 0]
    """
    values = values.array if isinstance(values, pd.Series) else values
    if isinstance(values, ArrowStringArray) and isinstance(labels.array, ArrowStringArray):
        value_set = labels.array.__arrow_array__().combine_chunks()  # arrow hashes the strings natively
        found = pc.index_in(values.__arrow_array__(), value_set=value_set).fill_null(-1)
        return found.to_numpy().astype(np.intp)
    codes, uniques = pd.factorize(values)
    return np.append(labels.get_indexer(uniques), -1)[codes]
