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
period: str = ""  # reporting period such as "2025Q4", empty means the latest complete period in the data
as_of: str = ""  # last day counted, YYYY-MM-DD, empty means the end of the data (or of the period)

# %%
import matplotlib.pyplot as plt

from partner_analytics.metrics.concentration import population_label
from partner_analytics.render import blocks
from partner_analytics.render.figures import use_report_figures
from partner_analytics.render.context import open_context
from partner_analytics.render.overview_view import overview_figures, overview_view
from partner_analytics.render import wording
from partner_analytics.render.wording import unavailable

use_report_figures()  # charts as compact inline SVG, a desktop and a phone rendition
context = open_context(context_path, source=source, params_path=params_path, period=period, as_of=as_of)
view = overview_view(context)
figures = overview_figures(view)  # the charts below, by section
display(blocks.header("Partner program overview", {"Period": view.period_label, "Data as of": view.as_of.date(),
                                                    "Partners enrolled": view.enrolled}))
blocks.note(view.coverage_note)

# %% [markdown]
# ## What to do next
# Program-level findings, most important first.

# %%
blocks.insights(view.insights)

# %% [markdown]
# ## Channel revenue
# Revenue won through partners (sourced and influenced) next to direct revenue, and the channel's share of the total.

# %%
display(blocks.tiles(view.tiles, versus=view.versus))
_, skipped = figures["revenue"].draw()
plt.show()
display(*[blocks.note(reason) for reason in skipped])
if view.partial_note:
    display(blocks.note(view.partial_note))

# %% [markdown]
# ## Revenue concentration
# How evenly revenue is spread over partners. A Gini of 0 means every partner brings the same revenue, 1 means one
# partner brings everything.

# %%
display(blocks.paragraph(f"These figures count {population_label(context.params.concentration.population)}, "
                         f"over {view.window}; each row of the table below covers the year ending in its period."))
_, skipped = figures["concentration"].draw()
plt.show()
display(*[blocks.note(reason) for reason in skipped])
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
display(blocks.paragraph(f"Partner revenue won in {view.period_label}."))
_, skipped = figures["revenue_by"].draw()
plt.show()
display(*[blocks.note(reason) for reason in skipped])

# %% [markdown]
# ## Deals: win rate and time to close

# %%
display(blocks.paragraph(f"Partner deals against direct deals over {view.window} (won deals for time to close)."))
figures["deals"].draw()
plt.show()
if view.closes_same_day:
    display(blocks.note(wording.same_day_close(view.window)))

# %% [markdown]
# ## Onboarding cohorts
# Revenue of each year's onboarding cohort by reporting periods since onboarding, indexed to its first full period
# with revenue, and how fast new partners win their first deal.

# %%
_, skipped = figures["cohorts"].draw()
plt.show()
display(*[blocks.note(reason) for reason in skipped])

# %% [markdown]
# ## Satisfaction and performance
# Do satisfied, engaged partners sell more? Correlations across partners with their sample size; "significant" means
# the Benjamini–Hochberg corrected p-value is below 0.05.

# %%
if view.correlations is None:
    display(blocks.note(unavailable("surveys")))
elif not view.has_survey_correlations:
    display(blocks.note(wording.no_correlations(view.window)))
    display(blocks.bullet_list(view.correlation_sentences))
else:
    _, skipped = figures["correlations"].draw()
    plt.show()
    display(*[blocks.note(reason) for reason in skipped])
    display(blocks.bullet_list(view.correlation_sentences))

# %% [markdown]
# ## Partners to reward
# The strongest partners by scorecard composite this period.

# %%
if view.top_performers.empty:
    display(blocks.note(wording.NO_RANKED))
else:
    display(blocks.table(view.top_performers, columns={"partner_name": "Partner", "partner_type": "Type", "tier": "Tier",
                                                         "composite": "Composite", "revenue": "Revenue"},
                         formats={"composite": "{:.0f}".format, "revenue": blocks.money}))

# %% [markdown]
# ## Partners to support
# Partners below their revenue target (or forecast to miss it), largest gap first.

# %%
if view.at_risk.empty:
    display(blocks.note(wording.NONE_BEHIND if view.has_targets else wording.NO_TARGETS))
else:
    display(blocks.table(view.at_risk, columns={"partner_name": "Partner", "partner_type": "Type", "target": "Target",
                                                "actual": "Actual", "attainment": "Attainment"},
                         formats={"target": blocks.money, "actual": blocks.money, "attainment": "{:.0%}".format}))

# %% [markdown]
# ## Partners likely to go quiet
# Partners most likely to win no revenue next period, as predicted by a model that was tested on past periods
# (how it works and how to read it: the README's "Early warning"). Likelihood bands: high from 50 %, medium from
# 20 %, low below. For internal use only: partner reports never show these scores.

# %%
from IPython.display import HTML

display(blocks.paragraph(view.likely_quiet_summary))
if view.likely_quiet is not None:
    quiet_table = blocks.table(view.likely_quiet, columns={"partner_name": "Partner", "partner_type": "Type",
                                                           "likelihood": "Likely to go quiet", "reasons": "Why",
                                                           "action": "Suggested action"})
    display(HTML(f'<div class="pa-text-table">{quiet_table.data}</div>'))

# %% [markdown]
# ## Tiers

# %%
_, skipped = figures["tiers"].draw()
plt.show()
display(*[blocks.note(reason) for reason in skipped])

# %% [markdown]
# ## Market development funds (MDF)

# %%
display(blocks.paragraph(f"Utilisation (claimed / approved) and return ((attributed revenue − spend) / spend) over "
                         f"{view.window}."))
if view.mdf is None:
    display(blocks.note(unavailable("mdf")))
elif view.mdf.empty or not view.mdf["approved"].gt(0).any():
    display(blocks.note(wording.no_mdf(view.window)))
else:
    display(blocks.table(view.mdf, columns={"partner_type": "Partner type", "approved": "Approved",
                                            "claimed": "Claimed", "utilisation": "Utilisation", "roi": "ROI"},
                         formats={"approved": blocks.money, "claimed": blocks.money,
                                  "utilisation": "{:.0%}".format, "roi": "{:.0%}".format}))
    _, skipped = figures["mdf"].draw()
    plt.show()
    display(*[blocks.note(reason) for reason in skipped])
