"""Notebook helpers: slices of facts, widget options, the satisfaction table and plain-language conclusions.

The tiny program (conftest) rolled up as of 2024-06-30 has quarters 2024Q1..2024Q2 and three partners:
P1 reseller / gold / North America, P2 referral / silver / EMEA, P3 technology / registered / APAC.
"""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal
from scipy import stats

import partner_analytics as pa
from partner_analytics.explore import (
    ALL,
    adjust_p_values,
    bullet_list,
    choices,
    describe_correlations,
    partner_choices,
    period_choices,
    period_end,
    satisfaction_table,
    styled,
    subset_facts,
    tier_changes,
    trailing_year,
    weights_matrix,
)
from partner_analytics.metrics.concentration import concentration_summary
from partner_analytics.metrics.deals import deal_size, time_to_close
from partner_analytics.metrics.satisfaction import round_for_ranking, satisfaction_correlations
from partner_analytics.metrics.tiers import tier_what_if
from partner_analytics.params import load_params

NAN = float("nan")
FRAMES = ("partners", "partner_periods", "channel_periods", "partner_channel_periods", "partner_deal_stats",
          "deal_stats", "engagement", "surveys", "comments", "mdf", "target_actuals")


@pytest.fixture
def tiny(tiny_program) -> pa.Rollup:
    return pa.rollup(tiny_program, as_of="2024-06-30")


@pytest.fixture(scope="module")
def sample() -> pa.Rollup:
    return pa.rollup(pa.load_program("sample"), as_of="2025-12-31")


# --- subset_facts ------------------------------------------------------------------------------------------------

def test_subset_without_a_filter_returns_the_facts_themselves(tiny):
    assert subset_facts(tiny) is tiny


@pytest.mark.parametrize(
    ("filters", "partners"),
    [
        ({"partner_type": "reseller"}, ["P1"]),
        ({"region": "EMEA"}, ["P2"]),
        ({"tier": "registered"}, ["P3"]),
        ({"partner_type": "referral", "region": "EMEA"}, ["P2"]),
        ({"partner_type": "reseller", "region": "EMEA"}, []),  # filters combine with "and"
    ],
)
def test_subset_keeps_the_partners_matching_every_filter(tiny, filters, partners):
    part = subset_facts(tiny, **filters)
    assert list(part.partners["partner_id"]) == partners
    for name in ("partner_periods", "engagement", "surveys", "comments", "mdf", "target_actuals"):
        assert set(getattr(part, name)["partner_id"]) <= set(partners), name


def test_subset_keeps_the_slices_rows_of_every_partner_frame_and_all_direct_deals(tiny):
    part = subset_facts(tiny, partner_type="reseller")
    assert set(part.partner_channel_periods["partner_id"]) == set(part.partner_deal_stats["partner_id"]) == {"P1"}
    assert len(part.partner_periods) == 2  # P1 × 2024Q1, 2024Q2
    assert part.engagement["quantity"].sum() == 7.0  # 5 logins + 2 certifications
    assert sorted(part.surveys["survey"]) == ["csat", "partner_nps", "psat"]
    assert list(part.comments["comment"]) == ["Great support"]
    assert list(part.mdf["amount_approved"]) == [1000.0]
    assert len(part.target_actuals) == 3  # P1's two revenue targets and the certification target
    assert (part.freq, part.as_of, list(part.periods), part.available) == (
        tiny.freq, tiny.as_of, list(tiny.periods), tiny.available)


def test_subset_recomputes_channel_periods_from_the_slices_deals(tiny):
    part = subset_facts(tiny, partner_type="reseller")
    # D1 sourced won 1000 in 30 days, D3 sourced lost 300 (Q1); D2 influenced won 500 in 60 days (Q2);
    # direct: D6 won 2000 in 60 days (Q1), D7 lost 700 (Q2). P2's D5 (sourced, Q2) is left out.
    expected = pd.DataFrame({
        "period": pd.PeriodIndex(["2024Q1"] * 3 + ["2024Q2"] * 3, freq="Q"),
        "attribution": ["sourced", "influenced", "direct"] * 2,
        "revenue": [1000.0, 0, 2000, 0, 500, 0],
        "won_deals": [1.0, 0, 1, 0, 1, 0],
        "lost_deals": [1.0, 0, 0, 0, 0, 1],
        "lost_amount": [300.0, 0, 0, 0, 0, 700],
        "days_to_close_sum": [30.0, 0, 60, 0, 60, 0],
    }).astype(tiny.channel_periods.dtypes.to_dict())
    assert_frame_equal(part.channel_periods, expected)


