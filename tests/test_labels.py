"""One home for human labels and display formats: exact texts for every kind of column."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from partner_analytics.labels import display_frame, format_frame, format_money, format_value, is_fraction, label, unit
from partner_analytics.metrics.registry import KPIS


@pytest.mark.parametrize(
    ("column", "text"),
    [
        ("revenue_growth_qoq", "Revenue growth vs prior period"),
        ("win_rate", "Win rate"),
        ("gini", "Gini coefficient"),
        ("top_10pct_share", "Top 10 % of partners: share of revenue"),
        ("top_5_share", "Top 5 partners: share of revenue"),
        ("share_generating_revenue", "Share of partners with revenue"),
        ("psat_responses", "Partner satisfaction (PSAT) responses"),
        ("partner_type", "Partner type"),
        ("prm_login", "PRM logins"),
        ("deal_count", "Deal count"),
    ],
)
def test_every_column_gets_a_human_label(column, text):
    assert label(column) == text


def test_no_label_of_a_known_column_is_snake_case():
    from partner_analytics.labels import COLUMNS

    for name in [*KPIS, *COLUMNS]:
        assert "_" not in label(name), name


@pytest.mark.parametrize(
    ("column", "value", "text"),
    [
        ("revenue", 1_234_567.8, "$1.23M"),
        ("revenue", -2_500.0, "-$2.50k"),
        ("revenue", 950.0, "$950"),
        ("win_rate", 0.4567, "45.7%"),
        ("top_10pct_share", 0.5, "50.0%"),
        ("revenue_growth", -0.1, "-10.0%"),
        ("partners", 3.0, "3"),
        ("partners", 3000, "3,000"),
        ("psat_responses", 12.0, "12"),
        ("hhi", 2519.6, "2,520"),
        ("gini", 0.91054, "0.91"),
        ("partner_nps", 12.0, "+12"),
        ("days_to_close", 30.4, "30 days"),
        ("days_to_close", 1.0, "1 day"),
        ("days_to_close", 0.6, "1 day"),
        ("engagement_index", 55.6, "56"),
        ("p_value", 0.0004, "< 0.001"),
        ("p_adjusted", 0.0312, "0.031"),
        ("significant", True, "Yes"),
        ("window_complete", np.bool_(False), "No"),
        ("as_of", pd.Timestamp("2024-03-31 00:00"), "2024-03-31"),
        ("as_of", dt.date(2024, 3, 31), "2024-03-31"),
        ("partner_id", "P-001", "P-001"),
        ("something", 4.0, "4"),
        ("something", 0.25, "0.25"),
        ("revenue", float("nan"), "—"),
        ("partners", pd.NA, "—"),
    ],
)
def test_values_are_formatted_by_the_unit_of_their_column(column, value, text):
    assert format_value(column, value) == text


def test_units_come_from_the_registry_the_column_list_the_name_or_the_dtype():
    assert [unit("revenue"), unit("win_rate"), unit("gini"), unit("cumulative_share"), unit("p_x")] == [
        "currency", "fraction", "ratio", "fraction", "p_value"]
    assert unit("flag", pd.Series([True, False])) == "bool"
    assert unit("when", pd.Series(pd.to_datetime(["2024-01-01"]))) == "date"
    assert unit("deals", pd.Series([1.0, np.nan, 2.0])) == "count"
    assert unit("ratio_x", pd.Series([1.5, 2.0])) == "ratio"
    assert is_fraction("revenue_growth_yoy") and KPIS["win_rate"].is_fraction and not is_fraction("revenue")


def test_money_is_compact_with_optional_trimmed_zeros():
    assert [format_money(v) for v in (0, 999, 1_000, 12_500_000, 3.5e9)] == ["$0", "$999", "$1.00k", "$12.50M",
                                                                             "$3.50B"]
    assert format_money(12_500_000, trim=True) == "$12.5M"


def test_a_display_frame_has_human_headers_and_strings_and_leaves_the_input_alone():
    frame = pd.DataFrame({"partner_type": ["msp", "reseller"], "partners": [3.0, np.nan], "gini": [0.5, 0.25],
                          "top_10pct_share": [0.5, 1.0], "window_complete": [True, False],
                          "period_end": pd.to_datetime(["2024-03-31", "2024-06-30"])})
    before = frame.copy()
    shown = display_frame(frame)
    assert list(shown.columns) == ["Partner type", "Partners", "Gini coefficient",
                                   "Top 10 % of partners: share of revenue", "Full window", "Period end"]
    assert shown.values.tolist() == [["msp", "3", "0.50", "50.0%", "Yes", "2024-03-31"],
                                     ["reseller", "—", "0.25", "100.0%", "No", "2024-06-30"]]
    pd.testing.assert_frame_equal(frame, before)


def test_a_long_kpi_table_formats_each_value_by_its_row_kpi():
    frame = pd.DataFrame({"kpi": ["revenue", "win_rate"], "value": [1_500_000.0, 0.25]})
    assert display_frame(frame, kpi_column="kpi").values.tolist() == [["Partner revenue", "$1.50M"],
                                                                      ["Win rate", "25.0%"]]


def test_format_frame_is_a_styler_with_human_headers_over_the_raw_numbers():
    frame = pd.DataFrame({"revenue": [1_234_567.8], "share": [0.25], "partners": [3.0], "x_rate": [0.5]})
    style = format_frame(frame, percent=["x_rate"])
    assert style.to_string(delimiter="|").splitlines()[:2] == [
        "Partner revenue|Share of partner revenue|Partners|X rate", "$1.23M|25.0%|3|50.0%"]
    assert style.data is frame or style.data.equals(frame)
