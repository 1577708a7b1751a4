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

from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.explore import charts
from partner_analytics.labels import label
from partner_analytics.metrics import satisfaction
from partner_analytics.plots import engagement as engagement_plots

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None)
periods = periods or explore.trailing_year(facts)
display(Markdown(f"Window: the **{periods} periods ending at the chosen period** (data as of {facts.as_of.date()}) "
                 f"· surveys available: **{'yes' if 'surveys' in facts.available else 'no'}**"))

# %% [markdown]
# ## Filters
#
# Choose the last period of the window and a partner type, region or tier: every section below is recomputed for
# that slice. *Measure* and *Performance* pick the pair drawn in the hover scatter. Small slices give wide
# confidence intervals: check `n`. The links download the per-partner table behind the correlations.

# %%
panel = explore.FilterPanel(facts, period=period or None)
panel.add("x", explore.dropdown("Measure", [(label(c), c) for c in satisfaction.CORRELATION_X]))
panel.add("y", explore.dropdown("Performance", [(label(c), c) for c in satisfaction.CORRELATION_Y]))


def partner_table(s):
    table = explore.satisfaction_table(s.facts, period=s.period, periods=periods)
    return explore.with_partner_details(table, s.facts)


display(panel, panel.downloads(partner_table, "satisfaction"))

# %% [markdown]
# ## Scores and sample sizes
#
# The slice's scores over the window, then per partner type, with the number of responses behind each. PSAT and
# CSAT are mean scores as a share of the scale maximum; NPS is % promoters (9-10) minus % detractors (0-6), from
# −100 to +100. Treat a score built on a handful of responses as anecdotal.

# %%
display(panel.section(lambda s: [
    explore.styled(satisfaction.satisfaction_scores(s.facts, period=s.period, periods=periods, by=None)),
    explore.styled(satisfaction.satisfaction_scores(s.facts, period=s.period, periods=periods, by="partner_type"))]))

# %% [markdown]
# Partner NPS quarter by quarter, overall and per partner type. A single quarter has few responses, so look
# for sustained moves rather than single points.

# %%
def nps(s):
    fig, axes = explore.figure(2, size=(14, 4))
    engagement_plots.plot_nps_trend(satisfaction.satisfaction_trend(s.facts), ax=axes[0])
    engagement_plots.plot_nps_trend(satisfaction.satisfaction_trend(s.facts, by="partner_type"), ax=axes[1])
    return fig


display(panel.section(nps))

# %% [markdown]
# ## One pair, partner by partner
#
# The pair chosen in the filters, one point per partner: hover a point for the partner's name, type and both
# values. Revenue is skewed by a few large partners; the Spearman correlation below works on ranks and is not
# driven by them.

# %%
def pair(s):
    table = explore.satisfaction_table(s.facts, period=s.period, periods=periods)
    fig, ax = explore.figure(size=(7, 4.5))
    engagement_plots.plot_satisfaction_scatter(table, x=s.options["x"], y=s.options["y"], ax=ax)
    return charts.Hover(charts.scatter_chart(table, s.facts.partners, x=s.options["x"], y=s.options["y"]), fig)


display(panel.section(pair))

# %% [markdown]
# ## Every pair as a scatter plot
#
# One point per partner, with a least-squares line and its 95 % band; `n` in each title is the number of
# partners with both values. A flat line inside a wide band means no visible relationship.

# %%
def grid(s):
    table = explore.satisfaction_table(s.facts, period=s.period, periods=periods)
    fig, axes = explore.figure(len(satisfaction.CORRELATION_X), nrows=len(satisfaction.CORRELATION_Y), size=(20, 12))
    for (y, x), ax in zip(itertools.product(satisfaction.CORRELATION_Y, satisfaction.CORRELATION_X), axes.flat):
        engagement_plots.plot_satisfaction_scatter(table, x=x, y=y, ax=ax, scatter_kws={"s": 12, "alpha": 0.6})
    return fig


display(panel.section(grid))

# %% [markdown]
# ## Correlation matrix
#
# Colour is the correlation coefficient `r` (−1 to +1); a star marks pairs that stay significant after the
# Benjamini-Hochberg correction, which accounts for testing many pairs at once (without it, about one pair in
# twenty would look significant by chance). The table gives each pair's sample size `n`, `r` with its confidence
# interval, the raw p-value and the corrected one. Below it, what the data says, generated from the table.

# %%
def correlations(s):
    corr = satisfaction.satisfaction_correlations(s.facts, period=s.period, periods=periods, alpha=alpha)
    fig, ax = explore.figure(size=(8, 4.5))
    engagement_plots.plot_correlation_matrix(corr, method=method, ax=ax)
    words = explore.bullet_list(explore.describe_correlations(corr, method=method, alpha=alpha))
    return [fig, explore.styled(corr[corr["method"] == method], bars=()), words]


display(panel.section(correlations))

# %% [markdown]
# ## What the least satisfied respondents wrote
#
# The lowest-scoring survey responses of the slice that carry a comment (all surveys, up to the as-of date),
# lowest score first. Read them next to the numbers: recurring themes point at the fix. Internal only: comments
# name partners.

# %%
display(panel.section(lambda s: explore.styled(explore.with_partner_details(
    satisfaction.lowest_scoring_comments(s.facts, n=comments), s.facts), percent=["score_pct"], bars=())))