def test_subsets_by_partner_type_partition_partner_revenue_and_each_keep_all_direct_revenue(sample):
    parts = [subset_facts(sample, partner_type=t) for t in sorted(sample.partners["partner_type"].unique())]
    keys = ["period", "attribution"]
    original = sample.channel_periods.set_index(keys)["revenue"]
    summed = sum(p.channel_periods.set_index(keys)["revenue"] for p in parts)
    partner_rows = original.index.get_level_values("attribution") != "direct"
    np.testing.assert_allclose(summed[partner_rows], original[partner_rows])
    for part in parts:
        np.testing.assert_allclose(part.channel_periods.set_index(keys)["revenue"][~partner_rows],
                                   original[~partner_rows])
    assert sum(p.partner_periods["revenue"].sum() for p in parts) == pytest.approx(
        sample.partner_periods["revenue"].sum())


def test_a_partner_type_slice_keeps_its_deal_distributions_and_the_direct_ones(tiny):
    part = subset_facts(tiny, partner_type="reseller")  # P1 won D1 (30 days) and D2 (60); direct D6 (60)
    cycle = time_to_close(part, by="channel", periods=2).set_index("channel")
    assert cycle["median"].to_dict() == {"direct": 60, "partner": 45}
    assert cycle["n"].to_dict() == {"direct": 1, "partner": 2}
    assert deal_size(part, by=None, periods=2).loc[0, "median"] == 750


def test_a_slice_the_engine_did_not_summarise_refuses_partner_distributions(tiny):
    part = subset_facts(tiny, region="North America")  # P1, who won deals
    assert set(part.deal_stats["group"]) == {"direct"}
    with pytest.raises(ValueError, match="deals_for"):
        time_to_close(part, by="channel", periods=2)
    with pytest.raises(ValueError, match="deals_for"):
        time_to_close(part, by="attribution", periods=2)


def test_metrics_on_a_slice_without_partners_give_nan_not_errors(tiny):
    empty = subset_facts(tiny, partner_type="reseller", region="EMEA")
    summary = concentration_summary(empty, period="2024Q2")
    assert summary.loc[0, "partners"] == 0
    assert np.isnan(summary.loc[0, "gini"])


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"partner_type": "oem"}, "partner_type 'oem' does not occur in the partners; known values: referral, "
                                  "reseller, technology"),
        ({"region": "Mars"}, "region 'Mars' does not occur"),
        ({"tier": "diamond"}, "tier 'diamond' does not occur"),
    ],
)
def test_subset_names_the_column_and_known_values_for_an_unknown_value(tiny, filters, message):
    with pytest.raises(ValueError, match=message):
        subset_facts(tiny, **filters)


def test_subset_does_not_modify_the_facts(tiny):
    before = {name: getattr(tiny, name).copy(deep=True) for name in FRAMES}
    subset_facts(tiny, partner_type="referral")
    for name in FRAMES:
        assert_frame_equal(getattr(tiny, name), before[name])


# --- widget options ----------------------------------------------------------------------------------------------

def test_choices_offer_all_then_each_value_sorted(tiny):
    assert choices(tiny, "region") == [("All", ALL), ("APAC", "APAC"), ("EMEA", "EMEA"),
                                       ("North America", "North America")]
    assert choices(tiny, "tier", all_label="every tier")[0] == ("every tier", ALL)


@pytest.mark.parametrize("column", ["partner_type", "region", "tier"])
def test_a_dropdown_built_on_choices_opens_with_all_selected(tiny, column):
    # ipywidgets reads a None value as "no selection": options ("all", None) made the browser show an empty
    # dropdown (selectedIndex -1) after Run All
    import ipywidgets as widgets

    dropdown = widgets.Dropdown(options=choices(tiny, column))
    assert (dropdown.index, dropdown.label, dropdown.value) == (0, "All", ALL)


