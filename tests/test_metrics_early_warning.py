"""Early warning: exact target and features on tiny programs, no look-ahead, and the backtest on the sample."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.metrics.early_warning import WarningSettings, quiet_target, warning_features, warning_panel
from partner_analytics.metrics.early_warning_backtest import METHODS, backtest, early_warning
from partner_analytics.metrics.early_warning_model import (
    feature_effects, fit_warning_model, probability_band, score_partners, what_if,
)
from partner_analytics.params import ParamsError, load_params, parse_params

from conftest import TINY_CSV, read_tiny


@pytest.fixture
def tiny_facts() -> pa.Rollup:
    program = pa.build_program({name: read_tiny(name) for name in TINY_CSV}, source="tiny")
    return pa.rollup(program, freq="Q", as_of="2024-06-30")


def _row(frame: pd.DataFrame, partner: str, period: str) -> pd.Series:
    rows = frame[(frame["partner_id"] == partner) & (frame["period"] == pd.Period(period, "Q"))]
    assert len(rows) == 1
    return rows.iloc[0]


# --- target and features, by hand ------------------------------------------------------------------------------

def test_quiet_means_no_won_revenue_in_the_next_period_and_is_unknown_at_the_last_period(tiny_facts):
    target = quiet_target(tiny_facts)
    assert _row(target, "P1", "2024Q1")[["revenue_next", "quiet"]].tolist() == [500.0, 0.0]  # D2 won 2024-04-01
    assert _row(target, "P3", "2024Q1")[["revenue_next", "quiet"]].tolist() == [0.0, 1.0]
    assert np.isnan(_row(target, "P1", "2024Q2")["quiet"])  # 2024Q3 has not happened yet


@pytest.mark.parametrize(("drop_pct", "quiet"), [(0.4, 1.0), (0.5, 0.0), (0.6, 0.0)])
def test_the_drop_variant_counts_a_fall_of_more_than_drop_pct(tiny_facts, drop_pct, quiet):
    # P1 won 1000 in 2024Q1 and 500 in 2024Q2: a 50 % fall
    target = quiet_target(tiny_facts, WarningSettings(drop_pct=drop_pct))
    assert _row(target, "P1", "2024Q1")["quiet"] == quiet


def test_features_of_the_tiny_program_are_the_hand_computed_values(tiny_facts):
    p1 = _row(warning_features(tiny_facts), "P1", "2024Q2")
    expected = {
        "revenue_w": 1500.0,          # D1 1000 (Q1) + D2 500 (Q2)
        "revenue_trend": 1.0,         # (last 2 − prior 2) / (last 2 + prior 2) = (1500 − 0) / 1500
        "active_periods": 2.0,
        "periods_since_win": 0.0,
        "created_deals_w": 4.0,       # D1, D2, D3, D8
        "won_deals_w": 2.0,
        "win_rate_w": 2 / 3,          # D3 lost
        "open_pipeline": 400.0,       # D8
        "tenure_periods": 6.0,        # onboarded 2023Q1
        "history_periods": 2,         # the data start in 2024Q1
        "engagement_w": 7.0,          # 5 logins + 2 certifications
        "satisfaction": 0.9,          # psat 4/5, nps 9/10, csat 5/5
        "nps": 100.0,
        "attainment": 0.5,            # 500 of the 2024Q2 target of 1000
        "mdf_approved_w": 1000.0,
    }
    for name, value in expected.items():
        assert p1[name] == pytest.approx(value), name
    assert np.isnan(p1["engagement_change"])  # nothing in the two periods before: no change to speak of
    p2 = _row(warning_features(tiny_facts), "P2", "2024Q2")
    assert (p2["nps"], p2["satisfaction"], p2["win_rate_w"]) == (-100.0, 0.5, 1.0)
    assert np.isnan(p2["attainment"])  # P2 has a deals_won target only


def _one_partner_program() -> pa.Program:
    partners = pd.DataFrame({"partner_id": ["A"], "partner_name": ["Alpha"], "partner_type": ["reseller"],
                             "tier": ["gold"], "region": ["EMEA"], "country": ["DE"],
                             "onboarded_on": ["2023-01-01"], "churned_on": [None]})
    won = {"2024-02-01": 100, "2024-05-01": 300, "2024-11-01": 100}
    deals = pd.DataFrame({"deal_id": [f"D{i}" for i in range(len(won))], "partner_id": "A",
                          "attribution": "sourced", "created_on": list(won), "closed_on": list(won), "stage": "won",
                          "amount": [str(v) for v in won.values()], "product": "X", "customer_id": "C",
                          "is_new_customer": "false"})
    logins = {"2024-01-10": 10, "2024-04-10": 10, "2024-07-10": 4, "2024-10-10": 4}
    engagement = pd.DataFrame({"partner_id": "A", "occurred_on": list(logins), "activity": "prm_login",
                               "quantity": [str(v) for v in logins.values()]})
    targets = pd.DataFrame({"partner_id": ["A"], "kpi": ["revenue"], "period_start": ["2024-01-01"],
                            "period_end": ["2024-12-31"], "target": ["1000"]})
    frames = {"partners": partners, "deals": deals, "engagement": engagement, "targets": targets}
    return pa.build_program({k: v.astype("str").replace("None", np.nan) for k, v in frames.items()}, source="one")


def test_trend_change_and_target_pace_over_four_quarters():
    features = warning_features(pa.rollup(_one_partner_program(), freq="Q", as_of="2024-12-31"))
    q3, q4 = _row(features, "A", "2024Q3"), _row(features, "A", "2024Q4")
    assert q3["periods_since_win"] == 1.0
    assert q3["attainment"] == pytest.approx(400 / 750)  # 400 won by Q3 against 3/4 of the annual 1000
    assert q4["attainment"] == pytest.approx(0.5)
    assert q4["revenue_trend"] == pytest.approx((100 - 400) / 500)
    assert q4["engagement_change"] == pytest.approx(8 / 20 - 1)  # logins 4 + 4 after 10 + 10
    assert q4["active_periods"] == 3.0


def test_missing_optional_tables_drop_their_features():
    program = _one_partner_program()
    bare = pa.build_program({"partners": program.partners.astype("str").replace("NaT", np.nan),
                             "deals": program.deals.astype("str").replace("NaT", np.nan)}, source="bare")
    features = warning_features(pa.rollup(bare, freq="Q", as_of="2024-12-31"))
    for name in ("engagement_w", "engagement_change", "satisfaction", "nps", "attainment", "mdf_approved_w"):
        assert name not in features


def test_eligibility_needs_enrolment_history_and_recent_revenue(tiny_facts):
    panel = warning_panel(tiny_facts, WarningSettings(min_history_periods=2))
    eligible = panel.loc[panel["eligible"], ["partner_id", "period"]].astype(str).to_numpy().tolist()
    assert eligible == [["P1", "2024Q2"], ["P2", "2024Q2"]]  # P3 never won; 2024Q1 has 1 period of history


# --- no look-ahead ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("as_of", ["2023-06-30", "2024-12-31"])
def test_features_at_t_do_not_change_when_the_data_after_t_is_removed(sample_program, as_of):
    full = warning_features(pa.rollup(sample_program, freq="Q"))
    cut = warning_features(pa.rollup(sample_program, freq="Q", as_of=as_of))
    before = full[full["period"] <= pd.Period(as_of, "Q")].reset_index(drop=True)
    assert len(before) == len(cut)
    pd.testing.assert_frame_equal(before, cut[before.columns])


# --- model, reasons, backtest ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def sample_warning() -> pa.Rollup:
    facts = pa.rollup(pa.load_program("sample"), freq="Q")
    return facts, early_warning(facts)


def test_the_sample_backtest_beats_both_baselines_by_the_recorded_margins(sample_warning):
    _, warning = sample_warning
    bt = warning.backtest
    assert warning.ok and warning.beats_baselines
    assert (bt.origins[0], bt.origins[-1], bt.events) == (pd.Period("2023Q2"), pd.Period("2025Q3"), 176)
    assert bt.metric("model", "auc") == pytest.approx(0.846, abs=0.01)
    assert bt.metric("no_revenue", "auc") == pytest.approx(0.632, abs=0.01)
    assert bt.metric("trend_rule", "auc") == pytest.approx(0.565, abs=0.01)
    assert bt.metric("model", "recall_top10") == pytest.approx(0.33, abs=0.02)
    assert bt.metric("model", "brier") < bt.metric("no_revenue", "brier")
    assert set(bt.metrics["method"]) == set(METHODS)
    model = bt.calibration[bt.calibration["method"] == "model"]
    assert model["partners"].sum() == len(bt.predictions)


def test_the_sample_scores_rank_partners_with_three_plain_reasons_and_an_action(sample_warning):
    facts, warning = sample_warning
    scores = warning.scores
    assert warning.origin == pd.Period("2025Q4") and len(scores) > 20
    assert scores["probability"].is_monotonic_decreasing and scores["probability"].between(0, 1).all()
    assert all(1 <= len(r) <= 3 for r in scores["reasons"]) and scores["action"].str.len().gt(10).all()
    assert set(scores["band"]) <= {"high", "medium", "low"}
    assert "went quiet" in warning.summary() and "AUC" in warning.summary()


def test_a_model_on_noise_does_not_beat_the_baselines(sample_warning):
    facts, _ = sample_warning
    panel = warning_panel(facts)
    rng = np.random.default_rng(7)
    labelled = panel["quiet"].notna()
    panel.loc[labelled, "quiet"] = (rng.random(labelled.sum()) < 0.2).astype(float)
    bt = backtest(panel)
    assert bt.metric("model", "auc") == pytest.approx(0.5, abs=0.06)


def test_too_few_quiet_events_give_a_message_instead_of_scores(tiny_facts):
    warning = early_warning(tiny_facts)
    assert not warning.ok and warning.scores.empty
    assert "Not enough history" in warning.summary() and "at least 20" in warning.summary()


def test_what_if_and_feature_effects_use_the_fitted_model(sample_warning):
    facts, warning = sample_warning
    effects = feature_effects(warning.model)
    assert effects["coefficient"].abs().is_monotonic_decreasing
    panel = warning_panel(facts)
    row = panel[panel["eligible"] & (panel["period"] == warning.origin)].iloc[0]
    assert what_if(warning.model, row) == pytest.approx(
        warning.scores.set_index("partner_id").loc[row["partner_id"], "probability"])
    assert what_if(warning.model, row, active_periods=4.0) != what_if(warning.model, row, active_periods=1.0)
    with pytest.raises(ValueError, match="unknown feature 'nope'"):
        what_if(warning.model, row, nope=1.0)


def test_scoring_leaves_the_panel_unchanged(sample_warning):
    facts, warning = sample_warning
    rows = warning_panel(facts).query("eligible").tail(30)
    copy = rows.copy()
    score_partners(warning.model, rows, freq="Q")
    pd.testing.assert_frame_equal(rows, copy)


def test_categories_reach_the_model_as_python_strings_in_an_object_column():
    """The one-hot encoder holds them so; Arrow-backed strings give the same model, about 10 % slower."""
    from partner_analytics.metrics.early_warning_model import _design

    rows = pd.DataFrame({"tier": pd.Series(["gold", None, "silver"], dtype="str"), "revenue_w": [1.0, 0.0, 2.0]})
    design = _design(rows, ("tier", "revenue_w"))
    assert design["tier"].dtype == object
    assert design["tier"].iloc[[0, 2]].tolist() == ["gold", "silver"] and pd.isna(design["tier"].iloc[1])
    assert design["revenue_w"].tolist() == pytest.approx(np.log1p([1.0, 0.0, 2.0]).tolist())


def test_fitting_needs_both_outcomes(tiny_facts):
    rows = warning_panel(tiny_facts).assign(quiet=0.0)
    with pytest.raises(ValueError, match="both quiet and non-quiet"):
        fit_warning_model(rows)


@pytest.mark.parametrize(("p", "band"), [(0.5, "high"), (0.49, "medium"), (0.2, "medium"), (0.19, "low")])
def test_probability_bands(p, band):
    assert probability_band(p) == band


# --- params ----------------------------------------------------------------------------------------------------

def test_the_default_params_carry_the_early_warning_settings():
    assert load_params().early_warning == WarningSettings(horizon=1, min_history_periods=4, drop_pct=None,
                                                          min_events=20)


def test_bad_early_warning_settings_are_each_reported():
    raw = {"scorecard": {"default": {"revenue": 1}}, "tiers": {"levels": [{"name": "m", "min_score": 0}]},
           "early_warning": {"horizon": 0, "min_history_periods": 1.5, "drop_pct": 0, "min_events": 0, "x": 1}}
    with pytest.raises(ParamsError) as err:
        parse_params(raw)
    assert sorted(p.split(":")[0] for p in err.value.problems) == [
        "early_warning.drop_pct", "early_warning.horizon", "early_warning.min_events",
        "early_warning.min_history_periods", "early_warning.x"]


# --- where it shows --------------------------------------------------------------------------------------------

def test_the_metrics_command_prints_the_quiet_probability(capsys):
    from partner_analytics.cli import main

    assert main(["metrics", "sample", "--format", "json"]) == 0
    records = pd.DataFrame(json.loads(capsys.readouterr().out))
    scored = records["quiet_probability"].dropna()
    assert 20 < len(scored) < len(records) and scored.between(0, 1).all()


def test_the_metrics_command_says_why_the_probability_is_empty(tiny_dir, capsys):
    from partner_analytics.cli import main

    assert main(["metrics", str(tiny_dir), "--period", "2024Q2"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines()[0].endswith(",quiet_probability")
    assert "note: quiet_probability is empty. Not enough history" in out.err


@pytest.mark.slow
def test_the_overview_lists_partners_likely_to_go_quiet_and_partner_reports_show_no_risk_score(rendered):
    overview = (rendered / "overview.html").read_text(encoding="utf-8")
    assert "Partners likely to go quiet" in overview and "Suggested action" in overview
    assert "the top 10 % flagged by the model held" in overview
    for report in (rendered / "partners").glob("*.html"):
        text = report.read_text(encoding="utf-8").lower()
        assert "go quiet" not in text and "quiet_probability" not in text and "likely to" not in text, report.name


def test_the_overview_view_ranks_the_likely_quiet_partners_with_names():
    from partner_analytics.params import load_params
    from partner_analytics.render.context import build_context
    from partner_analytics.render.overview_view import LIKELY_QUIET, overview_view

    view = overview_view(build_context(pa.load_program("sample"), load_params()))
    table, sentence = view.likely_quiet, view.likely_quiet_summary
    assert len(table) == LIKELY_QUIET and table["partner_name"].notna().all()
    assert table["likelihood"].str.match(r"^(high|medium|low) \(\d+ %\)$").all()
    assert sentence.startswith("Scored on the facts up to the end of 2025Q4, for 2026Q1.")


def test_a_past_reporting_period_is_scored_and_backtested_with_what_was_known_then(sample_warning):
    facts, _ = sample_warning
    then = early_warning(facts, period="2024Q4")
    cut = early_warning(pa.rollup(pa.load_program("sample"), freq="Q", as_of="2024-12-31"))
    assert then.origin == cut.origin == pd.Period("2024Q4")
    pd.testing.assert_frame_equal(then.backtest.metrics, cut.backtest.metrics)
    pd.testing.assert_frame_equal(then.scores, cut.scores)


# --- native threads ---------------------------------------------------------------------------------------------

def test_models_are_fitted_with_one_native_thread_even_when_scikit_learn_is_not_loaded_yet():
    # in a fresh interpreter: threadpoolctl limits only the libraries loaded when the block starts, and the
    # early warning is the first to import scikit-learn (and scipy's BLAS, and its OpenMP runtime)
    script = """
import json, sys
from threadpoolctl import threadpool_info
from partner_analytics.metrics.early_warning_model import one_thread
assert "sklearn" not in sys.modules and "scipy" not in sys.modules
with one_thread():
    from sklearn.calibration import CalibratedClassifierCV  # as fit_warning_model imports it
    pools = threadpool_info()
print(json.dumps({"apis": sorted({pool["internal_api"] for pool in pools}),
                  "threads": sorted({pool["num_threads"] for pool in pools})}))
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          env={**os.environ, "OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"})
    pools = json.loads(done.stdout)
    assert {"openmp", "openblas"} <= set(pools["apis"])  # scikit-learn's runtime and scipy's BLAS were loaded
    assert pools["threads"] == [1]
