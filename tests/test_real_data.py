"""Real public data nobody on this project wrote, loaded only through the shipped column mappings.

Every metric is checked against an independent plain-pandas computation on the raw files. The data
lives in ``../shared/data`` beside the repository (see its README); without it these tests skip.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.metrics.concentration import concentration_summary
from partner_analytics.metrics.deals import time_to_close, win_rates
from partner_analytics.metrics.revenue import channel_revenue, revenue_trend
from partner_analytics.schema import TABLES

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data"
EXAMPLES = REPO / "params" / "examples"

pytestmark = [
    pytest.mark.shared_data,
    pytest.mark.skipif(not DATA.is_dir(), reason=f"the real public data is not there ({DATA} is absent)"),
]


def _folder(name: str) -> Path:
    folder = DATA / name
    if not folder.is_dir():
        pytest.skip(f"{folder} is absent")
    return folder


# ----------------------------------------------------------------------------------------------------------------
# Independent reference computations (plain pandas / numpy, nothing from the project)


def _gini(values: np.ndarray) -> float:
    """Gini as the mean absolute difference over twice the mean: Σ_i Σ_j |x_i − x_j| / (2 n² x̄)."""
    x = np.asarray(values, dtype=float)
    return float(np.abs(x[:, None] - x[None, :]).sum() / (2 * len(x) ** 2 * x.mean()))


def _top_share(values: np.ndarray, fraction: float) -> float:
    x = np.sort(np.asarray(values, dtype=float))[::-1]
    n = max(1, math.ceil(round(fraction * len(x), 9)))
    return float(x[:n].sum() / x.sum())


# ----------------------------------------------------------------------------------------------------------------
# What the project computes from a program (only public functions and Rollup facts)


def _project_metrics(program: pa.Program) -> dict:
    facts = pa.rollup(program)
    revenue = channel_revenue(facts)
    by_type = revenue_trend(facts, by="partner_type").groupby("partner_type")["revenue"].sum()
    everything = {"period": facts.periods[-1], "periods": len(facts.periods)}  # the whole span of the data
    whole = concentration_summary(facts, period=facts.periods[-1], window=len(facts.periods)).iloc[0]
    cycle = time_to_close(facts, by="channel", **everything).set_index("channel")
    return {
        "total_revenue": revenue["total_revenue"].sum(),
        "revenue_by_type": by_type[by_type > 0].to_dict(),
        "top_10pct_share": whole["top_10pct_share"],
        "gini": whole["gini"],
        "win_rate": win_rates(facts, by=None, **everything)["win_rate"].iloc[0],
        "median_days_to_close": cycle.loc["partner", "median"],
    }


def _compare(project: dict, expected: dict) -> None:
    assert project["revenue_by_type"].keys() == expected["revenue_by_type"].keys()
    for name, value in expected.items():
        if name == "revenue_by_type":
            for kind, amount in value.items():
                assert project[name][kind] == pytest.approx(amount, rel=1e-9), kind
        else:
            assert project[name] == pytest.approx(value, rel=1e-9), name


# ----------------------------------------------------------------------------------------------------------------
# AdventureWorks: resellers, orders grouped from order lines, rep quotas allocated to resellers


@pytest.fixture(scope="module")
def aw_raw() -> dict[str, pd.DataFrame]:
    folder = _folder("adventureworks")
    names = ("DimReseller", "FactResellerSales", "FactSalesQuota")
    return {name: pd.read_parquet(folder / f"{name}.parquet") for name in names}


@pytest.fixture(scope="module")
def aw_program() -> pa.Program:
    return pa.load_program(_folder("adventureworks"), mapping=EXAMPLES / "adventureworks.yml")


def test_adventureworks_partners_are_the_resellers_that_ordered(aw_program, aw_raw):
    resellers = aw_raw["DimReseller"].dropna(subset=["FirstOrderYear"])
    assert len(aw_program.partners) == len(resellers) == 635
    expected = resellers["BusinessType"].map({"Warehouse": "distributor"}).fillna("reseller").value_counts()
    assert aw_program.partners["partner_type"].value_counts().to_dict() == expected.to_dict()
    assert set(aw_program.partners["region"]) == {"North America", "Europe", "Pacific"}


def test_adventureworks_deals_are_orders_grouped_from_their_lines(aw_program, aw_raw):
    lines = aw_raw["FactResellerSales"]
    orders = lines.assign(amount=lines["SalesAmount"].astype(float)).groupby("SalesOrderNumber")["amount"].sum()
    deals = aw_program.deals.set_index("deal_id")["amount"]
    assert len(deals) == len(orders) == 3796
    pd.testing.assert_series_equal(deals.sort_index(), orders.sort_index(), check_names=False, rtol=1e-12)


def test_adventureworks_metrics_agree_with_plain_pandas(aw_program, aw_raw):
    lines, resellers = aw_raw["FactResellerSales"], aw_raw["DimReseller"]
    lines = lines.assign(amount=lines["SalesAmount"].astype(float))
    per_reseller = lines.groupby("ResellerKey")["amount"].sum()
    kind = resellers.set_index("ResellerKey")["BusinessType"].map(
        {"Warehouse": "distributor", "Value Added Reseller": "reseller", "Specialty Bike Shop": "reseller"})
    expected = {
        "total_revenue": lines["amount"].sum(),
        "revenue_by_type": per_reseller.groupby(kind).sum().to_dict(),
        "top_10pct_share": _top_share(per_reseller.to_numpy(), 0.1),
        "gini": _gini(per_reseller.to_numpy()),
        "win_rate": 1.0,                # every order shipped: no lost deals in the data
        "median_days_to_close": 0.0,    # no opportunity date: created_on = closed_on = OrderDate (documented)
    }
    _compare(_project_metrics(aw_program), expected)


def test_the_adventureworks_quota_date_quirk_is_in_the_raw_data(aw_raw):
    quotas = aw_raw["FactSalesQuota"]
    per_quarter = quotas.groupby(["CalendarYear", "CalendarQuarter"])["EmployeeKey"]
    counts = (per_quarter.size() / per_quarter.nunique()).to_dict()
    assert (2011, 2) not in counts  # no quota in 2011 Q2 by calendar ...
    assert counts[(2011, 3)] == 2  # ... and two per rep in 2011 Q3 (dated 2011-07-01 and 2011-09-29)


def test_each_quota_becomes_the_target_of_the_quarter_starting_within_a_week_after_its_date(aw_program, aw_raw):
    quotas = aw_raw["FactSalesQuota"]
    quarter = (quotas["Date"] + pd.Timedelta(days=7)).dt.to_period("Q")
    assert not quotas.assign(q=quarter).duplicated(["EmployeeKey", "q"]).any()  # one quota per rep and quarter
    expected = quotas["SalesAmountQuota"].astype(float).groupby(quarter).sum()
    targets = aw_program.targets
    assert set(targets["kpi"]) == {"revenue"}
    assert (targets["period_end"] == targets["period_start"] + pd.offsets.QuarterEnd(0)).all()
    actual = targets.groupby(targets["period_start"].dt.to_period("Q"))["target"].sum()
    assert list(actual.index.astype(str)) == [f"{y}Q{q}" for y in (2011, 2012, 2013) for q in (1, 2, 3, 4)]
    # the rep quotas are shared out in full (reseller targets are rounded to cents)
    pd.testing.assert_series_equal(actual, expected, check_names=False, check_index_type=False, atol=5.0)
    assert actual[pd.Period("2011Q3")] == pytest.approx(quotas.loc[quotas["Date"] == "2011-07-01",
                                                                    "SalesAmountQuota"].astype(float).sum(), abs=5)


def test_quotas_track_rep_sales_when_dated_to_the_following_quarter(aw_raw):
    """The documented evidence for the quota-date decision, recomputed."""
    lines, quotas = aw_raw["FactResellerSales"], aw_raw["FactSalesQuota"]
    sales = lines.assign(amount=lines["SalesAmount"].astype(float), q=lines["OrderDate"].dt.to_period("Q"))
    sales = sales.groupby(["EmployeeKey", "q"])["amount"].sum()

    def correlation(shift_days: int) -> float:
        q = (quotas["Date"] + pd.Timedelta(days=shift_days)).dt.to_period("Q")
        quota = quotas.assign(q=q, quota=quotas["SalesAmountQuota"].astype(float)).groupby(["EmployeeKey", "q"])
        both = quota["quota"].sum().to_frame().join(sales, how="outer").fillna(0.0)
        return float(np.corrcoef(both["quota"], both["amount"])[0, 1])

    following, preceding = correlation(7), correlation(-7)
    assert following == pytest.approx(0.94, abs=0.01)
    assert preceding == pytest.approx(0.75, abs=0.01)


def test_adventureworks_says_what_is_not_in_the_data(aw_program):
    facts = pa.rollup(aw_program)
    assert facts.available == frozenset()
    assert [name for name in TABLES if not aw_program.has(name)] == ["engagement", "surveys", "mdf"]


# ----------------------------------------------------------------------------------------------------------------
# Maven CRM: accounts, an opportunity pipeline with won / lost / open deals, no targets

@pytest.fixture(scope="module")
def maven_raw() -> dict[str, pd.DataFrame]:
    folder = _folder("maven_crm")
    return {name: pd.read_csv(folder / f"{name}.csv", dtype=str) for name in ("accounts", "sales_pipeline")}


@pytest.fixture(scope="module")
def maven_program() -> pa.Program:
    return pa.load_program(_folder("maven_crm"), mapping=EXAMPLES / "maven_crm.yml")


def test_maven_deals_leave_out_prospects_and_keep_unassigned_open_deals_as_direct(maven_program, maven_raw):
    pipeline = maven_raw["sales_pipeline"]
    deals = maven_program.deals
    assert len(deals) == (pipeline["deal_stage"] != "Prospecting").sum() == 8300
    assert deals["stage"].value_counts().to_dict() == {"won": 4238, "lost": 2473, "open": 1589}
    direct = deals["attribution"] == "direct"
    assert direct.sum() == 1088 and (deals.loc[direct, "stage"] == "open").all()
    assert "GTXPro" not in set(deals["product"]) and (deals["product"] == "GTX Pro").sum() == 1400
    assert deals["amount"].notna().all()
    assert len(maven_program.partners) == 85
    assert not maven_program.has("targets")


def test_maven_metrics_agree_with_plain_pandas(maven_program, maven_raw):
    pipeline = maven_raw["sales_pipeline"]
    won = pipeline[pipeline["deal_stage"] == "Won"].assign(value=lambda d: d["close_value"].astype(float))
    lost = pipeline[pipeline["deal_stage"] == "Lost"]
    per_account = won.groupby("account")["value"].sum().reindex(maven_raw["accounts"]["account"], fill_value=0.0)
    days = pd.to_datetime(won["close_date"]) - pd.to_datetime(won["engage_date"])
    expected = {
        "total_revenue": won["value"].sum(),
        "revenue_by_type": {"reseller": won["value"].sum()},  # the data has no partner type (documented)
        "top_10pct_share": _top_share(per_account.to_numpy(), 0.1),
        "gini": _gini(per_account.to_numpy()),
        "win_rate": len(won) / (len(won) + len(lost)),
        "median_days_to_close": days.dt.days.median(),
    }
    _compare(_project_metrics(maven_program), expected)


# ----------------------------------------------------------------------------------------------------------------
# Reports: the program overview and three partner reports render, and say what the data lacks


def _render(tmp_path: Path, dataset: str, program: pa.Program) -> tuple[Path, list[Path]]:
    """Render the overview and three partner reports; return the folder and the partner report files."""
    from partner_analytics.render import batch
    partners = list(program.partners["partner_id"][:3])
    summary = batch.render_reports(source=str(_folder(dataset)), mapping=EXAMPLES / f"{dataset}.yml",
                                   outdir=tmp_path / "reports", partners=partners, build_dir=tmp_path / "build",
                                   progress=False, workers=2)
    assert summary.ok, summary.failed
    outdir = tmp_path / "reports"
    return outdir, [outdir / batch.PARTNER_FOLDER / batch.report_file_name(p) for p in partners]


def _says_not_available(html_file: Path, tables: tuple[str, ...]) -> None:
    from partner_analytics.render.wording import unavailable

    html = html_file.read_text(encoding="utf-8")
    assert "Traceback" not in html
    for table in tables:
        assert unavailable(table) in html, (html_file.name, table)


@pytest.mark.slow
@pytest.mark.parametrize("dataset", ["adventureworks", "maven_crm"])
def test_the_overview_and_three_partner_reports_render_and_say_what_the_data_lacks(tmp_path, dataset):
    program = pa.load_program(_folder(dataset), mapping=EXAMPLES / f"{dataset}.yml")
    outdir, reports = _render(tmp_path, dataset, program)
    _says_not_available(outdir / "overview.html", ("surveys", "mdf"))
    for report in reports:
        _says_not_available(report, ("engagement", "surveys"))


def test_adventureworks_reports_its_latest_complete_quarter_and_compares_the_partial_one_like_for_like(aw_program, aw_raw):
    from partner_analytics.params import load_params
    from partner_analytics.render.context import build_context

    default = build_context(aw_program, load_params())  # the data ends on 2013-11-29, two months into 2013Q4
    assert (str(default.period), default.coverage.complete) == ("2013Q3", True)
    assert "Data from 2010-12-29 to 2013-11-29." in default.coverage.note()
    assert "stops part-way through 2013Q4" in default.coverage.note()

    partial = build_context(aw_program, load_params(), as_of="2013-11-29")
    assert partial.coverage.label == "2013Q4 to date: 60 of 92 days"
    assert partial.coverage.versus() == "vs the same 60 days of 2013Q3"
    lines = aw_raw["FactResellerSales"]
    dates = pd.to_datetime(lines["OrderDate"])

    def sales(start: str, end: str) -> float:
        return float(lines.loc[(dates >= start) & (dates <= end), "SalesAmount"].astype(float).sum())

    tiles = partial.program_tiles.set_index("kpi")
    assert tiles.loc["revenue", "value"] == pytest.approx(sales("2013-10-01", "2013-11-29"), rel=1e-9)
    assert tiles.loc["revenue", "prior"] == pytest.approx(sales("2013-07-01", "2013-08-29"), rel=1e-9)
    year_ago = partial.year_ago_kpis["revenue"].sum()
    assert year_ago == pytest.approx(sales("2012-10-01", "2012-11-29"), rel=1e-9)


# ----------------------------------------------------------------------------------------------------------------
# Early warning: the rolling-origin backtest on data nobody tuned it for (recorded results, see the README)


def test_adventureworks_early_warning_backtest_barely_beats_no_revenue_this_quarter(aw_program):
    from partner_analytics.metrics.early_warning_backtest import early_warning

    warning = early_warning(pa.rollup(aw_program, freq="Q"))
    bt = warning.backtest
    assert warning.ok and warning.origin == pd.Period("2013Q3")  # 2013Q4 is partial (data end 2013-11-29)
    assert (bt.origins[0], bt.origins[-1], bt.events) == (pd.Period("2011Q4"), pd.Period("2013Q2"), 664)
    assert bt.metric("model", "auc") == pytest.approx(0.844, abs=0.01)
    assert bt.metric("no_revenue", "auc") == pytest.approx(0.823, abs=0.01)
    assert bt.metric("trend_rule", "auc") == pytest.approx(0.752, abs=0.01)
    assert bt.metric("model", "recall_top10") == pytest.approx(0.26, abs=0.02)
    assert bt.metric("no_revenue", "recall_top10") == pytest.approx(0.27, abs=0.02)
    assert not warning.beats_baselines and "does not clearly beat" in warning.summary()


@pytest.mark.parametrize(("freq", "events"), [("Q", 0), ("M", 9)])
def test_maven_crm_has_too_few_quiet_accounts_to_score(maven_program, freq, events):
    from partner_analytics.metrics.early_warning_backtest import early_warning

    warning = early_warning(pa.rollup(maven_program, freq=freq))
    assert not warning.ok and warning.scores.empty
    assert warning.backtest.events == events  # 85 accounts that win nearly every month
    assert f"found {events} quiet events" in warning.summary()
