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
# Satisfaction correlations (internal). Headless: papermill 03_satisfaction_correlations.ipynb out.ipynb -p alpha 0.01
source: str = "sample"  # data source: a folder, workbook, DuckDB file, database URL or "sample"
period: str = ""  # last period of the window, e.g. "2025Q4"; empty means the latest period in the data
freq: str = "Q"  # period grain: "Q" (quarters) or "M" (months)
as_of: str = ""  # last day counted, YYYY-MM-DD; empty means the latest date in the data
periods: int = 0  # window length in periods; 0 means one year (4 quarters or 12 months)
method: str = "spearman"  # correlation shown and described: "spearman" (ranks) or "pearson" (linear)
alpha: float = 0.05  # significance level after the Benjamini-Hochberg correction; CIs are at 1 - alpha
comments: int = 10  # number of lowest-scoring verbatim comments shown

# %% [markdown]
# # 03 · Satisfaction and performance
#
# Do satisfied, engaged partners sell more? This notebook sets partner satisfaction (**PSAT**), partner **NPS**,
# end-customer satisfaction (**CSAT**) and the **engagement index** against revenue, revenue growth and win
# rate, partner by partner, over one window. It shows every pair as a scatter plot, a correlation matrix with
# confidence intervals and p-values corrected for testing many pairs at once, the sample size behind each number,
# the verbatims of the least satisfied respondents, and a plain-language conclusion.

# %%
import itertools

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.metrics import satisfaction
from partner_analytics.plots import engagement as engagement_plots

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None)
period = str(pd.Period(period or facts.period, freq=facts.freq))
periods = periods or explore.trailing_year(facts)
table = explore.satisfaction_table(facts, period=period, periods=periods)
corr = satisfaction.satisfaction_correlations(facts, period=period, periods=periods, alpha=alpha)
display(Markdown(f"Window: the **{periods} periods ending {period}** (data as of {facts.as_of.date()}) · "
                 f"**{len(table)} partners** enrolled in the window · surveys available: "
                 f"**{'yes' if 'surveys' in facts.available else 'no'}**"))

# %% [markdown]
# ## Scores and sample sizes
#
# The programme's scores over the window, then per partner type, with the number of responses behind each.
# PSAT and CSAT are mean scores as a share of the scale maximum; NPS is % promoters (9-10) minus % detractors
# (0-6), from −100 to +100. Treat a score built on a handful of responses as anecdotal.

# %%
display(explore.styled(satisfaction.satisfaction_scores(facts, period=period, periods=periods, by=None), precision=0))
display(explore.styled(satisfaction.satisfaction_scores(facts, period=period, periods=periods, by="partner_type"),
                       precision=0))

# %% [markdown]
# Partner NPS quarter by quarter, overall and per partner type. A single quarter has few responses, so look
# for sustained moves rather than single points.

# %%
fig, axes = plt.subplots(1, 2, figsize=(14, 4), constrained_layout=True)
engagement_plots.plot_nps_trend(satisfaction.satisfaction_trend(facts), ax=axes[0])
engagement_plots.plot_nps_trend(satisfaction.satisfaction_trend(facts, by="partner_type"), ax=axes[1])
plt.show()

# %% [markdown]
# ## Every pair as a scatter plot
#
# One point per partner, with a least-squares line and its 95 % band; `n` in each title is the number of
# partners with both values. Revenue is skewed by a few large partners, which pull the straight line; the
# Spearman correlation below works on ranks and is not driven by them. A flat line inside a wide band means no
# visible relationship.

# %%
fig, axes = plt.subplots(len(satisfaction.CORRELATION_Y), len(satisfaction.CORRELATION_X), figsize=(20, 12),
                         constrained_layout=True)
for (y, x), ax in zip(itertools.product(satisfaction.CORRELATION_Y, satisfaction.CORRELATION_X), axes.flat):
    engagement_plots.plot_satisfaction_scatter(table, x=x, y=y, ax=ax, scatter_kws={"s": 12, "alpha": 0.6})
plt.show()

# %% [markdown]
# ## Correlation matrix
#
# Colour is the correlation coefficient `r` (−1 to +1); a star marks pairs that stay significant after the
# Benjamini-Hochberg correction, which accounts for testing many pairs at once (without it, about one pair in
# twenty would look significant by chance). The table gives each pair's sample size `n`, `r` with its confidence
# interval, the raw p-value and the corrected one (`p_adjusted`).

# %%
engagement_plots.plot_correlation_matrix(corr, method=method)
plt.show()
display(explore.styled(corr[corr["method"] == method]))

# %% [markdown]
# ## What the data says
#
# Generated from the table above, so it stays true when the data changes.

# %%
display(Markdown(explore.bullet_list(explore.describe_correlations(corr, method=method, alpha=alpha))))

# %% [markdown]
# ## What the least satisfied respondents wrote
#
# The lowest-scoring survey responses that carry a comment (all surveys, up to the as-of date), lowest score
# first. Read them next to the numbers: recurring themes point at the fix. Internal only: comments name partners.

# %%
display(explore.styled(satisfaction.lowest_scoring_comments(facts, n=comments), precision=0))

# %% [markdown]
# ## Explore a pair for one slice
#
# Choose a satisfaction or engagement measure, a performance measure and a partner type to redraw the scatter
# for that slice (same window). Small slices give wide bands: check `n` in the title. Headless runs show the
# first choice only.

# %%
def show_pair(x, y, partner_type):
    part = explore.subset_facts(facts, partner_type=partner_type)
    table = explore.satisfaction_table(part, period=period, periods=periods)
    engagement_plots.plot_satisfaction_scatter(table, x=x, y=y)
    plt.show()


widgets.interact(
    show_pair,
    x=widgets.Dropdown(options=satisfaction.CORRELATION_X, description="Measure"),
    y=widgets.Dropdown(options=satisfaction.CORRELATION_Y, description="Performance"),
    partner_type=widgets.Dropdown(options=explore.choices(facts, "partner_type"), description="Partner type"),
);
