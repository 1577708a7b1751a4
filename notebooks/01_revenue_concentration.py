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
from IPython.display import Markdown, display
from matplotlib.ticker import PercentFormatter

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.explore import charts
from partner_analytics.labels import label
from partner_analytics.metrics import concentration, revenue
from partner_analytics.plots import revenue as revenue_plots

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None)
year = explore.trailing_year(facts)
display(Markdown(f"Data as of **{facts.as_of.date()}** · trailing {year} periods · {len(facts.partners)} partners"))

# %% [markdown]
# ## Filters
#
# Choose a period, partner type, region and tier: every section below is recomputed for the partners of that
# slice, over the trailing year ending at the chosen period. Slices with few partners give unstable numbers; the
# line under the filters says how many partners the slice holds. The links download the slice's partners with
# their revenue (formula-safe CSV or Excel).

# %%
panel = explore.FilterPanel(facts, period=period or None)


def partner_table(s):
    values = concentration.partner_revenue(s.facts, period=s.period, window=year)
    return explore.with_partner_details(concentration.pareto_curve(values), s.facts)


display(panel, panel.downloads(partner_table, "revenue_concentration"))

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
display(panel.section(lambda s: explore.styled(
    concentration.concentration_summary(s.facts, period=s.period, window=year).drop(columns="window_complete"))))

# %% [markdown]
# ## Pareto and Lorenz curves
#
# Left: partners ranked by revenue, largest first, with the cumulative share of revenue. The further left the
# line crosses 80 %, the fewer partners carry the channel. Right: the Lorenz curve sorts partners from smallest
# to largest; the larger the gap between the curve and the diagonal, the more unequal the revenue (the Gini is
# twice that area). Hover a bar or a point for the partner's name and revenue.

# %%
def curves(s):
    values = concentration.partner_revenue(s.facts, period=s.period, window=year)
    top = concentration.pareto_curve(values).head(pareto_partners)
    fig, axes = explore.figure(2, size=(13, 4.8))
    revenue_plots.plot_pareto(top, ax=axes[0])
    revenue_plots.plot_lorenz(concentration.lorenz_curve(values), gini=concentration.gini(values), ax=axes[1])
    chart = charts.pareto_chart(top, s.facts.partners) | charts.lorenz_chart(values, s.facts.partners)
    return [charts.Hover(chart, fig), f"Gini of the slice: **{concentration.gini(values):.2f}**"]


display(panel.section(curves))

# %% [markdown]
# ## Concentration over time
#
# Each point is computed on the trailing year ending at that period, so the lines move slowly and show the
# trend rather than quarterly noise (the first periods, whose window is not a full year yet, are left out).
# Rising Gini and top-10 % share mean the channel increasingly depends on its largest partners; a falling share
# of partners generating revenue means the tail is going quiet.

# %%
def trend(s):
    points = concentration.concentration_trend(s.facts, window=year).query("window_complete")
    fig, axes = explore.figure(3, size=(16, 4))
    points.plot(x="period", y="gini", marker="o", ax=axes[0], legend=False, ylim=(0, 1), xlabel="Period",
                ylabel=label("gini"), title="Gini coefficient (0 = equal, 1 = one partner)")
    shares = points.set_index("period")[["top_10pct_share", "share_generating_revenue"]]
    shares.rename(columns=label).plot(marker="o", ax=axes[1], ylim=(0, 1), xlabel="Period",
                                      title="Top 10 % share and share of partners with revenue")
    axes[1].yaxis.set_major_formatter(PercentFormatter(xmax=1))
    points.plot(x="period", y="hhi", marker="o", ax=axes[2], legend=False, xlabel="Period", ylabel=label("hhi"),
                title="Herfindahl-Hirschman index (0–10,000)")
    return fig


display(panel.section(trend))

# %% [markdown]
# ## Where the revenue comes from
#
# Partner revenue of the chosen period by partner type, tier and region, as a share of all partner revenue in
# the slice. Compare each bar with the number of partners in the tables: a group with a large share of revenue
# but few partners is where concentration risk sits.

# %%
def sources(s):
    fig, axes = explore.figure(3, size=(15, 4))
    for ax, by in zip(axes, revenue.GROUPINGS):
        revenue_plots.plot_revenue_by(revenue.revenue_by(s.facts, by=by, period=s.period), by=by, value="share", ax=ax)
    return [fig, *(explore.styled(revenue.revenue_by(s.facts, by=by, period=s.period)) for by in revenue.GROUPINGS)]


display(panel.section(sources))

# %% [markdown]
# The same split over time: one line per partner type. Diverging lines show which type drives growth.

# %%
def type_trend(s):
    fig, ax = explore.figure(size=(13, 4))
    revenue_plots.plot_revenue_trend(revenue.revenue_trend(s.facts, by="partner_type"), ax=ax)
    return fig


display(panel.section(type_trend))

# %% [markdown]
# ## What if the top partners left?
#
# Row *k* removes the *k* largest partners of the trailing year: the revenue lost, its share of partner revenue
# and what would remain. Read it as a stress test: if losing the top three partners costs more than a third of
# the channel, retention of those accounts deserves executive attention.

# %%
def at_risk(s):
    risk = concentration.revenue_at_risk(concentration.partner_revenue(s.facts, period=s.period, window=year), k=top_k)
    fig, ax = explore.figure(size=(9, 3.6))
    risk.plot.bar(x="top_k", y="share_lost", legend=False, ylim=(0, 1), rot=0, ax=ax, xlabel=label("top_k"),
                  ylabel="Share of partner revenue lost", title="Revenue at risk if the top k partners left")
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    return [explore.styled(risk), fig]


display(panel.section(at_risk))
