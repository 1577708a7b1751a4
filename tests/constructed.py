"""Exports built from the sample the way real ones go wrong: cut part-way through a period, a stray tail, ..."""

from __future__ import annotations

import functools

import pandas as pd

import partner_analytics as pa
from partner_analytics.sample import generate_sample


@functools.lru_cache(maxsize=1)
def frames() -> dict[str, pd.DataFrame]:
    return generate_sample(n_partners=30)


def export(*, end: str | None = None, tail: list[str] = (), drop: tuple[str, ...] = ()) -> pa.Program:
    """The 30-partner sample cut at ``end`` (every table), plus won deals dated ``tail``, minus tables ``drop``."""
    tables = {name: frame.copy() for name, frame in frames().items() if name not in drop}
    if end is not None:
        end = pd.Timestamp(end)
        deals = tables["deals"]
        deals = deals[deals["created_on"] <= end].copy()
        reopened = deals["closed_on"] > end
        deals.loc[reopened, ["closed_on"]] = pd.NaT
        deals.loc[reopened, "stage"] = "open"
        tables["deals"] = deals
        for name, column in (("engagement", "occurred_on"), ("surveys", "responded_on"), ("mdf", "approved_on")):
            if name in tables:
                tables[name] = tables[name][tables[name][column] <= end]
    if tail:
        deals = tables["deals"]
        stray = deals[deals["stage"] == "won"].head(len(tail)).copy()
        stray["deal_id"] = [f"STRAY{i}" for i in range(len(tail))]
        stray["created_on"] = stray["closed_on"] = pd.to_datetime(list(tail))
        tables["deals"] = pd.concat([deals, stray], ignore_index=True)
    return pa.build_program(tables, source="constructed")