def test_the_all_choice_means_no_restriction(tiny):
    assert subset_facts(tiny, partner_type=ALL, region=ALL, tier=ALL) is tiny


def test_choices_reject_a_column_that_is_not_a_filter(tiny):
    with pytest.raises(ValueError, match="column must be one of partner_type, region, tier, got 'country'"):
        choices(tiny, "country")


def test_partner_choices_label_partners_by_name_and_id_in_the_order_asked(tiny):
    assert partner_choices(tiny) == [("Alpha Systems (P1)", "P1"), ("Beta Partners (P2)", "P2"),
                                     ("Gamma Tech (P3)", "P3")]
    assert partner_choices(tiny, order=["P3", "P9", "P1"]) == [("Gamma Tech (P3)", "P3"), ("Alpha Systems (P1)", "P1")]


def test_period_choices_list_periods_latest_first(tiny):
    assert period_choices(tiny) == ["2024Q2", "2024Q1"]


@pytest.mark.parametrize(("freq", "expected"), [("Q", 4), ("M", 12)])
def test_trailing_year_counts_the_periods_of_a_year(tiny_program, freq, expected):
    assert trailing_year(pa.rollup(tiny_program, freq=freq, as_of="2024-06-30")) == expected


@pytest.mark.parametrize(
    ("period", "freq", "expected"),
    [("2024Q4", "Q", "2024-12-31"), ("2024-02", "M", "2024-02-29"), ("2024Q1", "M", "2024-01-31"),
     ("", "Q", None), ("  ", "Q", None), (None, "M", None), (pd.Period("2023Q2"), "Q", "2023-06-30")],
)
def test_period_end_is_the_last_day_of_the_period(period, freq, expected):
    assert period_end(period, freq=freq) == expected


def test_period_end_rejects_text_that_is_not_a_period():
    with pytest.raises(ValueError):
        period_end("last quarter", freq="Q")


# --- satisfaction_table ------------------------------------------------------------------------------------------

def test_satisfaction_table_matches_hand_computed_values(tiny):
    table = satisfaction_table(tiny, period="2024Q2", periods=4)
    expected = pd.DataFrame({
        "partner_id": ["P1", "P2", "P3"],
        "partner_type": ["reseller", "referral", "technology"],
        "psat": [0.8, NAN, NAN],  # P1 scored 4 of 5
        "psat_responses": [1.0, 0, 0],
        "partner_nps": [100.0, -100.0, NAN],  # P1 a promoter (9), P2 a detractor (5)
        "partner_nps_responses": [1.0, 1, 0],
        "csat": [1.0, NAN, NAN],  # 5 of 5 on D2
        "csat_responses": [1.0, 0, 0],
        # weights: logins 1, certifications 3, training 2 (of 6); P1 leads logins and certifications, P2 training
        "engagement_index": [100 * 4 / 6, 100 * 2 / 6, 0.0],
        "revenue": [1500.0, 200.0, 0.0],  # P1: D1 1000 + D2 500; P2: D5 200
        "revenue_growth": [NAN, NAN, NAN],  # the previous year lies before the data
        "win_rate": [2 / 3, 1.0, NAN],  # P1 won D1, D2 and lost D3; P3 closed nothing
    }).astype({"partner_id": "str", "partner_type": "str"})
    assert_frame_equal(table, expected)


def test_satisfaction_table_holds_the_numbers_the_correlations_use(sample):
    table = satisfaction_table(sample, period="2025Q4", periods=4)
    corr = satisfaction_correlations(sample, period="2025Q4", periods=4, method="spearman").set_index(["x", "y"])
    for (x, y), row in corr.iterrows():
        pairs = table[[x, y]].dropna()
        assert len(pairs) == row["n"]
        # equal means stay tied: the sample's psat has 9 distinct raw means but 8 real ones (1e-16 apart)
        ranked = [round_for_ranking(pairs[c].to_numpy()) for c in (x, y)]
        assert stats.spearmanr(*ranked).statistic == pytest.approx(row["r"])


