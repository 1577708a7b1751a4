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
# Deals and engagement (internal). Headless: papermill 04_deals_and_engagement.ipynb out.ipynb -p period 2025Q2
source: str = "sample"  # data source: a folder, workbook, DuckDB file, database URL or "sample"
period: str = ""  # last period of the window, e.g. "2025Q4"; empty means the latest period in the data
freq: str = "Q"  # period grain: "Q" (quarters) or "M" (months)
as_of: str = ""  # last day counted, YYYY-MM-DD; empty means the latest date in the data
periods: int = 0  # window length in periods; 0 means one year (4 quarters or 12 months)
alpha: float = 0.05  # significance level for the engagement-revenue associations (Benjamini-Hochberg)

# %% [markdown]
# # 04 · Deals and engagement
#
# How well do partners sell, compared with the direct sales team, and which partner activities go together with
# revenue? Deal figures count deals **closed** in the window (won or lost); "partner" means sourced or
# influenced by a partner, "direct" means no partner was involved.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.metrics import deals, engagement, targets
from partner_analytics.plots import deals as deal_plots
from partner_analytics.plots import engagement as engagement_plots
from partner_analytics.render.wording import unavailable

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None, windows=(1, periods) if periods else None)
period = str(pd.Period(period or facts.period, freq=facts.freq))
periods = periods or explore.trailing_year(facts)
display(Markdown(f"Window: the **{periods} periods ending {period}** (data as of {facts.as_of.date()}) · "
                 f"{facts.channel_periods[['won_deals', 'lost_deals']].to_numpy().sum():.0f} deals closed since {facts.periods[0]}"))

# %% [markdown]
# ## Win rate: partner versus direct
#
# Won deals as a share of deals closed (won + lost), with 95 % confidence intervals: where two intervals do not
# overlap, the difference is unlikely to be chance. Left: partner against direct deals; middle: by attribution
# (a partner who *sourced* the deal versus one who *influenced* it); right: partner deals by partner type. The
# table adds the win rate **by value** (won amount / closed amount): if it is much lower than the count-based
# rate, partners win the small deals and lose the large ones.

# %%
fig, axes = plt.subplots(1, 3, figsize=(16, 4), constrained_layout=True)
for ax, by in zip(axes, ["channel", "attribution", "partner_type"]):
    deal_plots.plot_win_rate(deals.win_rates(facts, by=by, period=period, periods=periods), ax=ax)
    ax.set_title(f"Win rate by {by.replace('_', ' ')} (95 % Wilson interval)")
plt.show()
display(explore.styled(deals.win_rates(facts, by="channel", period=period, periods=periods), precision=0))

# %% [markdown]
# ## Deal size over time
#
# The median size of deals won in each period, partner against direct (the median is not thrown off by a few
# very large deals). Partner deals are often smaller; a widening gap suggests partners are pushed to the low
# end of the market.

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 4), constrained_layout=True)
deal_plots.plot_deal_size_trend(deals.deal_size_trend(facts, by="channel"), ax=axes[0])
deal_plots.plot_deal_size_trend(deals.deal_size_trend(facts, by="partner_type"), ax=axes[1])
plt.show()

# %% [markdown]
# ## Time to close: partner versus direct
#
# Median days from creation to close over deals **won** in the window; the bars span the middle half of deals
# (25th to 75th percentile). A shorter partner cycle is part of the channel's value: the same revenue arrives
# sooner.

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 4), constrained_layout=True)
deal_plots.plot_time_to_close(deals.time_to_close(facts, by="channel", period=period, periods=periods), ax=axes[0])
deal_plots.plot_time_to_close(deals.time_to_close(facts, by="partner_type", period=period, periods=periods), ax=axes[1])
plt.show()
display(explore.styled(deals.time_to_close(facts, by="channel", period=period, periods=periods), precision=0))

# %% [markdown]
# ## Target attainment
#
# Programme-wide revenue against the sum of partners' revenue targets in each period (bars), and attainment as a
# share of target (line; the dashed line is 100 %). Empty when the data has no targets.

# %%
deal_plots.plot_attainment(targets.attainment_trend(facts, kpi="revenue"))
plt.show()

# %% [markdown]
# ## Engagement funnel
#
# Of the partners enrolled in the window: how many logged in to the portal, then also completed training, then
# also got certified, then also won a deal. The biggest drop between two stages is where enablement effort pays
# off most.

# %%
funnel = engagement.engagement_funnel(facts, period=period, periods=periods)
engagement_plots.plot_engagement_funnel(funnel)
plt.show()
display(explore.styled(funnel, precision=0))

# %% [markdown]
# ## Which activities go with revenue?
#
# Left: how many enrolled partners did each activity at least once in the window. Right and table: the rank
# correlation (Spearman `rho`) between how much of an activity a partner did and its revenue in the same window,
# with p-values corrected for testing every activity at once. A positive, significant `rho` means partners who do
# more of it also sell more; it does not prove the activity causes the revenue (large partners simply do more of
# everything), but it tells where to look.

# %%
if "engagement" not in facts.available:
    display(Markdown(f"**{unavailable('engagement')}**"))
else:
    association = explore.adjust_p_values(
        engagement.engagement_revenue_association(facts, period=period, periods=periods), alpha=alpha)
    fig, axes = plt.subplots(1, 2, figsize=(14, 4), constrained_layout=True)
    engagement_plots.plot_activity_rates(engagement.activity_rates(facts, period=period, periods=periods), ax=axes[0])
    association.sort_values("rho").plot.barh(x="activity", y="rho", ax=axes[1], legend=False, xlim=(-1, 1),
                                              title="Spearman correlation of activity with revenue")
    plt.show()
    display(explore.styled(association))

# %% [markdown]
# ## Explore a slice
#
# Choose a period and a partner type: win rate and time to close of that type's deals against direct deals, and
# the type's engagement funnel (same window length). Headless runs show the first choice only.

# %%
def show_slice(period, partner_type):
    part = explore.subset_facts(facts, partner_type=partner_type)
    fig, axes = plt.subplots(1, 3, figsize=(17, 4), constrained_layout=True)
    deal_plots.plot_win_rate(deals.win_rates(part, by="channel", period=period, periods=periods), ax=axes[0])
    deal_plots.plot_time_to_close(deals.time_to_close(part, by="channel", period=period, periods=periods), ax=axes[1])
    funnel = engagement.engagement_funnel(part, period=period, periods=periods)
    engagement_plots.plot_engagement_funnel(funnel, ax=axes[2])
    plt.show()


widgets.interact(
    show_slice,
    period=widgets.Dropdown(options=explore.period_choices(facts), value=period, description="Period"),
    partner_type=widgets.Dropdown(options=explore.choices(facts, "partner_type"), description="Partner type"),
);
