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
# Program overview (internal, for leadership). Render with `partner-analytics render`; run by hand to preview.
context_path: str = ""  # context saved by the renderer, empty means build one from the settings below
source: str = "sample"  # data source when no context is given: folder, workbook or "sample"
params_path: str = ""  # programme parameters YAML, empty means the packaged defaults
period: str = ""  # reporting period such as "2025Q4", empty means the latest period in the data

# %%
import matplotlib.pyplot as plt

from partner_analytics.plots import cohorts as cohort_plots
from partner_analytics.plots import deals as deal_plots
from partner_analytics.plots import engagement as engagement_plots
from partner_analytics.plots import revenue as revenue_plots
from partner_analytics.plots import scorecard as scorecard_plots
from partner_analytics.render import blocks
from partner_analytics.render.figures import use_report_figures
from partner_analytics.render.context import open_context
from partner_analytics.render.overview_view import overview_view
from partner_analytics.render.wording import unavailable

use_report_figures()  # charts as compact inline SVG, a desktop and a phone rendition
context = open_context(context_path, source=source, params_path=params_path, period=period)
view = overview_view(context)
blocks.header("Partner program overview", {"Period": view.period, "Data as of": view.as_of.date(),
                                            "Partners enrolled": view.enrolled})

# %% [markdown]
# ## What to do next
# Program-level findings, most important first.

# %%
blocks.insights(view.insights)

# %% [markdown]
# ## Channel revenue
# Revenue won through partners (sourced and influenced) next to direct revenue, and the channel's share of the total.

# %%
display(blocks.tiles(view.tiles))
fig, axes = plt.subplots(2, 1, figsize=(9, 7), constrained_layout=True)
revenue_plots.plot_revenue_trend(view.revenue_trend, ax=axes[0])
revenue_plots.plot_channel_share(view.channel, ax=axes[1])
plt.show()

# %% [markdown]
# ## Revenue concentration
# How evenly revenue is spread over partners (last four quarters). A Gini of 0 means every partner brings the same
# revenue, 1 means one partner brings everything.

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
revenue_plots.plot_lorenz(view.lorenz, gini=view.concentration["gini"], ax=axes[0])
revenue_plots.plot_pareto(view.pareto, ax=axes[1])
plt.show()
display(blocks.table(view.concentration_trend, columns={"period": "Period", "gini": "Gini", "hhi": "HHI",
                                                        "top_10pct_share": "Top 10 % share",
                                                        "share_generating_revenue": "Partners with revenue"},
                     formats={"gini": "{:.2f}".format, "hhi": "{:,.0f}".format, "top_10pct_share": "{:.0%}".format,
                              "share_generating_revenue": "{:.0%}".format}))
blocks.table(view.revenue_at_risk, columns={"top_k": "If the top k left", "revenue_lost": "Revenue lost",
                                            "share_lost": "Share of partner revenue"},
             formats={"revenue_lost": blocks.money, "share_lost": "{:.0%}".format})

# %% [markdown]
# ## Revenue by partner type, tier and region

# %%
fig, axes = plt.subplots(1, 3, figsize=(12, 4), constrained_layout=True)
for ax, (by, frame) in zip(axes, view.revenue_by.items()):
    revenue_plots.plot_revenue_by(frame, by=by, ax=ax)
plt.show()

# %% [markdown]
# ## Deals: win rate and time to close
# Partner deals against direct deals over the last four quarters (won deals for time to close).

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
deal_plots.plot_win_rate(view.win_rates, ax=axes[0])
deal_plots.plot_time_to_close(view.time_to_close, ax=axes[1])
plt.show()

# %% [markdown]
# ## Onboarding cohorts
# Revenue of each onboarding cohort by quarters since onboarding, indexed to its first full quarter with revenue,
# and how fast new partners win their first deal.

# %%
fig, axes = plt.subplots(2, 1, figsize=(10, 9), constrained_layout=True)
cohort_plots.plot_cohort_heatmap(view.retention, ax=axes[0])
cohort_plots.plot_time_to_first_deal(view.time_to_first_deal, ax=axes[1])
plt.show()

# %% [markdown]
# ## Satisfaction and performance
# Do satisfied, engaged partners sell more? Correlations across partners with their sample size; "significant" means
# the Benjamini–Hochberg corrected p-value is below 0.05.

# %%
if view.correlations is None:
    display(blocks.note(unavailable("surveys")))
else:
    engagement_plots.plot_correlation_matrix(view.correlations)
    plt.show()
    display(blocks.bullet_list(view.correlation_sentences))

# %% [markdown]
# ## Partners to reward
# The strongest partners by scorecard composite this period.

# %%
blocks.table(view.top_performers, columns={"partner_name": "Partner", "partner_type": "Type", "tier": "Tier",
                                           "composite": "Composite", "revenue": "Revenue"},
             formats={"composite": "{:.0f}".format, "revenue": blocks.money})

# %% [markdown]
# ## Partners to support
# Partners below their revenue target (or forecast to miss it), largest gap first.

# %%
blocks.table(view.at_risk, columns={"partner_name": "Partner", "partner_type": "Type", "target": "Target",
                                    "actual": "Actual", "attainment": "Attainment"},
             formats={"target": blocks.money, "actual": blocks.money, "attainment": "{:.0%}".format})

# %% [markdown]
# ## Tiers

# %%
fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
scorecard_plots.plot_tier_distribution(view.tier_distribution, ax=axes[0])
scorecard_plots.plot_composite_distribution(view.scorecard, ax=axes[1])
plt.show()

# %% [markdown]
# ## Market development funds (MDF)
# Utilisation (claimed / approved) and return ((attributed revenue − spend) / spend) over the last four quarters.

# %%
if view.mdf is None:
    display(blocks.note(unavailable("mdf")))
else:
    display(blocks.table(view.mdf, columns={"partner_type": "Partner type", "approved": "Approved",
                                            "claimed": "Claimed", "utilisation": "Utilisation", "roi": "ROI"},
                         formats={"approved": blocks.money, "claimed": blocks.money,
                                  "utilisation": "{:.0%}".format, "roi": "{:.0%}".format}))
    cohort_plots.plot_mdf_roi(view.mdf)
    plt.show()