def test_satisfaction_table_and_correlations_apply_the_same_min_responses(sample):
    table = satisfaction_table(sample, period="2025Q4", periods=4, min_responses=3)
    assert (table["psat_responses"][table["psat"].notna()] >= 3).all()
    assert table["psat"].notna().sum() < satisfaction_table(sample, period="2025Q4", periods=4)["psat"].notna().sum()
    corr = satisfaction_correlations(sample, period="2025Q4", periods=4, method="spearman", min_responses=3)
    for row in corr.itertuples():
        assert len(table[[row.x, row.y]].dropna()) == row.n


def test_satisfaction_table_lists_only_partners_enrolled_in_the_window(tiny):
    # 2024Q1 alone: P3 (onboarded 2024-05-01) is not enrolled yet
    assert list(satisfaction_table(tiny, period="2024Q1", periods=1)["partner_id"]) == ["P1", "P2"]


# --- adjust_p_values ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("p_values", "adjusted", "significant"),
    [
        ([0.01, 0.04, 0.03], [0.03, 0.04, 0.04], [True, True, True]),  # ranks 1, 3, 2: p·m/rank, then running min
        ([0.01, 0.2, NAN], [0.02, 0.2, NAN], [True, False, False]),  # NaN is not a test
        ([0.06], [0.06], [False]),
        ([NAN, NAN], [NAN, NAN], [False, False]),
        ([], [], []),
    ],
)
def test_adjust_p_values_applies_benjamini_hochberg(p_values, adjusted, significant):
    frame = pd.DataFrame({"p_value": pd.Series(p_values, dtype="float64")})
    out = adjust_p_values(frame)
    np.testing.assert_allclose(out["p_adjusted"].to_numpy(), adjusted)
    assert out["significant"].tolist() == significant
    assert list(frame.columns) == ["p_value"]  # input untouched


@pytest.mark.parametrize(("kwargs", "message"), [({"p": "pvalue"}, "'pvalue'"), ({"alpha": 1.0}, "alpha")])
def test_adjust_p_values_rejects_a_missing_column_or_a_bad_alpha(kwargs, message):
    with pytest.raises(ValueError, match=message):
        adjust_p_values(pd.DataFrame({"p_value": [0.5]}), **kwargs)


# --- describe_correlations ---------------------------------------------------------------------------------------

def _corr(rows: list[tuple]) -> pd.DataFrame:
    columns = ["x", "y", "method", "n", "r", "ci_low", "ci_high", "p_value", "p_adjusted", "significant"]
    return pd.DataFrame(rows, columns=columns)


CORR = _corr([
    ("psat", "revenue", "spearman", 40.0, 0.45, 0.16, 0.67, 0.002, 0.004, True),
    ("partner_nps", "revenue", "spearman", 50.0, 0.05, -0.2, 0.3, 0.7, 0.7, False),
    ("csat", "win_rate", "spearman", 30.0, -0.62, -0.8, -0.35, 0.0001, 0.0004, True),
    ("engagement_index", "revenue_growth", "spearman", 3.0, NAN, NAN, NAN, NAN, NAN, False),
    ("psat", "revenue", "pearson", 40.0, 0.2, -0.1, 0.47, 0.2, 0.27, False),
])


def test_describe_correlations_says_what_is_and_is_not_significant():
    assert describe_correlations(CORR) == [
        "2 of 3 tested pairs are significant at the 5% level (Spearman correlation; p-values adjusted with "
        "Benjamini-Hochberg for the 4 tests in the table).",
        "Partners with higher customer satisfaction (CSAT) tend to have lower win rate: a strong negative "
        "association (r = -0.62, 95% CI -0.80 to -0.35, n = 30, adjusted p < 0.001).",
        "Partners with higher partner satisfaction (PSAT) tend to have higher partner revenue: a moderate positive "
        "association (r = +0.45, 95% CI +0.16 to +0.67, n = 40, adjusted p = 0.004).",
        "No significant association between partner NPS and partner revenue (r = +0.05, 95% CI -0.20 to +0.30, "
        "n = 50, adjusted p = 0.700): the data cannot tell it apart from chance.",
        "Engagement index and revenue growth could not be tested (n = 3 partners with both values; at least 4 are "
        "needed and neither may be constant).",
        "These are associations across partners, not causes: larger or more engaged partners may both score higher "
        "and sell more.",
    ]


