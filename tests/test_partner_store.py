"""A partner report reads only its partner's rows from the store split by partner, and sees the same view."""

from __future__ import annotations

import dataclasses
import io
import stat

import numpy as np
import pandas as pd
import pytest

from partner_analytics.params import load_params
from partner_analytics.render.context import build_context, open_context, save_context
from partner_analytics.render.partner_store import partner_context, store_path
from partner_analytics.render.partner_view import partner_view
from partner_analytics.render.pickling import dump


@pytest.fixture(scope="module")
def saved(sample_program, tmp_path_factory):
    context = build_context(sample_program, load_params())
    return context, save_context(context, tmp_path_factory.mktemp("build") / "render")


def _assert_same(left, right) -> None:
    for field in dataclasses.fields(left):
        a, b = getattr(left, field.name), getattr(right, field.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b, check_exact=True, obj=field.name)
        elif isinstance(a, pd.Series):
            pd.testing.assert_series_equal(a, b, check_exact=True, obj=field.name)
        elif isinstance(a, float) and np.isnan(a):
            assert np.isnan(b), field.name
        else:
            assert a == b, field.name


def test_every_partner_sees_the_same_view_from_its_own_rows_as_from_the_whole_context(saved):
    context, path = saved
    for partner_id in context.kpis["partner_id"].iloc[::3]:  # 50 partners of every type and tier
        mine = open_context(str(path), partner_id=partner_id)
        _assert_same(partner_view(mine, partner_id), partner_view(context, partner_id))


def test_a_partners_context_holds_no_other_partners_rows_or_names(saved):
    context, path = saved
    partner_id = context.kpis["partner_id"].iloc[7]
    mine = partner_context(store_path(path), partner_id)
    frames = [getattr(mine, f.name) for f in dataclasses.fields(mine)]
    frames += [getattr(mine.facts, f.name) for f in dataclasses.fields(mine.facts)]
    frames += [getattr(mine.peer_aggregates, f.name) for f in dataclasses.fields(mine.peer_aggregates)]
    frames = [f for f in frames if isinstance(f, pd.DataFrame)]
    assert all(set(f["partner_id"]) <= {partner_id} for f in frames if "partner_id" in f)
    assert not mine.program_insights.size and not mine.facts.deal_stats.size and mine.early_warning is None
    buffer = io.BytesIO()
    dump(mine, buffer)
    text = buffer.getvalue()
    names = context.kpis.set_index("partner_id")["partner_name"]
    own = names[partner_id]
    others = [p for p in names.index if p != partner_id and p not in own and partner_id not in p]
    assert own.encode() in text
    assert not [p for p in others if p.encode() in text or names[p].encode() in text and names[p] not in own]


def test_an_unknown_partner_gets_an_empty_context_and_the_view_says_so(saved):
    _, path = saved
    empty = partner_context(store_path(path), "no such partner")
    assert empty.kpis.empty and empty.facts.partner_periods.empty
    with pytest.raises(KeyError, match="not in the program"):
        partner_view(empty, "no such partner")


def test_the_store_is_private_and_replaced_with_the_context(tmp_path, tiny_program):
    context = build_context(tiny_program, load_params(), period="2024Q2")
    stale = dataclasses.replace(context, source="computed by an earlier version")
    path = save_context(stale, tmp_path / "build")
    store = store_path(path)
    assert stat.S_IMODE(store.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(f.stat().st_mode) == 0o600 for f in store.iterdir())
    assert partner_context(store, "P1").source == "computed by an earlier version"
    assert save_context(context, tmp_path / "build") == path
    assert partner_context(store, "P1").source == context.source
    assert {p.name for p in (tmp_path / "build").iterdir()} == {path.name, store.name}


def test_partners_read_in_any_order_get_exactly_their_rows_of_each_block(saved):
    """Blocks converted once and kept: back and forth between blocks, each partner gets the rows (and a fresh
    index) that converting its own slice of the Arrow block gives."""
    import pickle

    import pyarrow as pa

    from partner_analytics.render import partner_store

    context, path = saved
    store_folder = store_path(path)
    names = ("kpis", "facts.partner_periods", "facts.engagement", "peers.benchmarks")
    with open(store_folder / "shared.pkl", "rb") as handle:
        starts = pickle.load(handle)["starts"]
    readers = {name: pa.ipc.open_file(str(store_folder / f"{name}.arrow")) for name in names}
    ids = sorted(context.kpis["partner_id"])
    order = [ids[0], ids[-1], ids[1], ids[partner_store.BLOCK], ids[2], ids[-1], ids[0]]
    for partner_id in order:
        mine = partner_store._tables(partner_context(store_folder, partner_id))
        at = ids.index(partner_id)
        for name in names:
            first = starts[name][at - at % partner_store.BLOCK]
            expected = readers[name].get_batch(at // partner_store.BLOCK).slice(
                starts[name][at] - first, starts[name][at + 1] - starts[name][at]).to_pandas()
            pd.testing.assert_frame_equal(mine[name], expected, check_exact=True, obj=f"{partner_id} {name}")
            assert isinstance(mine[name].index, pd.RangeIndex) and mine[name].index.start == 0
