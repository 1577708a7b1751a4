"""The embedded sample partner program: generate it, write it as CSV, find the shipped files.

The sample is a synthetic but realistic channel programme (150 partners, four
years of deals, targets, engagement, surveys and MDF; see
:mod:`partner_analytics.sample_generator` for the model and
:mod:`partner_analytics.sample_vocabulary` for its names and labels). The
shipped CSV files in :func:`sample_dir` are ``write_sample(sample_dir())``; a
test checks that regenerating them reproduces them byte for byte.
"""

from __future__ import annotations

import importlib.resources
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .sample_generator import SAMPLE_AS_OF, SAMPLE_SEED, SAMPLE_START, generate_sample

__all__ = ["SAMPLE_SEED", "SAMPLE_START", "SAMPLE_AS_OF", "generate_sample", "write_sample", "sample_dir"]

_MONEY = frozenset({"amount", "amount_approved", "amount_claimed", "attributed_revenue"})


def write_sample(outdir: str | Path, *, seed: int = SAMPLE_SEED, n_partners: int = 150) -> list[Path]:
    """Generate a sample program and write it as one CSV file per table.

    Parameters
    ----------
    outdir
        Folder to write ``partners.csv``, ``deals.csv``, ... into; created if
        missing. Existing files of the same names are replaced atomically.
    seed, n_partners
        As for :func:`generate_sample`.

    Returns
    -------
    list of Path
        The files written, in table order.

    Notes
    -----
    The output is byte-for-byte deterministic: UTF-8, ``\\n`` line endings,
    dates ``YYYY-MM-DD``, money with 2 decimals, whole numbers without
    decimals, booleans ``true``/``false``, missing values blank.
    """
    folder = Path(outdir)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, frame in generate_sample(seed=seed, n_partners=n_partners).items():
        path = folder / f"{name}.csv"
        _to_csv(frame, path)
        paths.append(path)
    return paths


def sample_dir() -> Path:
    """Folder holding the shipped sample CSV files.

    Returns
    -------
    Path
        ``partner_analytics/data/sample`` inside the installed package.

    Examples
    --------
    >>> sorted(p.name for p in sample_dir().glob("*.csv"))
    ['deals.csv', 'engagement.csv', 'mdf.csv', 'partners.csv', 'surveys.csv', 'targets.csv']
    """
    return Path(str(importlib.resources.files("partner_analytics") / "data" / "sample"))


def _text(series: pd.Series) -> pd.Series:
    """The CSV text of one column (see :func:`write_sample` for the format)."""
    missing = series.isna().to_numpy()
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        text = np.datetime_as_string(series.to_numpy().astype("datetime64[D]"), unit="D").astype(object)
    elif pd.api.types.is_bool_dtype(series.dtype):
        text = np.where(series.fillna(False).to_numpy(dtype=bool), "true", "false").astype(object)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        values = np.round(series.to_numpy(dtype=float, na_value=np.nan), 2) + 0.0  # + 0.0 drops -0.0
        whole = series.name not in _MONEY and bool(np.all(values[~missing] == np.floor(values[~missing])))
        pattern = "{:.0f}" if whole else "{:.2f}"
        text = np.array([pattern.format(v) for v in values], dtype=object)
    else:
        text = np.array(series.astype(object), dtype=object)
    text[missing] = ""
    return pd.Series(text, index=series.index, dtype=object)


def _to_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` as deterministic UTF-8 CSV, atomically (temp file, then ``os.replace``)."""
    text = pd.DataFrame({name: _text(frame[name]) for name in frame.columns})
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as handle:
            text.to_csv(handle, index=False, lineterminator="\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
