# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# Partner cohorts (internal). Headless: papermill 02_partner_cohorts.ipynb out.ipynb -p cohort_by quarter
source: str = "sample"  # data source: a folder, workbook, DuckDB file, database URL or "sample"
period: str = ""  # measure cohorts as of the end of this period, e.g. "2024Q4"; empty means as of the latest data
freq: str = "Q"  # period grain of "periods since onboarding": "Q" (quarters) or "M" (months)
as_of: str = ""  # last day counted, YYYY-MM-DD, overrides period; empty means the end of period
cohort_by: str = "year"  # onboarding cohort grain: "month", "quarter" or "year"
within_days: int = 180  # a partner is "activated" by a first won deal within this many days of onboarding
horizon_periods: int = 4  # cohort quality compares revenue over the first this-many periods since onboarding

# %% [markdown]
# # 02 · Partner cohorts
#
# Partners onboarded in the same year (or quarter) form a **cohort**. Following cohorts answers: do new partners
# start selling, how fast, do they keep selling, how many leave, and are recent cohorts better or worse than
# older ones? Deal history starts with the first deal in the data, so partners onboarded before it cannot be
# followed from day one: their cells stay blank rather than pretending to be zero.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.metrics import cohorts
from partner_analytics.plots import cohorts as cohort_plots

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or explore.period_end(period, freq=freq))
display(Markdown(f"Cohorts as of **{facts.as_of.date()}** · deal history from **{facts.periods[0]}** · "
                 f"{len(facts.partners)} partners · cohorts by **{cohort_by}**"))

# %% [markdown]
# ## Cohorts and activation
#
# One row per onboarding cohort: its size and how many partners won a first deal within the activation window.
# Only partners whose whole window is in the data count (`observable`); those onboarded too recently
# (`not_yet_observable`) or before the deal history (`before_history`) are left out of the rate, so a young
# cohort is not penalised for time it has not had.

# %%
display(explore.styled(cohorts.activation(facts, by=cohort_by, within_days=within_days)))

# %% [markdown]
# ## Revenue retention by periods since onboarding
#
# Each row is a cohort, each column the number of periods (quarters, or months with `freq="M"`) since
# onboarding. A cell is the cohort's revenue in that period relative to its first full period with revenue
# (= 100 %). Values above 100 % mean partners grow into the programme; a row fading to pale means the cohort's
# revenue decays. Churned partners stay in with zero revenue, so churn shows up here as decay. Blank cells are
# not observed (before the deal history, after the as-of date, or only part of the cohort observed), never zero.

# %%
fig, ax = plt.subplots(figsize=(14, 4.5), constrained_layout=True)
cohort_plots.plot_cohort_heatmap(cohorts.revenue_retention(facts, by=cohort_by), ax=ax)
plt.show()

# %% [markdown]
# Revenue per partner of each cohort, in currency rather than relative to its start: this makes cohorts of
# different sizes and starting points comparable in absolute terms.

# %%
fig, ax = plt.subplots(figsize=(14, 4.5), constrained_layout=True)
cohort_plots.plot_cohort_heatmap(cohorts.revenue_retention(facts, by=cohort_by), value="revenue_per_partner", ax=ax)
plt.show()

# %% [markdown]
# ## Time to first deal (Kaplan–Meier)
#
# The curves show the share of partners who have won a first deal after a given number of days since
# onboarding. Partners who have not won yet are still counted until the as-of date (or until they churned)
# instead of being dropped, which is what the Kaplan–Meier estimate is for. A curve that rises faster means
# quicker activation; where it flattens is the share that may never activate without help.

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 4.5), constrained_layout=True)
cohort_plots.plot_time_to_first_deal(cohorts.time_to_first_deal(facts, by="cohort", cohort_by=cohort_by), ax=axes[0])
cohort_plots.plot_time_to_first_deal(cohorts.time_to_first_deal(facts, by="partner_type"), ax=axes[1])
axes[1].set_title("Time to first deal by partner type (Kaplan–Meier)")
plt.show()

# %% [markdown]
# The median number of days to a first won deal, per cohort and per partner type. It is blank when fewer than
# half of the group have won a deal so far.

# %%
display(explore.styled(cohorts.median_time_to_first_deal(facts, by="cohort", cohort_by=cohort_by), precision=0))
display(explore.styled(cohorts.median_time_to_first_deal(facts, by="partner_type"), precision=0))

# %% [markdown]
# ## Churn by cohort
#
# The share of each cohort that has left the programme by the as-of date. Older cohorts had more time to churn,
# so compare neighbouring cohorts, and read the median months to churn: a young cohort already losing partners
# after a few months points at onboarding or partner selection.

# %%
churn = cohorts.churn_by_cohort(facts, by=cohort_by)
cohort_plots.plot_churn_by_cohort(churn)
plt.show()
display(explore.styled(churn, precision=1))

# %% [markdown]
# ## Is cohort quality improving?
#
# Cohorts compared on equal footing: revenue per partner over their first periods since onboarding (blank when
# the cohort has not been observed that long yet), the activation rate and the churn rate. Better recent
# cohorts mean recruiting and onboarding are working; worse ones mean the programme is adding partners that do
# not sell.

# %%
quality = cohorts.cohort_quality(facts, by=cohort_by, horizon_periods=horizon_periods, within_days=within_days)
display(explore.styled(quality))
quality.plot.bar(x="cohort", y="horizon_revenue_per_partner", legend=False, xlabel="Onboarding cohort",
                 title=f"Revenue per partner in the first {horizon_periods} periods since onboarding")
plt.show()

# %% [markdown]
# ## Explore a slice
#
# Restrict the cohorts to one partner type or region and choose what the heatmap shows. Small slices have few
# partners per cohort, so single cells can swing a lot. Headless runs show the first choice only.

# %%
def show_slice(partner_type, region, value):
    part = explore.subset_facts(facts, partner_type=partner_type, region=region)
    fig, axes = plt.subplots(2, 1, figsize=(14, 9), constrained_layout=True)
    cohort_plots.plot_cohort_heatmap(cohorts.revenue_retention(part, by=cohort_by), value=value, ax=axes[0])
    cohort_plots.plot_time_to_first_deal(cohorts.time_to_first_deal(part, by="cohort", cohort_by=cohort_by), ax=axes[1])
    plt.show()
    display(explore.styled(cohorts.cohort_quality(part, by=cohort_by, horizon_periods=horizon_periods)))


widgets.interact(
    show_slice,
    partner_type=widgets.Dropdown(options=explore.choices(facts, "partner_type"), description="Partner type"),
    region=widgets.Dropdown(options=explore.choices(facts, "region"), description="Region"),
    value=widgets.Dropdown(options=["retention", "revenue_per_partner", "active_partners"], description="Show"),
);