def test_describe_correlations_reads_only_the_rows_of_the_method_and_words_the_level():
    sentences = describe_correlations(CORR, method="pearson", alpha=0.01)
    assert sentences[0].startswith("0 of 1 tested pair are significant at the 1% level (Pearson correlation;")
    assert "99% CI -0.10 to +0.47" in sentences[1]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], ["No Spearman correlations were computed."]),
        ([("psat", "revenue", "spearman", 2.0, NAN, NAN, NAN, NAN, NAN, False)],
         ["No pair could be tested (Spearman correlation): every pair has fewer than 4 partners with both values, "
          "or a measure that does not vary.",
          "Partner satisfaction (PSAT) and partner revenue could not be tested (n = 2 partners with both values; at "
          "least 4 are needed and neither may be constant)."]),
    ],
)
def test_describe_correlations_handles_empty_and_untestable_tables(rows, expected):
    assert describe_correlations(_corr(rows)) == expected


def test_describe_correlations_names_a_missing_column():
    with pytest.raises(ValueError, match="'p_adjusted'"):
        describe_correlations(CORR.drop(columns="p_adjusted"))


def test_describe_correlations_on_the_sample_has_one_sentence_per_pair_plus_headline_and_caveat(sample):
    corr = satisfaction_correlations(sample)
    sentences = describe_correlations(corr)
    assert len(sentences) == 1 + (corr["method"] == "spearman").sum() + 1


# --- scorecards and tiers ----------------------------------------------------------------------------------------

def test_weights_matrix_lists_normalised_weights_per_type_in_registry_order():
    expected = pd.DataFrame(
        {"reseller": [0.35, 0.0, 0.2, 0.25, 0.2, 0.0, 0.0], "msp": [0.35, 0.25, 0.0, 0.0, 0.0, 0.2, 0.2]},
        index=pd.Index(["revenue", "revenue_growth_yoy", "new_customers", "revenue_attainment", "win_rate",
                        "certifications", "csat"], name="kpi", dtype="str"),
    )
    assert_frame_equal(weights_matrix(load_params(), ["reseller", "msp"]), expected)


def test_weights_matrix_defaults_to_every_configured_type_and_each_column_sums_to_one():
    params = load_params()
    matrix = weights_matrix(params)
    assert list(matrix.columns) == list(params.scorecard)
    np.testing.assert_allclose(matrix.sum().to_numpy(), 1.0)
    unconfigured = weights_matrix(params, ["oem"])["oem"]  # a type without its own set uses default
    assert_series_equal(unconfigured, matrix["default"].loc[unconfigured.index].rename("oem"))


def test_tier_changes_lists_who_moves_up_then_down():
    card = pd.DataFrame({"partner_id": ["A", "B", "C", "D", "E"], "partner_type": "reseller",
                         "composite": [57.0, 61.0, 30.0, 45.0, 58.0]})
    # gold 60 → 55: A (57) and E (58) move up from silver; silver 40 → 50: D (45) drops to registered
    changes = tier_changes(tier_what_if(card, load_params(), thresholds={"gold": 55, "silver": 50}))
    assert list(changes["partner_id"]) == ["E", "A", "D"]
    assert list(changes["change"]) == ["up", "up", "down"]


def test_tier_changes_is_empty_when_nobody_moves():
    card = pd.DataFrame({"partner_id": ["A"], "partner_type": "reseller", "composite": [90.0]})
    changes = tier_changes(tier_what_if(card, load_params(), thresholds={"gold": 59}))
    assert changes.empty
    assert "composite_after" in changes.columns


# --- display helpers ---------------------------------------------------------------------------------------------

