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
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.labels import label
from partner_analytics.metrics import deals, engagement, targets
from partner_analytics.plots import deals as deal_plots
from partner_analytics.plots import engagement as engagement_plots
from partner_analytics.render.wording import unavailable

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None, windows=(1, periods) if periods else None)
periods = periods or explore.trailing_year(facts)
display(Markdown(f"Window: the **{periods} periods ending at the chosen period** (data as of {facts.as_of.date()}) "
                 f"· {facts.channel_periods[['won_deals', 'lost_deals']].to_numpy().sum():,.0f} deals closed since {facts.periods[0]}"))

# %% [markdown]
# ## Filters
#
# Choose the last period of the window and a partner type, region or tier: partner deals, targets and engagement
# below are those of the slice; direct deals (no partner) always stay in, so partner-versus-direct comparisons
# keep working. The links download the slice's win rates by partner type.

# %%
panel = explore.FilterPanel(facts, period=period or None)
display(panel, panel.downloads(lambda s: deals.win_rates(s.facts, by="partner_type", period=s.period,
                                                          periods=periods), "win_rates"))

# %% [markdown]
# ## Win rate: partner versus direct
#
# Won deals as a share of deals closed (won + lost), with 95 % confidence intervals: where two intervals do not
# overlap, the difference is unlikely to be chance. Left: partner against direct deals; middle: by attribution
# (a partner who *sourced* the deal versus one who *influenced* it); right: partner deals by partner type. The
# table adds the win rate **by value** (won amount / closed amount): if it is much lower than the count-based
# rate, partners win the small deals and lose the large ones.

# %%
WIN_RATE_TABLE = {"percent": ["ci_low", "ci_high", "win_rate_value"], "bars": (),
                  "headers": {"n": "Deals closed", "ci_low": "95 % CI low", "ci_high": "95 % CI high",
                              "win_rate_value": "Win rate by value"}}


def win_rates(s):
    fig, axes = explore.figure(3, size=(16, 4.2))
    for ax, by in zip(axes, ["channel", "attribution", "partner_type"]):
        deal_plots.plot_win_rate(deals.win_rates(s.facts, by=by, period=s.period, periods=periods), ax=ax)
        ax.set_title(f"Win rate by {label(by).lower()} (95 % Wilson interval)")
    return [fig, explore.styled(deals.win_rates(s.facts, by="channel", period=s.period, periods=periods),
                                **WIN_RATE_TABLE)]


display(panel.section(win_rates))

# %% [markdown]
# ## Deal size over time
#
# The median size of deals won in each period, partner against direct (the median is not thrown off by a few
# very large deals). Partner deals are often smaller; a widening gap suggests partners are pushed to the low
# end of the market.

# %%
def deal_size(s):
    if not explore.has_deal_distributions(s.facts):
        return explore.NO_DEAL_DISTRIBUTIONS
    fig, axes = explore.figure(2, size=(14, 4.2))
    deal_plots.plot_deal_size_trend(deals.deal_size_trend(s.facts, by="channel"), ax=axes[0])
    deal_plots.plot_deal_size_trend(deals.deal_size_trend(s.facts, by="partner_type"), ax=axes[1])
    return fig


display(panel.section(deal_size))

# %% [markdown]
# ## Time to close: partner versus direct
#
# Median days from creation to close over deals **won** in the window; the bars span the middle half of deals
# (25th to 75th percentile). A shorter partner cycle is part of the channel's value: the same revenue arrives
# sooner.

# %%
DAYS_TABLE = {"units": dict.fromkeys(["mean", "median", "p25", "p75"], "days"), "bars": (),
              "headers": {"n": "Deals won", "p25": "25th percentile", "p75": "75th percentile"}}


def time_to_close(s):
    if not explore.has_deal_distributions(s.facts):
        return explore.NO_DEAL_DISTRIBUTIONS
    fig, axes = explore.figure(2, size=(14, 4.2))
    for ax, by in zip(axes, ["channel", "partner_type"]):
        deal_plots.plot_time_to_close(deals.time_to_close(s.facts, by=by, period=s.period, periods=periods), ax=ax)
    return [fig, explore.styled(deals.time_to_close(s.facts, by="channel", period=s.period, periods=periods),
                                **DAYS_TABLE)]


display(panel.section(time_to_close))

# %% [markdown]
# ## Target attainment
#
# Revenue of the slice against the sum of its partners' revenue targets in each period (bars), and attainment
# as a share of target (line; the dashed line is 100 %). Empty when the data has no targets.

# %%
def attainment(s):
    fig, ax = explore.figure(size=(12, 4))
    deal_plots.plot_attainment(targets.attainment_trend(s.facts, kpi="revenue"), ax=ax)
    return fig


display(panel.section(attainment))

# %% [markdown]
# ## Engagement funnel
#
# Of the partners enrolled in the window: how many logged in to the portal, then also completed training, then
# also got certified, then also won a deal. The biggest drop between two stages is where enablement effort pays
# off most.

# %%
def funnel(s):
    table = engagement.engagement_funnel(s.facts, period=s.period, periods=periods)
    fig, ax = explore.figure(size=(10, 4))
    engagement_plots.plot_engagement_funnel(table, ax=ax)
    return [fig, explore.styled(table)]


display(panel.section(funnel))

# %% [markdown]
# ## Which activities go with revenue?
#
# Left: how many enrolled partners did each activity at least once in the window. Right and table: the rank
# correlation (Spearman `rho`) between how much of an activity a partner did and its revenue in the same window,
# with p-values corrected for testing every activity at once. A positive, significant `rho` means partners who do
# more of it also sell more; it does not prove the activity causes the revenue (large partners simply do more of
# everything), but it tells where to look.

# %%
def activities(s):
    if "engagement" not in s.facts.available:
        return f"**{unavailable('engagement')}**"
    association = explore.adjust_p_values(
        engagement.engagement_revenue_association(s.facts, period=s.period, periods=periods), alpha=alpha)
    fig, axes = explore.figure(2, size=(14, 4.2))
    engagement_plots.plot_activity_rates(engagement.activity_rates(s.facts, period=s.period, periods=periods),
                                         ax=axes[0])
    association.sort_values("rho").assign(activity=lambda t: t["activity"].map(label)).plot.barh(
        x="activity", y="rho", ax=axes[1], legend=False, xlim=(-1, 1),
                                              xlabel="Spearman correlation with revenue", ylabel="",
                                              title="Spearman correlation of activity with revenue")
    return [fig, explore.styled(association, bars=(), headers={"rho": "Spearman rho"})]


display(panel.section(activities))
