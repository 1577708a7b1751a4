"""MDF metrics, checked against hand-computed values.

The tiny program has one fund: P1 (reseller), approved 2024-02-01 (2024Q1),
approved 1000, claimed 800, attributed revenue 3000. So P1's utilisation is
800 / 1000 = 0.8 and its ROI (3000 − 800) / 800 = 2.75. P2 (referral) and P3
(technology) have no funds.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import partner_analytics as pa
from partner_analytics.metrics.mdf import mdf_roi_ranking, mdf_summary, partner_mdf_kpis

NAN = float("nan")
AMOUNTS = ["funds", "approved", "claimed", "unclaimed", "attributed_revenue", "utilisation", "roi"]


@pytest.fixture
def facts(tiny_program) -> pa.Rollup:
    return pa.rollup(tiny_program, as_of="2024-06-30")


def with_mdf(facts: pa.Rollup, rows: list[tuple]) -> pa.Rollup:
    """Tiny facts with hand-built MDF facts: rows of (partner_id, period, approved, claimed, attributed)."""
    frame = pd.DataFrame(rows, columns=["partner_id", "period", "amount_approved", "amount_claimed",
                                        "attributed_revenue"])
    frame = frame.assign(
        partner_id=frame["partner_id"].astype("str"),
        period=pd.PeriodIndex(frame["period"], freq="Q"),
        funds=1.0,
    ).astype({"amount_approved": "float64", "amount_claimed": "float64", "attributed_revenue": "float64"})
    return dataclasses.replace(facts, mdf=frame)


def ids(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype="str")


def test_partner_mdf_kpis_match_the_hand_computed_values(facts):
    expected = pd.DataFrame({
        "partner_id": ids("P1", "P2", "P3"),
        "mdf_utilisation": [0.8, NAN, NAN],
        "mdf_roi": [2.75, NAN, NAN],
    })
    assert_frame_equal(partner_mdf_kpis(facts), expected)


def test_mdf_summary_per_partner_has_true_zeros_for_partners_without_funds(facts):
    expected = pd.DataFrame({
        "partner_id": ids("P1", "P2", "P3"),
        "partner_type": ids("reseller", "referral", "technology"),
        "funds": [1.0, 0.0, 0.0],
        "approved": [1000.0, 0.0, 0.0],
        "claimed": [800.0, 0.0, 0.0],
        "unclaimed": [200.0, 0.0, 0.0],
        "attributed_revenue": [3000.0, 0.0, 0.0],
        "utilisation": [0.8, NAN, NAN],
        "roi": [2.75, NAN, NAN],
    })
    assert_frame_equal(mdf_summary(facts), expected)


def test_mdf_summary_per_partner_type_and_in_total(facts):
    by_type = mdf_summary(facts, by="partner_type")
    assert by_type["partner_type"].tolist() == ["referral", "reseller", "technology"]
    assert by_type.loc[1, AMOUNTS].tolist() == [1.0, 1000.0, 800.0, 200.0, 3000.0, 0.8, 2.75]
    total = mdf_summary(facts, by=None)
    assert list(total.columns) == AMOUNTS
    assert total.iloc[0].tolist() == [1.0, 1000.0, 800.0, 200.0, 3000.0, 0.8, 2.75]


def test_window_leaves_out_funds_approved_before_it(facts):
    only_q2 = mdf_summary(facts, period="2024Q2", periods=1)
    assert only_q2["approved"].tolist() == [0.0, 0.0, 0.0]
    assert only_q2["roi"].isna().all()
    assert mdf_summary(facts, period="2024Q1", periods=1)["approved"].tolist() == [1000.0, 0.0, 0.0]


def test_partner_kpis_on_monthly_facts_use_twelve_months(tiny_program):
    monthly = pa.rollup(tiny_program, freq="M", as_of="2024-06-30")
    assert partner_mdf_kpis(monthly)["mdf_roi"].tolist()[0] == 2.75
    # four monthly periods (2024-03..2024-06) do not reach the February fund
    assert mdf_summary(monthly, periods=4)["approved"].tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize(
    ("approved", "claimed", "attributed", "utilisation", "roi"),
    [
        (1000, 800, 3000, 0.8, 2.75),
        (500, 0, 100, 0.0, NAN),      # nothing spent: ROI undefined
        (0, 0, 0, NAN, NAN),          # zero approved: utilisation undefined
        (200, 200, 100, 1.0, -0.5),   # lost half of the spend
        (100, 150, 150, 1.5, 0.0),    # over-claimed, broke even
    ],
)
def test_utilisation_and_roi_formulas(facts, approved, claimed, attributed, utilisation, roi):
    one = with_mdf(facts, [("P2", "2024Q2", approved, claimed, attributed)])
    row = mdf_summary(one).set_index("partner_id").loc["P2"]
    assert row["utilisation"] == pytest.approx(utilisation, nan_ok=True)
    assert row["roi"] == pytest.approx(roi, nan_ok=True)
    assert row["unclaimed"] == approved - claimed


def test_group_ratios_are_ratios_of_sums_not_means_of_ratios(facts):
    two = with_mdf(facts, [("P1", "2024Q1", 100, 100, 300), ("P2", "2024Q2", 900, 100, 100)])
    total = mdf_summary(two, by=None).iloc[0]
    assert total["utilisation"] == pytest.approx(200 / 1000)
    assert total["roi"] == pytest.approx((400 - 200) / 200)


def test_without_an_mdf_table_everything_is_not_available(tiny_frames):
    frames = {name: frame for name, frame in tiny_frames.items() if name != "mdf"}
    facts = pa.rollup(pa.build_program(frames, source="tiny"), as_of="2024-06-30")
    assert partner_mdf_kpis(facts)[["mdf_utilisation", "mdf_roi"]].isna().all().all()
    for by in ("partner_id", "partner_type", None):
        assert mdf_summary(facts, by=by)[AMOUNTS].isna().all().all()
    assert mdf_roi_ranking(facts).empty


def test_roi_ranking_orders_best_first_with_shared_ranks_for_ties(facts):
    three = with_mdf(facts, [
        ("P3", "2024Q2", 100, 100, 300),   # roi 2.0
        ("P1", "2024Q1", 100, 50, 50),     # roi 0.0
        ("P2", "2024Q2", 200, 200, 600),   # roi 2.0
    ])
    ranking = mdf_roi_ranking(three)
    assert ranking["partner_id"].tolist() == ["P2", "P3", "P1"]
    assert ranking["rank"].tolist() == [1, 1, 3]
    assert ranking["roi"].tolist() == [2.0, 2.0, 0.0]
    assert mdf_roi_ranking(three, min_claimed=100)["partner_id"].tolist() == ["P2", "P3"]


def test_roi_ranking_leaves_out_partners_without_spend(facts):
    ranking = mdf_roi_ranking(facts)
    assert ranking["partner_id"].tolist() == ["P1"]
    assert ranking["rank"].tolist() == [1]


def test_no_partners_gives_empty_partner_tables_and_nan_totals(facts):
    empty = dataclasses.replace(facts, partners=facts.partners.iloc[:0])
    assert partner_mdf_kpis(empty).empty
    assert mdf_roi_ranking(empty).empty
    assert mdf_summary(empty, by=None)[AMOUNTS].isna().all().all()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": "region"}, "by must be one of"),
        ({"periods": 0}, "periods"),
        ({"period": "2023Q1"}, "outside"),
    ],
)
def test_mdf_summary_rejects_bad_options(facts, kwargs, message):
    with pytest.raises(ValueError, match=message):
        mdf_summary(facts, **kwargs)


def test_roi_ranking_rejects_a_negative_minimum(facts):
    with pytest.raises(ValueError, match="min_claimed"):
        mdf_roi_ranking(facts, min_claimed=-1)


@pytest.mark.parametrize(("frame", "column"), [("mdf", "amount_claimed"), ("partners", "partner_type")])
def test_missing_column_raises_naming_it(facts, frame, column):
    broken = dataclasses.replace(facts, **{frame: getattr(facts, frame).drop(columns=column)})
    with pytest.raises(ValueError, match=column):
        partner_mdf_kpis(broken)


@pytest.mark.parametrize("function", [mdf_summary, partner_mdf_kpis, mdf_roi_ranking], ids=lambda f: f.__name__)
def test_functions_do_not_modify_the_facts(facts, function):
    before = copy.deepcopy(facts)
    function(facts)
    assert_frame_equal(facts.mdf, before.mdf)
    assert_frame_equal(facts.partners, before.partners)


amount = st.integers(0, 10_000)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3"]), amount, amount, amount), max_size=8))
def test_type_and_program_totals_add_up_the_partner_rows(tiny_facts_for_hypothesis, funds):
    facts = with_mdf(tiny_facts_for_hypothesis, [(p, "2024Q2", a, c, r) for p, a, c, r in funds])
    per_partner = mdf_summary(facts)
    by_type = mdf_summary(facts, by="partner_type")
    total = mdf_summary(facts, by=None).iloc[0]
    for column in ["funds", "approved", "claimed", "attributed_revenue"]:
        assert by_type[column].sum() == pytest.approx(per_partner[column].sum())
        assert total[column] == pytest.approx(per_partner[column].sum())
    claimed = per_partner["claimed"]
    expected_roi = (per_partner["attributed_revenue"] / claimed - 1).where(claimed > 0)
    assert np.allclose(per_partner["roi"], expected_roi, equal_nan=True)


@pytest.fixture(scope="module")
def tiny_facts_for_hypothesis() -> pa.Rollup:
    from conftest import TINY_CSV, read_tiny

    program = pa.build_program({name: read_tiny(name) for name in TINY_CSV}, source="tiny")
    return pa.rollup(program, as_of="2024-06-30")