def test_styled_formats_kpis_percents_p_values_and_missing_values_without_changing_the_frame():
    frame = pd.DataFrame({"revenue": [1234567.8, NAN], "share": [0.25, 0.5], "p_value": [0.000123, 0.5],
                          "win_rate": [0.4567, NAN], "partners": [3.0, 1234.0], "name": ["a", "b"]})
    original = copy.deepcopy(frame)
    lines = styled(frame).to_string(delimiter="|").splitlines()
    assert lines[0] == "Partner revenue|Share of partner revenue|p-value|Win rate|Partners|Name"
    assert lines[1:] == ["$1.23M|25.0%|< 0.001|45.7%|3|a", "—|50.0%|0.500|—|1,234|b"]
    assert_frame_equal(frame, original)


def test_styled_uses_the_percent_columns_given_and_can_keep_the_index():
    frame = pd.DataFrame({"weight": [0.35]}, index=pd.Index(["revenue"], name="kpi"))
    text = styled(frame, percent=["weight"], hide_index=False).to_string(delimiter="|")
    assert "revenue|35.0%" in text


def test_styled_shows_every_money_column_with_its_currency_and_days_with_their_unit():
    frame = pd.DataFrame({"partner_type": ["a", "b"], "horizon_revenue_per_partner": [12345.6, NAN],
                          "amount_median": [900.0, 2e6], "median_days": [122.0, 5.0]})
    lines = styled(frame).to_string(delimiter="|").splitlines()
    assert lines[1:] == ["a|$12.35k|$900|122 days", "b|—|$2.00M|5 days"]


def test_styled_labels_codes_formats_kpi_values_in_their_unit_and_takes_context_units_and_headers():
    frame = pd.DataFrame({"kpi": ["deals_registered", "sourced_revenue", "win_rate"], "value": [19.0, 439000.0, 0.69],
                          "method": ["spearman", "pearson", "spearman"], "partner_type": ["msp", "msp", "msp"],
                          "mean": [83.4, 2.0, 3.0]})
    text = styled(frame, units={"mean": "days"}, headers={"mean": "Mean time to close"}).to_string(delimiter="|")
    assert text.splitlines() == ["KPI|Value|Method|Partner type|Mean time to close",
                                 "Deals registered|19|Spearman|msp|83 days",
                                 "Sourced revenue|$439.00k|Pearson|msp|2 days",
                                 "Win rate|69.0%|Spearman|msp|3 days"]


def test_a_shown_index_has_no_name_row():
    frame = pd.DataFrame({"weight": [0.35, 0.65]}, index=pd.Index(["revenue", "win_rate"], name="kpi"))
    assert ">kpi<" not in styled(frame, percent=["weight"], hide_index=False).to_html()


def test_styled_tables_sort_by_their_raw_values_when_a_header_is_clicked():
    import html as html_lib
    import json
    import re

    frame = pd.DataFrame({"partner_name": ["b", "a", None], "revenue": [900.0, 2e6, NAN], "won": [True, False, True],
                          "as_of": pd.to_datetime(["2025-01-02", "2024-12-31", None])})
    page = styled(frame).to_html()
    keys = json.loads(html_lib.unescape(re.search(r'data-pa-sort="([^"]*)"', page)[1]))
    assert keys == [["b", "a", None], [900.0, 2e6, None], [1, 0, 1], ["2025-01-02T00:00:00", "2024-12-31T00:00:00", None]]
    assert "onclick=" in page and "cursor: pointer" in page
    assert "data-pa-sort" not in styled(frame.head(1)).to_html()  # one row: nothing to sort


@pytest.mark.parametrize("rows", [1, 2])
def test_tables_keep_mathjax_off_amounts_so_two_dollar_signs_stay_text(rows):
    frame = pd.DataFrame({"reasons": ["open pipeline of $7.20k (typical: $76.89k)"] * rows})
    assert 'class="tex2jax_ignore mathjax_ignore"' in styled(frame).to_html()


