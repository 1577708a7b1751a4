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
# Partner report (partner-facing). Render with `partner-analytics render`; run by hand to preview one partner.
partner_id: str = "P0001"  # the partner to report on (text id, e.g. "00123")
context_path: str = ""  # context saved by the renderer, empty means build one from the settings below
source: str = "sample"  # data source when no context is given: folder, workbook or "sample"
params_path: str = ""  # programme parameters YAML, empty means the packaged defaults
period: str = ""  # reporting period such as "2025Q4", empty means the latest complete period in the data
as_of: str = ""  # last day counted, YYYY-MM-DD, empty means the end of the data (or of the period)

# %%
import matplotlib.pyplot as plt

from partner_analytics.render import blocks
from partner_analytics.render.figures import use_report_figures
from partner_analytics.render.context import open_context
from partner_analytics.render.partner_view import partner_figures, partner_view
from partner_analytics.render import wording
from partner_analytics.render.wording import tier_sentence, unavailable

use_report_figures()  # charts as compact inline SVG, a desktop and a phone rendition
context = open_context(context_path, source=source, params_path=params_path, period=period, as_of=as_of,
                       partner_id=str(partner_id))
view = partner_view(context, str(partner_id))
figures = partner_figures(view)  # the charts below, by section
display(blocks.header(
    view.name,
    {"Partner type": view.partner_type, "Region": view.region, "Tier": view.tier["tier"],
     "Period": view.period_label, "Data as of": view.as_of.date()},
))
blocks.note(view.coverage_note)

# %% [markdown]
# ## At a glance
# Your key figures for the period, with the change against the previous period (for a period still in progress,
# against the same number of days of the previous period).

# %%
blocks.tiles(view.tiles, versus=view.versus)

# %% [markdown]
# ## Revenue and deals

# %%
if "revenue" not in figures:
    display(blocks.note(wording.NO_HISTORY))
else:
    _, skipped = figures["revenue"].draw()
    plt.show()
    display(*[blocks.note(reason) for reason in skipped])
    if view.partial_note:
        display(blocks.note(view.partial_note))

# %% [markdown]
# ## Engagement

# %%
if "engagement" not in view.available:
    display(blocks.note(unavailable("engagement")))
elif "engagement" not in figures:
    display(blocks.note(wording.no_activity(view.window)))
else:
    _, skipped = figures["engagement"].draw()
    plt.show()
    display(*[blocks.note(reason) for reason in skipped])

# %% [markdown]
# ## Satisfaction

# %%
display(blocks.paragraph(f"Partner satisfaction (PSAT), partner NPS and your customers' satisfaction (CSAT) over "
                         f"{view.window}."))
if "surveys" not in view.available:
    display(blocks.note(unavailable("surveys")))
elif not view.satisfaction["responses"].gt(0).any():
    display(blocks.note(wording.no_responses(view.window)))
else:
    display(blocks.table(view.satisfaction, columns={"survey": "Measure", "value": "Score", "responses": "Responses"},
                         formats={"survey": blocks.kpi_label, "value": "kpi", "responses": "{:.0f}".format},
                         kpi_column="survey"))

# %% [markdown]
# ## Scorecard
# Your composite score (0–100) combines the KPIs that matter for your partner type. Each KPI is scored against
# partners of the same type.

# %%
if not view.comparable:
    display(blocks.note(wording.too_few_peers(view.peer_group_min_size, view.peers)))
    display(blocks.table(view.breakdown, columns={"kpi": "KPI", "value": "Value", "weight": "Weight"},
                         formats={"kpi": blocks.kpi_label, "value": "kpi", "weight": "{:.0%}".format},
                         kpi_column="kpi"))
elif "scorecard" not in figures:
    display(blocks.note(wording.NO_SCORES))
else:
    display(blocks.paragraph(f"Composite score: {view.composite:.0f} out of 100. The bars show what each KPI "
                             "contributed."))
    _, skipped = figures["scorecard"].draw()
    plt.show()
    display(*[blocks.note(reason) for reason in skipped])
    display(blocks.table(view.breakdown, columns={"kpi": "KPI", "value": "Value", "score": "Score",
                                                  "weight": "Weight", "contribution": "Contribution"},
                         formats={"kpi": blocks.kpi_label, "value": "kpi", "score": "{:.0f}".format,
                                  "weight": "{:.0%}".format, "contribution": "{:.1f}".format}, kpi_column="kpi"))

# %% [markdown]
# ## Tier and rewards

# %%
blocks.paragraph(tier_sentence(view.tier))

# %% [markdown]
# ## Strengths and recommended actions

# %%
display(blocks.insights(view.insights[view.insights["kind"] == "improvement"],
                        empty="No area needs attention this period."))
blocks.insights(view.insights[view.insights["kind"] == "strength"], empty="Keep building: no standout strength yet.")

# %% [markdown]
# ## How you compare
# Anonymised benchmarks against partners of the same type: your percentile (the share of peers you are ahead of)
# and the peers' quartiles. No individual peer is shown: each peer figure blends at least as many partners as the
# minimum peer group, and a figure is left blank (—) when fewer partners have a value.

# %%
if view.benchmarks is None:
    display(blocks.note(wording.too_few_peers(view.peer_group_min_size, view.peers)))
else:
    display(blocks.table(view.benchmarks, columns={"kpi": "KPI", "value": "You", "percentile": "Percentile",
                                           "peer_p25": "Peer 25th pct", "peer_median": "Peer median",
                                           "peer_p75": "Peer 75th pct"},
                 formats={"kpi": blocks.kpi_label, "value": "kpi", "percentile": "{:.0%}".format,
                          "peer_p25": "kpi", "peer_median": "kpi", "peer_p75": "kpi"}, kpi_column="kpi"))

# %% [markdown]
# ## About these figures

# %%
blocks.definitions(view.kpi_names)
