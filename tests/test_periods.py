"""Periods, windows, coverage, sparse tails and the default period (partner_analytics.periods)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics import periods as P
from partner_analytics.cli import main
from partner_analytics.params import load_params
from partner_analytics.render.context import build_context
from partner_analytics.sample import generate_sample

import constructed


_frames = constructed.frames
_export = constructed.export


# ----------------------------------------------------------------------------------------------------------------
# Period arithmetic


@pytest.mark.parametrize(("freq", "expected"), [("Q", 4), ("M", 12)])
def test_periods_per_year_is_four_quarters_or_twelve_months(freq, expected):
    assert P.periods_per_year(freq) == expected


def test_an_unknown_period_length_is_an_error():
    with pytest.raises(ValueError, match="freq"):
        P.periods_per_year("W")


def test_a_trailing_window_holds_the_periods_ending_at_its_end():
    periods = pd.Series(pd.period_range("2024Q1", "2025Q4", freq="Q"))
    mask = P.in_trailing_window(periods, end=pd.Period("2025Q2", "Q"), n_periods=4)
    assert list(periods[mask].astype(str)) == ["2024Q3", "2024Q4", "2025Q1", "2025Q2"]


@pytest.mark.parametrize(("period", "as_of", "label", "complete"), [
    ("2017Q3", "2017-08-31", "2017Q3 to date: 62 of 92 days", False),
    ("2017Q3", "2017-09-30", "2017Q3", True),
    ("2017Q2", "2017-08-31", "2017Q2", True),
    ("2024-02", "2024-02-10", "2024-02 to date: 10 of 29 days", False),
])
def test_a_partial_period_is_labelled_with_the_days_it_covers(period, as_of, label, complete):
    p = pd.Period(period, freq="M" if "-" in period else "Q")
    assert P.period_label(p, pd.Timestamp(as_of)) == label
    assert P.is_complete(p, pd.Timestamp(as_of)) is complete


def test_like_for_like_dates_count_the_same_days_of_the_earlier_period():
    q3 = pd.Period("2017Q3", "Q")
    assert P.same_days_as_of(q3, pd.Timestamp("2017-08-31"), lag=1) == pd.Timestamp("2017-06-01")  # 62 days
    assert P.same_days_as_of(q3, pd.Timestamp("2017-08-31"), lag=4) == pd.Timestamp("2016-08-31")
    march = pd.Period("2024-03", "M")  # 31 days to date against a 29-day February: capped at its end
    assert P.same_days_as_of(march, pd.Timestamp("2024-03-31"), lag=1) == pd.Timestamp("2024-02-29")


# ----------------------------------------------------------------------------------------------------------------
# Sparse tails


def _steady(start="2020-01-01", end="2021-06-30", rows=10) -> pd.Series:
    return pd.Series(rows, index=pd.date_range(start, end))


def test_a_few_records_after_a_long_gap_are_a_sparse_tail():
    counts = pd.concat([_steady(), pd.Series([2, 2], index=pd.to_datetime(["2022-11-03", "2022-11-20"]))])
    tail = P.find_sparse_tail(counts)
    assert (tail.rows, tail.reason, tail.before, tail.first, tail.last) == (
        4, "gap", pd.Timestamp("2021-06-30"), pd.Timestamp("2022-11-03"), pd.Timestamp("2022-11-20"))
    assert tail.gap_days == 491
    assert "4 records" in tail.sentence() and "2022-11-03 to 2022-11-20" in tail.sentence()


def test_a_last_period_far_below_the_usual_volume_is_a_sparse_tail():
    counts = pd.concat([_steady(), pd.Series([1], index=pd.to_datetime(["2021-08-15"]))])
    tail = P.find_sparse_tail(counts)
    assert (tail.rows, tail.reason, tail.first) == (1, "low_volume", pd.Timestamp("2021-08-15"))


def test_a_busy_partial_period_and_a_paused_programme_are_not_tails():
    assert P.find_sparse_tail(_steady(end="2021-08-15")) is None
    paused = pd.concat([_steady(end="2020-06-30"), _steady(start="2021-01-01", end="2021-06-30")])
    assert P.find_sparse_tail(paused) is None


def test_validate_warns_about_a_stray_tail_naming_the_count_and_dates(tmp_path, capsys):
    program = _export(tail=["2027-05-03", "2027-05-04", "2027-06-01"])
    for name in ("partners", "deals", "targets", "engagement", "surveys", "mdf"):
        program.table(name).to_csv(tmp_path / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    assert main(["validate", str(tmp_path)]) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "3 records" in err and "2027-05-03 to 2027-06-01" in err
    assert "--as-of 2027-06-01" in err


# ----------------------------------------------------------------------------------------------------------------
# The default period and what the pages say about coverage


def test_a_stray_tail_does_not_set_the_default_period_and_the_note_says_so():
    program = _export(tail=["2027-05-03", "2027-05-04"])
    coverage = P.resolve_coverage(program)
    assert (str(coverage.period), coverage.as_of, coverage.complete) == ("2025Q4", pd.Timestamp("2025-12-31"), True)
    assert coverage.tail is not None and coverage.tail.rows == 2
    assert "Left out: 2 records" in coverage.note() and "2027-05-03 to 2027-05-04" in coverage.note()


def test_an_explicit_as_of_or_period_is_honoured_even_in_the_tail():
    program = _export(tail=["2027-05-03", "2027-05-04"])
    by_date = P.resolve_coverage(program, as_of="2027-05-04")
    assert (str(by_date.period), by_date.chosen, by_date.complete) == ("2027Q2", "as_of", False)
    assert "Left out" not in by_date.note()
    by_period = P.resolve_coverage(program, period="2024Q3")
    assert (str(by_period.period), by_period.as_of) == ("2024Q3", pd.Timestamp("2024-09-30"))


def test_a_partial_last_period_is_skipped_by_default_and_labelled_when_asked_for():
    program = _export(end="2025-11-20")
    coverage = P.resolve_coverage(program)
    assert (str(coverage.period), coverage.as_of) == ("2025Q3", pd.Timestamp("2025-09-30"))
    assert "stops part-way through 2025Q4" in coverage.note()
    partial = P.resolve_coverage(program, period="2025Q4")
    assert partial.label == "2025Q4 to date: 51 of 92 days"
    assert partial.versus() == "vs the same 51 days of 2025Q3"
    assert "comparisons use the same 51 days" in partial.note()


def test_data_ending_on_a_weekend_still_completes_its_period():
    program = _export(end="2025-12-29")
    assert str(P.resolve_coverage(program).period) == "2025Q4"


def test_coverage_lists_the_first_and_last_date_of_every_table():
    table = P.data_coverage(_export()).set_index("table")
    assert list(table.index) == ["partners", "deals", "targets", "engagement", "surveys", "mdf"]
    assert table.loc["deals", "first"] <= table.loc["deals", "last"] == pd.Timestamp("2025-12-31")
    assert table.loc["deals", "rows"] == len(_frames()["deals"])


def test_monthly_coverage_of_forty_eight_periods_names_the_latest_complete_month():
    coverage = P.resolve_coverage(_export(end="2025-11-20"), freq="M")
    assert str(coverage.period) == "2025-10" and coverage.complete


# ----------------------------------------------------------------------------------------------------------------
# Like-for-like comparisons in the report context


def test_a_partial_period_is_compared_with_the_same_days_of_earlier_periods():
    program = _export(end="2025-11-20")
    context = build_context(program, load_params(), period="2025Q4")
    cut = pa.rollup(program, as_of="2025-08-20")  # the same 51 days of 2025Q3
    prior = cut.partner_periods[cut.partner_periods["period"] == pd.Period("2025Q3", "Q")]
    tiles = context.program_tiles.set_index("kpi")
    assert tiles.loc["revenue", "prior"] == pytest.approx(prior["revenue"].sum())
    year_ago = pa.rollup(program, as_of="2024-11-20").partner_periods
    base = year_ago[year_ago["period"] == pd.Period("2024Q4", "Q")].set_index("partner_id")["revenue"]
    kpis = context.kpis.set_index("partner_id")
    growth = kpis["revenue"] / base.reindex(kpis.index).where(lambda b: b != 0) - 1
    pd.testing.assert_series_equal(kpis["revenue_growth_yoy"], growth, check_names=False)
    titles = " ".join(context.program_insights["title"]) + " ".join(context.partner_insights["title"])
    assert not re.search(r"(?<!days of) the same period last year", titles)  # never partial against full


def test_the_metrics_command_compares_a_partial_period_like_for_like(tmp_path, capsys):
    import io

    program = _export(end="2025-11-20")
    for name in ("partners", "deals", "targets", "engagement", "surveys", "mdf"):
        program.table(name).to_csv(tmp_path / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    assert main(["metrics", str(tmp_path), "--period", "2025Q4"]) == 0
    out = capsys.readouterr()
    assert "2025Q4 to date: 51 of 92 days" in out.err
    table = pd.read_csv(io.StringIO(out.out), dtype={"partner_id": str}).set_index("partner_id")
    for as_of, period, column in (("2025-08-20", "2025Q3", "revenue_growth_qoq"),
                                  ("2024-11-20", "2024Q4", "revenue_growth_yoy")):
        earlier = pa.rollup(program, as_of=as_of).partner_periods  # the same 51 days of the earlier quarter
        base = earlier[earlier["period"] == pd.Period(period, "Q")].set_index("partner_id")["revenue"]
        growth = table["revenue"] / base.reindex(table.index).where(lambda b: b != 0) - 1
        assert growth.notna().sum() > 10
        pd.testing.assert_series_equal(table[column], growth, check_names=False, rtol=1e-9)


def test_a_complete_period_keeps_its_plain_comparisons():
    program = _export()
    context = build_context(program, load_params())
    facts = context.facts
    prior = facts.partner_periods[facts.partner_periods["period"] == pd.Period("2025Q3", "Q")]
    assert context.program_tiles.set_index("kpi").loc["revenue", "prior"] == pytest.approx(prior["revenue"].sum())
    assert context.coverage.versus() == "vs prior period"


def test_a_comparison_before_the_data_is_withheld():
    context = build_context(_export(), load_params(), period="2022Q1")
    assert context.prior_kpis.empty and context.year_ago_kpis.empty
    assert context.program_tiles["change"].isna().all()


@pytest.mark.slow
def test_three_thousand_partners_over_forty_eight_months_build_a_context_and_views():
    from partner_analytics.render.overview_view import overview_view
    from partner_analytics.render.partner_view import partner_view

    program = pa.build_program(generate_sample(n_partners=3000), source="big")
    params = load_params()
    params = params.__class__(**{**params.__dict__, "reporting": params.reporting.__class__(freq="M")})
    context = build_context(program, params)
    assert len(context.facts.periods) == 48 and str(context.period) == "2025-12"
    view = overview_view(context)
    assert view.concentration_trend["period"].max() == context.period
    assert len(context.kpis) == 3000
    partner = partner_view(context, context.kpis["partner_id"].iloc[0])
    assert partner.comparable and partner.benchmarks["percentile"].dropna().between(0, 1).all()


def test_coverage_on_an_engine_equals_coverage_in_memory(tiny_dir):
    from partner_analytics.io import open_source

    with open_source(tiny_dir, engine="duckdb") as on_engine, open_source(tiny_dir) as in_memory:
        pd.testing.assert_frame_equal(P.data_coverage(on_engine), P.data_coverage(in_memory))
        pd.testing.assert_series_equal(P.activity_by_day(on_engine), P.activity_by_day(in_memory))
        assert P.resolve_coverage(on_engine) == P.resolve_coverage(in_memory)


def test_validate_looks_for_a_low_volume_tail_at_the_reporting_grain(tmp_path, capsys):
    # November runs as usual to the 20th, then December holds two stray deals: a tail among months, not quarters
    program = _export(end="2025-11-20", tail=["2025-12-01", "2025-12-20"])
    for name in ("partners", "deals", "targets", "engagement", "surveys", "mdf"):
        program.table(name).to_csv(tmp_path / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    monthly = tmp_path / "monthly.yml"
    packaged = Path(pa.__file__).parent / "data" / "params" / "program.yml"
    monthly.write_text(packaged.read_text(encoding="utf-8").replace("freq: Q ", "freq: M ", 1), encoding="utf-8")
    assert main(["validate", str(tmp_path)]) == 0
    assert "far below the usual volume" not in capsys.readouterr().err
    assert main(["validate", str(tmp_path), "--params", str(monthly)]) == 0
    err = capsys.readouterr().err
    assert "2 records" in err and "from 2025-12-01 to 2025-12-20" in err and "far below the usual volume" in err
