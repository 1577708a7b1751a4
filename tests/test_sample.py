"""The embedded sample program is deterministic, schema-shaped and realistic enough to analyse."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

from partner_analytics.sample import SAMPLE_AS_OF, SAMPLE_SEED, SAMPLE_START, generate_sample, sample_dir, write_sample
from partner_analytics.schema import PARTNER_TYPES, TABLES

AS_OF = pd.Timestamp(SAMPLE_AS_OF)


def _typed(name: str, text: pd.DataFrame) -> pd.DataFrame:
    """Parse a CSV read as text by the schema kinds (blank = missing)."""
    out = {}
    for column in TABLES[name].columns:
        raw = text[column.name].replace("", None)
        if column.kind == "date":
            out[column.name] = pd.to_datetime(raw, format="%Y-%m-%d")
        elif column.kind == "number":
            out[column.name] = pd.to_numeric(raw)
        elif column.kind == "boolean":
            out[column.name] = raw.map({"true": True, "false": False}).astype("boolean")
        else:
            out[column.name] = raw
    return pd.DataFrame(out)


@pytest.fixture(scope="module")
def text() -> dict[str, pd.DataFrame]:
    """The shipped CSV files, every cell as exact text."""
    return {name: pd.read_csv(sample_dir() / f"{name}.csv", dtype=str, keep_default_na=False) for name in TABLES}


@pytest.fixture(scope="module")
def sample(text) -> dict[str, pd.DataFrame]:
    """The shipped CSV files, typed."""
    return {name: _typed(name, frame) for name, frame in text.items()}


def _partner_revenue(sample: dict[str, pd.DataFrame]) -> pd.Series:
    deals = sample["deals"]
    won = deals[(deals["stage"] == "won") & deals["partner_id"].notna()]
    return won.groupby("partner_id")["amount"].sum().reindex(sample["partners"]["partner_id"], fill_value=0.0)


def _spearman(a: pd.Series, b: pd.Series) -> float:
    a, b = a.align(b, join="inner")
    return float(a.rank().corr(b.rank()))


# -- determinism and shape ----------------------------------------------------


def test_write_sample_reproduces_the_shipped_files_byte_for_byte(tmp_path):
    paths = write_sample(tmp_path / "out")
    assert [p.name for p in paths] == [f"{name}.csv" for name in TABLES]
    for path in paths:
        assert path.read_bytes() == (sample_dir() / path.name).read_bytes(), path.name
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths), "no temp files left"


def test_the_same_seed_gives_identical_frames_and_another_seed_different_ones():
    first, again = generate_sample(seed=7, n_partners=30), generate_sample(seed=7, n_partners=30)
    other = generate_sample(seed=8, n_partners=30)
    for name in TABLES:
        pd.testing.assert_frame_equal(first[name], again[name])
    assert not first["deals"].equals(other["deals"])
    assert not first["partners"].equals(other["partners"])


def test_the_default_seed_is_the_shipped_one():
    assert SAMPLE_SEED == 20251231
    assert (SAMPLE_START, SAMPLE_AS_OF) == ("2022-01-01", "2025-12-31")


@pytest.mark.parametrize("name", list(TABLES))
def test_every_table_has_the_schema_columns_in_order(name, text):
    assert list(generate_sample(n_partners=10)[name].columns) == TABLES[name].column_names
    assert list(text[name].columns) == TABLES[name].column_names


def test_too_few_partners_is_an_error():
    with pytest.raises(ValueError, match="n_partners"):
        generate_sample(n_partners=0)


def test_csv_cells_use_the_documented_formats(sample):
    deals = (sample_dir() / "deals.csv").read_bytes()
    assert b"\r" not in deals and deals.endswith(b"\n")
    raw = pd.read_csv(sample_dir() / "deals.csv", dtype=str, keep_default_na=False)
    assert raw["created_on"].str.fullmatch(r"\d{4}-\d{2}-\d{2}").all()
    assert raw["amount"].str.fullmatch(r"\d+\.\d{2}").all()
    assert set(raw["is_new_customer"]) == {"true", "false"}
    surveys = pd.read_csv(sample_dir() / "surveys.csv", dtype=str, keep_default_na=False)
    assert surveys["score"].str.fullmatch(r"\d+").all()
    mdf = pd.read_csv(sample_dir() / "mdf.csv", dtype=str, keep_default_na=False)
    assert mdf["amount_claimed"].str.fullmatch(r"\d+\.\d{2}").all()


# -- integrity ------------------------------------------------------------------


def test_ids_are_unique_and_well_formed(sample):
    for name, column, pattern in [("partners", "partner_id", r"P\d{4}"), ("deals", "deal_id", r"D\d{6}"),
                                  ("mdf", "fund_id", r"F\d{4}")]:
        ids = sample[name][column]
        assert ids.is_unique and ids.str.fullmatch(pattern).all(), column
    assert sample["deals"]["customer_id"].str.fullmatch(r"C\d{5}").all()
    assert sample["partners"]["partner_name"].is_unique


def test_every_partner_and_deal_reference_exists(sample):
    partners = set(sample["partners"]["partner_id"])
    for name in ("deals", "targets", "engagement", "surveys", "mdf"):
        assert set(sample[name]["partner_id"].dropna()) <= partners, name
    surveys = sample["surveys"]
    csat = surveys[surveys["deal_id"].notna()].merge(sample["deals"], on="deal_id", suffixes=("", "_deal"))
    assert len(csat) == surveys["deal_id"].notna().sum()
    assert (csat["partner_id"] == csat["partner_id_deal"]).all() and (csat["stage"] == "won").all()
    assert (csat["responded_on"] >= csat["closed_on"]).all()


def test_values_respect_the_schema_bounds(sample):
    assert (sample["deals"]["amount"] >= 0).all()
    assert (sample["targets"]["target"] > 0).all()
    assert (sample["engagement"]["quantity"] > 0).all()
    surveys = sample["surveys"]
    assert surveys["score"].between(0, surveys["scale_max"]).all()
    assert (surveys["score"] == surveys["score"].round()).all()
    assert surveys.groupby("survey")["scale_max"].unique().map(list).to_dict() == {
        "csat": [5.0], "partner_nps": [10.0], "psat": [5.0]}
    assert (surveys.loc[surveys["survey"] != "partner_nps", "score"] >= 1).all()
    mdf = sample["mdf"]
    assert (mdf[["amount_approved", "amount_claimed", "attributed_revenue"]] >= 0).all().all()


def test_nothing_happens_after_the_as_of_date(sample):
    for name, table in TABLES.items():
        for column in (c.name for c in table.columns if c.kind == "date"):
            assert (sample[name][column].dropna() <= AS_OF).all(), f"{name}.{column}"


def test_closed_on_is_blank_exactly_for_open_deals_and_never_before_created_on(sample):
    deals = sample["deals"]
    assert set(deals["stage"]) == {"open", "won", "lost"}
    assert (deals["closed_on"].isna() == (deals["stage"] == "open")).all()
    assert (deals["closed_on"].dropna() >= deals["created_on"][deals["closed_on"].notna()]).all()
    assert (deals["created_on"] >= pd.Timestamp(SAMPLE_START)).all()


def test_open_deals_are_recent(sample):
    deals = sample["deals"]
    open_deals = deals[deals["stage"] == "open"]
    assert len(open_deals) > 0
    assert (open_deals["created_on"] >= AS_OF - pd.Timedelta(days=184)).all()


def test_direct_deals_have_no_partner_and_partner_deals_have_one(sample):
    deals = sample["deals"]
    assert ((deals["attribution"] == "direct") == deals["partner_id"].isna()).all()


# -- realism --------------------------------------------------------------------


def test_partners_have_all_five_types_and_countries_match_their_region(sample):
    partners = sample["partners"]
    assert set(partners["partner_type"]) == set(PARTNER_TYPES)
    assert set(partners["tier"]) == {"platinum", "gold", "silver", "registered"}
    assert set(partners["region"]) == {"North America", "EMEA", "APAC", "LATAM"}
    assert (partners.groupby("country")["region"].nunique() == 1).all()
    assert 140 <= len(partners) <= 160


def test_partners_join_in_cohorts_from_2019_to_2025(sample):
    years = sample["partners"]["onboarded_on"].dt.year.value_counts()
    assert years.index.min() == 2019 and years.index.max() == 2025
    assert (years.reindex([2022, 2023, 2024, 2025], fill_value=0) >= 5).all()


def test_a_few_partners_churn_and_have_no_deals_after_churning_or_before_joining(sample):
    partners = sample["partners"]
    churned = partners["churned_on"].notna()
    assert 0.03 <= churned.mean() <= 0.10
    assert (partners.loc[churned, "churned_on"] > partners.loc[churned, "onboarded_on"]).all()
    deals = sample["deals"].merge(partners, on="partner_id")
    assert not (deals["created_on"] < deals["onboarded_on"]).any()
    assert not (deals["created_on"] > deals["churned_on"]).any()
    assert not (deals["closed_on"] > deals["churned_on"]).any()


def test_top_20_percent_of_partners_bring_60_to_85_percent_of_won_partner_revenue(sample):
    revenue = _partner_revenue(sample).sort_values(ascending=False)
    top = int(np.ceil(0.2 * len(revenue)))
    assert 0.60 <= revenue.iloc[:top].sum() / revenue.sum() <= 0.85


def test_some_partners_never_activate(sample):
    inactive = ~sample["partners"]["partner_id"].isin(sample["deals"]["partner_id"])
    assert 0.05 <= inactive.mean() <= 0.15


def test_direct_deals_are_a_quarter_to_a_third_and_partner_deals_mostly_sourced(sample):
    share = sample["deals"]["attribution"].value_counts(normalize=True)
    assert 0.25 <= share["direct"] <= 0.35
    assert share["sourced"] > share["influenced"] > 0


def test_partner_deals_close_faster_than_direct_deals(sample):
    closed = sample["deals"].dropna(subset=["closed_on"])
    days = (closed["closed_on"] - closed["created_on"]).dt.days
    partner, direct = days[closed["partner_id"].notna()].median(), days[closed["partner_id"].isna()].median()
    assert 30 <= partner < direct <= 100


def test_win_rate_is_25_to_45_percent_and_varies_by_partner(sample):
    closed = sample["deals"][sample["deals"]["stage"] != "open"]
    won = closed["stage"] == "won"
    assert 0.25 <= won.mean() <= 0.45
    by_partner = won.groupby(closed["partner_id"]).agg(["mean", "size"])
    assert by_partner.loc[by_partner["size"] >= 30, "mean"].std() > 0.05


def test_distributors_sell_the_largest_deals(sample):
    deals = sample["deals"].merge(sample["partners"][["partner_id", "partner_type"]], on="partner_id")
    medians = deals.groupby("partner_type")["amount"].median()
    assert medians.idxmax() == "distributor"
    assert deals["amount"].quantile(0.99) > 5 * deals["amount"].median(), "deal sizes are heavy-tailed"


def test_better_tiers_bring_more_revenue(sample):
    revenue = _partner_revenue(sample)
    by_tier = revenue.groupby(sample["partners"].set_index("partner_id")["tier"]).median()
    assert list(by_tier.sort_values(ascending=False).index) == ["platinum", "gold", "silver", "registered"]


def test_revenue_targets_cover_every_enrolled_quarter_with_attainment_around_100_percent(sample):
    targets = sample["targets"]
    assert {"revenue", "deals_won", "certifications"} <= set(targets["kpi"])
    revenue = targets[targets["kpi"] == "revenue"]
    assert (revenue["period_start"].dt.is_quarter_start & revenue["period_end"].dt.is_quarter_end).all()
    assert (revenue["period_start"].dt.year.between(2023, 2025)).all()
    deals = sample["deals"]
    won = deals[(deals["stage"] == "won") & deals["partner_id"].notna()]
    actual = won.groupby(["partner_id", won["closed_on"].dt.to_period("Q")])["amount"].sum()
    key = pd.MultiIndex.from_arrays([revenue["partner_id"], revenue["period_start"].dt.to_period("Q")])
    attainment = actual.reindex(key, fill_value=0.0).to_numpy() / revenue["target"].to_numpy()
    assert 0.8 <= attainment.sum() / len(attainment) <= 1.5
    assert np.quantile(attainment, 0.25) < 1 < np.quantile(attainment, 0.9)


def test_engagement_is_monthly_and_goes_with_revenue(sample):
    engagement = sample["engagement"]
    assert engagement["occurred_on"].dt.is_month_start.all()
    assert set(engagement["activity"]) == {"prm_login", "training_completed", "certification", "asset_download",
                                           "qbr_attended", "webinar", "joint_campaign", "program_enrolment"}
    total = engagement.groupby("partner_id")["quantity"].sum().reindex(sample["partners"]["partner_id"], fill_value=0)
    assert 0.3 < _spearman(total, _partner_revenue(sample)) < 0.8


def test_partner_satisfaction_goes_with_revenue(sample):
    surveys = sample["surveys"]
    psat = surveys[surveys["survey"] == "psat"].groupby("partner_id")["score"].mean()
    assert 0.5 * len(sample["partners"]) < len(psat) < len(sample["partners"]), "not every partner answers"
    assert _spearman(psat, _partner_revenue(sample)) > 0.1
    assert surveys.loc[surveys["survey"] == "csat", "deal_id"].notna().all()
    assert surveys.loc[surveys["survey"] != "csat", "deal_id"].isna().all()
    assert surveys["comment"].notna().sum() > 20


def test_most_mdf_claims_stay_within_approval_and_roi_varies(sample):
    mdf = sample["mdf"]
    assert 100 <= len(mdf) <= 600
    assert (mdf["amount_claimed"] <= mdf["amount_approved"]).mean() > 0.9
    roi = mdf["attributed_revenue"] / mdf["amount_claimed"] - 1
    assert (roi < 0).any() and (roi > 1).any()


# -- scale ----------------------------------------------------------------------


def test_generating_2000_partners_scales():
    program = generate_sample(n_partners=2000, seed=1)
    assert len(program["partners"]) == 2000
    assert 60 <= len(program["deals"]) / 2000 <= 140
    assert program["deals"]["deal_id"].is_unique and program["partners"]["partner_name"].is_unique