def test_the_filter_status_line_escapes_values_from_the_data(sample):
    from partner_analytics.explore import FilterPanel

    import dataclasses

    hostile = dataclasses.replace(
        sample, partners=sample.partners.assign(region=sample.partners["region"].replace("EMEA", "<b>$x$</b>")))
    panel = FilterPanel(hostile)
    panel.controls["region"].value = "<b>$x$</b>"
    assert "&lt;b&gt;$x$&lt;/b&gt;" in panel.status.value and "mathjax_ignore" in panel.status.value


@pytest.mark.parametrize(("lines", "expected"), [(["One.", "Two."], "- One.\n- Two."), ([], "")])
def test_bullet_list_makes_one_markdown_bullet_per_line(lines, expected):
    assert bullet_list(lines) == expected


# --- filter panel ------------------------------------------------------------------------------------------------

def test_the_filter_panel_redraws_every_section_for_the_chosen_slice_without_pyplot(sample):
    import matplotlib.pyplot as plt

    from partner_analytics.explore import FilterPanel, figure

    panel = FilterPanel(sample, period="2025Q3")
    seen = []

    def draw(s):
        seen.append((s.period, s.filters["region"], len(s.facts.partners)))
        fig, ax = figure()
        ax.bar([1, 2], [1, 2])
        return fig

    panel.section(draw)
    assert [c.index for c in panel.controls.values()] == [1, 0, 0, 0]  # every dropdown shows a selection
    before = plt.get_fignums()
    panel.controls["region"].value = "EMEA"
    panel.controls["period"].value = "2025Q2"
    assert seen[0][:2] == ("2025Q3", ALL)
    assert seen[-1][:2] == ("2025Q2", "EMEA") and seen[-1][2] == (sample.partners["region"] == "EMEA").sum()
    assert plt.get_fignums() == before  # nothing left in pyplot's global figure list for a backend to flush
    assert "EMEA" in panel.status.value


def test_own_controls_redraw_only_the_sections_that_watch_them(sample):
    import ipywidgets as widgets

    from partner_analytics.explore import FilterPanel

    panel = FilterPanel(sample)
    counts = {"a": 0, "b": 0}
    panel.add("n", widgets.IntSlider(value=1), in_panel=False)
    panel.section(lambda s: counts.__setitem__("a", counts["a"] + 1), watch=["n"])
    panel.section(lambda s: counts.__setitem__("b", counts["b"] + 1), watch=())
    panel.controls["n"].value = 2
    assert counts == {"a": 2, "b": 1}
    panel.controls["tier"].value = panel.controls["tier"].options[1][1]
    assert counts == {"a": 3, "b": 2}
    busy = []
    panel.section(lambda s: busy.append("pa-redrawing" in panel.widget._dom_classes))
    panel.controls["n"].value = 3
    assert busy == [False, True]  # marked while redrawing (a browser can wait for the end), not after
    assert "pa-redrawing" not in panel.widget._dom_classes


def test_download_links_are_formula_safe(sample):
    import base64

    from partner_analytics.explore.downloads import download_links

    links = download_links(pd.DataFrame({"partner_name": ["=cmd|' /C calc'!A0", "Acme"], "revenue": [-5.0, 1.0]}),
                           "slice")
    csv = base64.b64decode(links.split("data:text/csv;base64,")[1].split('"')[0]).decode("utf-8-sig")
    assert csv.splitlines() == ["partner_name,revenue", "'=cmd|' /C calc'!A0,-5.0", "Acme,1.0"]


def test_the_early_warning_what_if_names_the_partner_and_scores_the_changed_numbers(sample):
    from partner_analytics.explore import warning_what_if_view
    from partner_analytics.metrics.early_warning import warning_panel
    from partner_analytics.metrics.early_warning_backtest import early_warning
    from partner_analytics.metrics.early_warning_model import what_if

    warning, features = early_warning(sample), warning_panel(sample)
    rows = features[features["eligible"] & (features["period"] == warning.origin)].set_index("partner_id")
    partner = warning.scores["partner_id"].iloc[0]
    heading, table = warning_what_if_view(warning.model, rows, sample, partner, active_periods=4.0, unknown=1.0)
    assert partner in heading.data
    assert list(table.data.columns) == ["scenario", "active_periods", "probability"]  # unknown feature left out
    assert table.data["probability"].tolist() == [what_if(warning.model, rows.loc[partner]),
                                                  what_if(warning.model, rows.loc[partner], active_periods=4.0)]
    emea = subset_facts(sample, region="EMEA")
    outside = sample.partners.loc[sample.partners["region"] != "EMEA", "partner_id"].iloc[0]
    heading, _ = warning_what_if_view(warning.model, rows, emea, outside)
    shown = heading.data.split("(")[1].split(")")[0]
    assert outside not in heading.data and shown in set(emea.partners["partner_id"])


