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
# Revenue concentration (internal). Headless: papermill 01_revenue_concentration.ipynb out.ipynb -p period 2025Q3
source: str = "sample"  # data source: a folder, workbook, DuckDB file, database URL or "sample"
period: str = ""  # reporting period such as "2025Q4"; empty means the latest period in the data
freq: str = "Q"  # period grain: "Q" (quarters) or "M" (months)
as_of: str = ""  # last day counted, YYYY-MM-DD; empty means the latest date in the data
top_k: int = 10  # "what if the top k partners left": the largest number of partners removed
pareto_partners: int = 30  # partners shown as bars in the Pareto chart (the largest first)

# %% [markdown]
# # 01 · Revenue concentration
#
# How much does the channel depend on a few partners? This notebook measures how evenly partner revenue is
# spread, how that changed over time, where revenue comes from (partner type, tier, region) and how much would
# be lost if the largest partners left. Revenue is **won partner revenue** (sourced + influenced) over the
# trailing year ending at the reporting period, unless a chart says otherwise.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.metrics import concentration, revenue
from partner_analytics.plots import revenue as revenue_plots

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None)
period = str(pd.Period(period or facts.period, freq=facts.freq))
year = explore.trailing_year(facts)
values = concentration.partner_revenue(facts, period=period, window=year)
display(Markdown(f"Data as of **{facts.as_of.date()}** · period **{period}** · trailing {year} periods · "
                 f"{len(values)} partners enrolled or with revenue in the window"))

# %% [markdown]
# ## The headline numbers
#
# * **Gini** (0 to 1): 0 means every partner brings the same revenue, close to 1 means one partner brings
#   almost everything. Channel programmes commonly sit between 0.6 and 0.9.
# * **HHI** (0 to 10,000): the sum of squared revenue shares; above 2,500 is usually called highly concentrated.
# * **Top 10 % share**: the share of revenue brought by the largest tenth of partners.
# * **Share generating revenue**: how many partners sold anything at all in the window. A low value means a long
#   tail of inactive partners, which is an enablement question rather than a concentration one.

# %%
display(explore.styled(concentration.concentration_summary(facts, period=period, window=year)))

# %% [markdown]
# ## Pareto and Lorenz curves
#
# Left: partners ranked by revenue, largest first, with the cumulative share of revenue (the dotted line marks
# 80 %). The further left the line crosses 80 %, the fewer partners carry the channel. Right: the Lorenz curve
# sorts partners from smallest to largest; the larger the gap between the curve and the diagonal, the more
# unequal the revenue (the Gini is twice that area).

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), constrained_layout=True)
revenue_plots.plot_pareto(concentration.pareto_curve(values).head(pareto_partners), ax=axes[0])
revenue_plots.plot_lorenz(concentration.lorenz_curve(values), gini=concentration.gini(values), ax=axes[1])
plt.show()

# %% [markdown]
# ## Concentration over time
#
# Each point is computed on the trailing year ending at that period, so the lines move slowly and show the
# trend rather than quarterly noise (the first periods, whose window is not a full year yet, are left out).
# Rising Gini and top-10 % share mean the channel increasingly depends on its largest partners; a falling share
# of partners generating revenue means the tail is going quiet.

# %%
trend = concentration.concentration_trend(facts, window=year).query("window_complete")
fig, axes = plt.subplots(1, 2, figsize=(13, 4), constrained_layout=True)
trend.plot(x="period", y=["gini", "top_10pct_share", "share_generating_revenue"], marker="o", ax=axes[0],
           ylim=(0, 1), title="Gini, top 10 % share and share of partners generating revenue")
trend.plot(x="period", y="hhi", marker="o", ax=axes[1], legend=False, title="HHI (0-10,000)")
plt.show()

# %% [markdown]
# ## Where the revenue comes from
#
# Partner revenue of the reporting period by partner type, tier and region, as a share of all partner revenue.
# Compare each bar with the number of partners in the table below: a group with a large share of revenue but few
# partners is where concentration risk sits.

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 4), constrained_layout=True)
for ax, by in zip(axes, revenue.GROUPINGS):
    revenue_plots.plot_revenue_by(revenue.revenue_by(facts, by=by, period=period), by=by, value="share", ax=ax)
plt.show()
for by in revenue.GROUPINGS:
    display(explore.styled(revenue.revenue_by(facts, by=by, period=period)))

# %% [markdown]
# The same split over time: one line per partner type. Diverging lines show which type drives growth.

# %%
revenue_plots.plot_revenue_trend(revenue.revenue_trend(facts, by="partner_type"))
plt.show()

# %% [markdown]
# ## What if the top partners left?
#
# Row *k* removes the *k* largest partners of the trailing year: the revenue lost, its share of partner revenue
# and what would remain. Read it as a stress test: if losing the top three partners costs more than a third of
# the channel, retention of those accounts deserves executive attention.

# %%
risk = concentration.revenue_at_risk(values, k=top_k)
display(explore.styled(risk))
risk.plot.bar(x="top_k", y="share_lost", legend=False, ylim=(0, 1), xlabel="Top partners removed",
              ylabel="Share of partner revenue lost", title="Revenue at risk if the top k partners left")
plt.show()

# %% [markdown]
# ## Explore a slice
#
# Choose a period, a partner type and a region: the headline numbers and both curves are recomputed for the
# partners of that slice (trailing year ending at the chosen period). When the notebook runs headless, this
# shows the first choice only. Slices with few partners give unstable numbers: check the `partners` column.

# %%
def show_slice(period, partner_type, region):
    part = explore.subset_facts(facts, partner_type=partner_type, region=region)
    part_values = concentration.partner_revenue(part, period=period, window=year)
    display(explore.styled(concentration.concentration_summary(part, period=period, window=year)))
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.8), constrained_layout=True)
    revenue_plots.plot_pareto(concentration.pareto_curve(part_values).head(pareto_partners), ax=axes[0])
    revenue_plots.plot_lorenz(concentration.lorenz_curve(part_values), gini=concentration.gini(part_values), ax=axes[1])
    plt.show()


widgets.interact(
    show_slice,
    period=widgets.Dropdown(options=explore.period_choices(facts), value=period, description="Period"),
    partner_type=widgets.Dropdown(options=explore.choices(facts, "partner_type"), description="Partner type"),
    region=widgets.Dropdown(options=explore.choices(facts, "region"), description="Region"),
);
