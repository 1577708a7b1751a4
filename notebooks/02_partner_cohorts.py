# ---
# jupyter:
#   jupytext:
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version,-jupytext.text_representation.format_version
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3 (ipykernel)
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
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.explore import charts
from partner_analytics.metrics import cohorts
from partner_analytics.plots import cohorts as cohort_plots
from partner_analytics.plots.formatting import money_formatter

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or explore.period_end(period, freq=freq))
display(Markdown(f"Cohorts as of **{facts.as_of.date()}** · deal history from **{facts.periods[0]}** · "
                 f"{len(facts.partners)} partners · cohorts by **{cohort_by}**"))

# %% [markdown]
# ## Filters
#
# Restrict every section below to one partner type, region or tier (cohorts are measured as of the date above;
# set the `period` parameter to measure them earlier). Small slices have few partners per cohort, so single cells
# can swing a lot. The links download the slice's cohort quality table.

# %%
panel = explore.FilterPanel(facts, periods=False)


def quality(s):
    return cohorts.cohort_quality(s.facts, by=cohort_by, horizon_periods=horizon_periods, within_days=within_days)


display(panel, panel.downloads(quality, "cohort_quality"))

# %% [markdown]
# ## Cohorts and activation
#
# One row per onboarding cohort: its size and how many partners won a first deal within the activation window.
# Only partners whose whole window is in the data count (*observable*); those onboarded too recently
# (*not yet observable*) or before the deal history (*before history*) are left out of the rate, so a young
# cohort is not penalised for time it has not had.

# %%
display(panel.section(lambda s: explore.styled(cohorts.activation(s.facts, by=cohort_by, within_days=within_days))))

# %% [markdown]
# ## Revenue retention by periods since onboarding
#
# Each row is a cohort, each column the number of periods (quarters, or months with `freq="M"`) since
# onboarding. A cell is the cohort's revenue in that period relative to its first full period with revenue
# (= 100 %). Values above 100 % mean partners grow into the programme; a row fading to pale means the cohort's
# revenue decays. Churned partners stay in with zero revenue, so churn shows up here as decay. Blank cells are
# not observed (before the deal history, after the as-of date, or only part of the cohort observed), never zero.
# Hover a cell for its cohort, period and value.

# %%
def heatmap(value):
    def draw(s):
        retention = cohorts.revenue_retention(s.facts, by=cohort_by)
        fig, ax = explore.figure(size=(14, 4.5))
        cohort_plots.plot_cohort_heatmap(retention, value=value, ax=ax)
        return charts.Hover(charts.heatmap_chart(retention, value=value), fig)
    return draw


display(panel.section(heatmap("retention")))

# %% [markdown]
# Revenue per partner of each cohort, in currency rather than relative to its start: this makes cohorts of
# different sizes and starting points comparable in absolute terms.

# %%
display(panel.section(heatmap("revenue_per_partner")))

# %% [markdown]
# ## Time to first deal (Kaplan–Meier)
#
# The curves show the share of partners who have won a first deal after a given number of days since
# onboarding. Partners who have not won yet are still counted until the as-of date (or until they churned)
# instead of being dropped, which is what the Kaplan–Meier estimate is for. A curve that rises faster means
# quicker activation; where it flattens is the share that may never activate without help.

# %%
def first_deal(s):
    fig, axes = explore.figure(2, size=(14, 4.5))
    cohort_plots.plot_time_to_first_deal(cohorts.time_to_first_deal(s.facts, by="cohort", cohort_by=cohort_by),
                                         ax=axes[0])
    cohort_plots.plot_time_to_first_deal(cohorts.time_to_first_deal(s.facts, by="partner_type"), ax=axes[1])
    axes[1].set_title("Time to first deal by partner type (Kaplan–Meier)")
    return fig


display(panel.section(first_deal))

# %% [markdown]
# The median number of days to a first won deal, per cohort and per partner type. It is blank when fewer than
# half of the group have won a deal so far.

# %%
display(panel.section(lambda s: [
    explore.styled(cohorts.median_time_to_first_deal(s.facts, by="cohort", cohort_by=cohort_by), precision=0),
    explore.styled(cohorts.median_time_to_first_deal(s.facts, by="partner_type"), precision=0)]))

# %% [markdown]
# ## Churn by cohort
#
# The share of each cohort that has left the programme by the as-of date. Older cohorts had more time to churn,
# so compare neighbouring cohorts, and read the median months to churn: a young cohort already losing partners
# after a few months points at onboarding or partner selection.

# %%
def churn(s):
    table = cohorts.churn_by_cohort(s.facts, by=cohort_by)
    fig, ax = explore.figure(size=(10, 3.8))
    cohort_plots.plot_churn_by_cohort(table, ax=ax)
    return [fig, explore.styled(table, precision=1)]


display(panel.section(churn))

# %% [markdown]
# ## Is cohort quality improving?
#
# Cohorts compared on equal footing: revenue per partner over their first periods since onboarding (blank when
# the cohort has not been observed that long yet), the activation rate and the churn rate. Better recent
# cohorts mean recruiting and onboarding are working; worse ones mean the programme is adding partners that do
# not sell.

# %%
def quality_chart(s):
    table = quality(s)
    fig, ax = explore.figure(size=(10, 3.8))
    table.plot.bar(x="cohort", y="horizon_revenue_per_partner", legend=False, rot=0, ax=ax, xlabel="Onboarding cohort",
                   ylabel="Revenue per partner", title=f"Revenue per partner in the first {horizon_periods} periods")
    ax.yaxis.set_major_formatter(money_formatter())
    return [explore.styled(table), fig]


display(panel.section(quality_chart))
