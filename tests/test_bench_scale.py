"""The scale benchmark (benchmarks/scale.py, benchmarks/scale_data.py) on a tiny program.

The generator must write a valid program of exactly the requested size, and
the naive pandas baseline (benchmarks/naive_rollup.py) must compute the same
Rollup as the engine path, every frame of it, or the benchmark's ratio
compares different work.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import partner_analytics as pa
from partner_analytics.engine import open_program
from partner_analytics.rollup import DEAL_KPIS, Rollup
from partner_analytics.schema import TABLES

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"
N_PARTNERS, N_DEALS = 200, 20_000


@pytest.fixture(scope="module")
def bench():
    """``benchmarks/scale.py`` and ``benchmarks/scale_data.py``, imported from their folder."""
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("scale"), importlib.import_module("scale_data")
    finally:
        sys.path.remove(str(BENCHMARKS))


@pytest.fixture(scope="module")
def naive(bench):
    """``benchmarks/naive_rollup.py`` (imported by ``scale``)."""
    return importlib.import_module("naive_rollup")


@pytest.fixture(scope="module")
def generated(bench, tmp_path_factory):
    """A tiny generated program, written in several chunks."""
    _, data = bench
    path = tmp_path_factory.mktemp("scale")
    rows = data.generate_program(path, n_partners=N_PARTNERS, n_deals=N_DEALS, chunk=7_000)
    return path, rows


@pytest.fixture(scope="module")
def folder(generated):
    return generated[0]


def test_generated_program_passes_pandas_validation_with_the_requested_sizes(generated):
    folder, written = generated
    program = pa.load_program(folder)
    rows = dict(zip(program.summary()["table"], program.summary()["rows"]))
    assert rows["partners"] == N_PARTNERS
    assert rows["deals"] == N_DEALS
    assert rows == written
    assert all(rows[name] > 0 for name in TABLES)


def test_generated_files_have_exactly_the_schema_columns_and_parquet_dates(folder):
    for name, table in TABLES.items():
        schema = pq.read_schema(folder / f"{name}.parquet")
        assert schema.names == table.column_names
        for column in table.columns:
            if column.kind == "date":
                assert str(schema.field(column.name).type) == "date32[day]", (name, column.name)


def test_generated_deals_are_plausible_and_consistent(folder, bench):
    _, data = bench
    deals = pa.load_program(folder).deals
    direct = deals["attribution"] == "direct"
    assert (direct == deals["partner_id"].isna()).all()
    assert (deals["closed_on"].isna() == (deals["stage"] == "open")).all()
    assert (deals["amount"] >= 0).all()
    assert deals["created_on"].min() >= pd.Timestamp(data.START)
    assert deals[["created_on", "closed_on"]].max().max() <= pd.Timestamp(data.AS_OF)
    shares = deals["stage"].value_counts(normalize=True)
    assert 0.25 < shares["won"] < 0.45 and 0.45 < shares["lost"] < 0.7 and shares["open"] < 0.15
    assert 0.28 < direct.mean() < 0.34
    assert deals["deal_id"].is_unique


def test_the_same_seed_and_sizes_give_the_same_files(bench, folder, tmp_path):
    _, data = bench
    data.generate_program(tmp_path, n_partners=N_PARTNERS, n_deals=N_DEALS, chunk=7_000)
    for name in TABLES:
        assert pq.read_table(tmp_path / f"{name}.parquet").equals(pq.read_table(folder / f"{name}.parquet")), name


def test_program_folder_generates_once_then_reuses_the_cache(bench, tmp_path):
    _, data = bench
    path, seconds = data.program_folder(20, 500, build=tmp_path)
    assert path == tmp_path / "scale" / "20_500" and seconds > 0
    manifest = json.loads((path / "program.json").read_text())
    assert manifest["rows"]["deals"] == 500 and manifest["generator"] == data.GENERATOR
    assert data.program_folder(20, 500, build=tmp_path) == (path, 0.0)
    assert [p.name for p in (tmp_path / "scale").iterdir()] == ["20_500"]  # no partial folder left behind


def test_program_folder_regenerates_a_cache_from_another_generator_version(bench, tmp_path):
    _, data = bench
    path, _ = data.program_folder(20, 500, build=tmp_path)
    manifest = json.loads((path / "program.json").read_text())
    (path / "program.json").write_text(json.dumps({**manifest, "generator": data.GENERATOR - 1}))
    again, seconds = data.program_folder(20, 500, build=tmp_path)
    assert again == path and seconds > 0
    assert json.loads((path / "program.json").read_text())["generator"] == data.GENERATOR


ROW_KEYS = {
    "partners": ["partner_id"],
    "partner_periods": ["partner_id", "period"],
    "channel_periods": ["period", "attribution"],
    "partner_channel_periods": ["partner_id", "period", "attribution"],
    "partner_deal_stats": ["partner_id", "period"],
    "deal_stats": ["periods", "period", "by", "group"],
    "engagement": ["partner_id", "period", "activity"],
    "surveys": ["partner_id", "period", "survey"],
    "comments": None,  # every column
    "mdf": ["partner_id", "period"],
    "target_actuals": ["partner_id", "kpi", "period_start"],
}
"""Each ``Rollup`` frame and the columns that order its rows (row order is not part of the contract)."""


def test_every_rollup_frame_is_compared():
    frames = [f.name for f in dataclasses.fields(Rollup) if f.type in ("pd.DataFrame", pd.DataFrame)]
    assert sorted(frames) == sorted(ROW_KEYS)


@pytest.mark.parametrize(("as_of", "freq"), [(None, "Q"), ("2024-05-15", "Q"), ("2024-05-15", "M")])
def test_the_naive_pandas_rollup_equals_the_engine_rollup_frame_by_frame(bench, naive, folder, as_of, freq):
    # default as-of: the latest event date, the benchmark's as-of; at an earlier one, deals closed after
    # it count as open, events after it not at all, and the 2025 targets lie ahead (actual 0)
    scale, _ = bench
    with open_program(folder, engine="duckdb") as program:
        engine = pa.rollup(program, freq=freq, as_of=as_of)
    facts = naive.naive_rollup(scale.read_tables(folder), freq=freq, as_of=as_of)
    assert (facts.freq, facts.as_of, facts.available) == (engine.freq, engine.as_of, engine.available)
    assert engine.as_of == pd.Timestamp(as_of or scale.AS_OF)
    pd.testing.assert_index_equal(facts.periods, engine.periods)
    assert len(engine.partner_periods) == N_PARTNERS * len(engine.periods)
    for name, keys in ROW_KEYS.items():
        expected, got = getattr(engine, name), getattr(facts, name)
        assert len(expected) > 0, name
        keys = keys or list(expected.columns)
        pd.testing.assert_frame_equal(got.sort_values(keys, ignore_index=True),
                                      expected.sort_values(keys, ignore_index=True),
                                      check_exact=False, rtol=1e-9, obj=name)


def test_the_naive_rollup_measures_every_deal_kpi_the_engine_knows(naive):
    assert sorted(naive._DEAL_FILTERS) == sorted(DEAL_KPIS)


def test_both_timers_report_each_step_and_a_peak_memory(bench, folder):
    scale, _ = bench
    engine = scale.time_engine(folder, threads=1, memory_limit="1GB")
    naive = scale.time_naive(folder)
    assert list(engine["seconds"]) == ["open + validate", "rollup", "partner KPIs", "scorecard + tiers", "insights"]
    assert list(naive["seconds"]) == ["read Parquet", "rollup"]
    assert engine["partner_periods"] == naive["partner_periods"]
    for result in (engine, naive):
        assert all(np.isfinite(s) and s >= 0 for s in result["seconds"].values())
        assert 0.01 < result["peak_gib"] < 64


def test_run_scale_times_each_approach_in_its_own_process_and_prints_ratios(bench, tmp_path, capsys):
    scale, _ = bench
    results = scale.run_scale(n_partners=30, n_deals=1_000, threads=1, build=tmp_path)
    out = capsys.readouterr().out
    assert set(results) == {"engine", "naive"}
    assert "30 partners, 1,000 deals" in out and "(generated in" in out
    assert "overall, naive / engine" in out and "peak memory, naive / engine" in out


def test_rows_reaching_pandas_grow_with_partners_and_periods_not_deals(bench, tmp_path):
    scale, data = bench
    fetched = {}
    for n_deals in (2_000, 20_000):
        folder, _ = data.program_folder(40, n_deals, build=tmp_path)
        with open_program(folder, engine="duckdb") as program:
            totals = scale._count_fetches(program.engine)
            facts = pa.rollup(program)
        grid = len(facts.partner_periods)
        assert len(facts.partner_channel_periods) <= 2 * grid and len(facts.partner_deal_stats) <= grid
        groups = 1 + 2 + 3 + facts.partners["partner_type"].nunique()
        assert len(facts.deal_stats) <= groups * len(facts.periods) * len(facts.windows)
        fetched[n_deals] = totals["rows"]
    assert fetched[20_000] < 2 * fetched[2_000]  # ten times the deals, far less than twice the rows


def test_several_sizes_print_the_scale_curve(bench, tmp_path, capsys, monkeypatch):
    scale, _ = bench
    monkeypatch.setattr(scale, "run_scale", lambda **kw: {"engine": {
        "seconds": {"rollup": kw["n_deals"] / 1000}, "peak_gib": 0.5, "rollup_fetch": {"rows": 7}},
        "spark": kw["spark"], "naive": not kw["skip_naive"]})
    args = scale.argparse.Namespace(threads=None, memory_limit=None, skip_naive=False, naive_max_deals=2_000,
                                    spark_max_deals=1_000)
    results = scale.run_sizes(args, n_partners=10, sizes=[1_000, 4_000])
    assert [(r["spark"], r["naive"]) for r in results.values()] == [(True, True), (False, False)]
    out = capsys.readouterr().out
    assert "Scale curve" in out and "4,000" in out and "4.0" in out