def test_a_section_whose_chart_has_nothing_to_draw_says_why_instead_of_failing(sample):
    from IPython.display import Markdown

    from partner_analytics.explore import FilterPanel
    from partner_analytics.explore.widgets import section_outputs
    from partner_analytics.plots.empty import NothingToDraw

    def draw(s):
        raise NothingToDraw("No partner NPS responses in these periods.")

    panel = FilterPanel(sample)
    panel.section(draw)  # no exception
    (shown,) = section_outputs(draw, panel.slice)
    assert isinstance(shown, Markdown) and shown.data == "*No partner NPS responses in these periods.*"
    with pytest.raises(KeyError):
        section_outputs(lambda s: {}["missing"], panel.slice)  # any other error still shows as one


def test_the_partner_choice_offers_the_partners_of_the_slice_and_never_an_empty_selection(sample):
    from partner_analytics.explore import FilterPanel

    panel = FilterPanel(sample)
    emea = sample.partners.loc[sample.partners["region"] == "EMEA", "partner_id"].tolist()
    other = sample.partners.loc[sample.partners["region"] != "EMEA", "partner_id"].iloc[0]
    control = panel.add_partner_choice(value=emea[1])
    drawn = []
    panel.section(lambda s: drawn.append(s.options["partner"]), watch=["partner"])
    panel.controls["region"].value = "EMEA"
    assert [v for _, v in control.options] == emea and control.value == emea[1]  # kept: still in the slice
    assert drawn[-1] == emea[1] and len(drawn) == 2  # one redraw for the filter change
    panel.controls["region"].value = ALL
    control.value = other
    panel.controls["region"].value = "EMEA"
    assert control.value == emea[0] and panel.slice.options["partner"] == emea[0]  # left the slice: first one
    seen = set(zip(sample.partners["partner_type"], sample.partners["tier"]))
    empty = next((t, tier) for t in sample.partners["partner_type"].unique() for tier in sample.partners["tier"].unique()
                 if (t, tier) not in seen and isinstance(tier, str))
    panel.controls["region"].value = ALL
    panel.controls["partner_type"].value, panel.controls["tier"].value = empty
    assert len(panel.slice.facts.partners) == 0
    assert control.options == (("No partner in this slice", ""),) and control.index == 0


@pytest.mark.parametrize("filters", [{}, {"partner_type": "msp"}, {"region": "EMEA"}, {"tier": "gold"}])
def test_deal_distribution_sections_know_when_a_slice_has_none(sample, filters):
    from partner_analytics.explore import has_deal_distributions

    view = subset_facts(sample, **filters)
    if has_deal_distributions(view):
        assert not time_to_close(view, by="channel").empty and not deal_size(view, by="channel").empty
    else:
        assert set(filters) & {"region", "tier"}
        with pytest.raises(ValueError, match="deals_for"):
            time_to_close(view, by="channel")


def test_a_section_draws_data_text_with_dollar_signs_as_written_not_as_maths(sample):
    """Without math text off, "$\\foo$" in a partner name makes the PNG export raise a parse error."""
    from IPython.display import Image

    from partner_analytics.explore import FilterPanel
    from partner_analytics.explore.widgets import figure, section_outputs

    def draw(s):
        fig, ax = figure(size=(4, 2))
        ax.set_title(r"Partner $\foo$ & $5 off $10")
        return fig

    (shown,) = section_outputs(draw, FilterPanel(sample).slice)
    assert isinstance(shown, Image) and shown.data[:8] == b"\x89PNG\r\n\x1a\n"
