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
# Scorecards and tiers (internal). Headless: papermill 05_scorecards_and_tiers.ipynb out.ipynb -p what_if_type msp
source: str = "sample"  # data source: a folder, workbook, DuckDB file, database URL or "sample"
period: str = ""  # reporting period such as "2025Q4"; empty means the latest period in the data
freq: str = "Q"  # period grain: "Q" (quarters) or "M" (months)
as_of: str = ""  # last day counted, YYYY-MM-DD; empty means the latest date in the data
params_path: str = ""  # programme parameters YAML (weights, tiers); empty means the packaged defaults
partner_id: str = ""  # partner whose composite is explained first; empty means the best-scoring partner
what_if_type: str = "reseller"  # partner type whose scorecard weights the weight what-if changes
top: int = 20  # rows of the scorecard table shown

# %% [markdown]
# # 05 · Scorecards and tiers
#
# Every partner gets a **composite score** from 0 to 100, built from the KPIs that matter for its partner type,
# and the composite decides its **tier**. This notebook shows the scorecard, explains how a composite is made,
# how partners spread over tiers, who is close to dropping a tier, and what would happen if the tier thresholds
# or the KPI weights changed.

# %%
import ipywidgets as widgets
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.metrics import kpis, scorecard, tiers
from partner_analytics.params import load_params
from partner_analytics.plots import scorecard as scorecard_plots

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None)
period = str(pd.Period(period or facts.period, freq=facts.freq))
params = load_params(params_path or None)
kpi_table = kpis.partner_kpis(facts, period=period)
card = scorecard.scorecard(kpi_table, params)
table = kpis.scorecard_table(facts, params, period=period)
display(Markdown(f"Period **{period}** · scoring: **{params.scoring}** · tiers: "
                 + ", ".join(f"{t.name} ≥ {t.min_score:g}" for t in params.tiers.levels)))

# %% [markdown]
# ## How the composite is made
#
# 1. **Each KPI becomes a 0-100 score.** With `peer_percentile` scoring a partner is ranked against partners
#    *of the same type* on each KPI: the best scores 100, the worst 0, the middle 50 (for KPIs where lower is
#    better, such as days to close, the order is flipped). With `target` scoring, target attainment is scored on
#    an absolute scale instead (150 % of target or more scores 100).
# 2. **The composite is the weighted mean of the scores**, with the weights of the partner type below. A KPI a
#    partner has no value for (no deals closed, no survey answered) is left out and the remaining weights are
#    scaled up; `coverage` in the scorecard says how much of the weight was actually measured.
# 3. **The tier** is the highest tier whose minimum the composite reaches.
#
# The weights per partner type (each column sums to 100 %; `default` applies to types without their own set):

# %%
weights = explore.weights_matrix(params)
display(explore.styled(weights, percent=weights.columns, hide_index=False))

# %% [markdown]
# ## The scorecard
#
# Partners by composite, best first, with the tier the score earns (`tier`) next to the tier recorded in the
# data (`tier_in_data`), the next tier and the points still missing to reach it, and whether the partner sits
# within the drop-risk margin of its tier minimum.

# %%
columns = ["partner_id", "partner_name", "partner_type", "region", "tier_in_data", "composite", "tier", "next_tier",
           "gap_to_next", "at_risk_of_drop", "reward_points"]
display(explore.styled(table[columns].head(top), precision=1))

# %% [markdown]
# ## One composite explained
#
# Each bar is one KPI's contribution in points (its score × its weight); together they add up to the composite.
# A long bar is a strength, a short or missing one is where the partner loses points. Choose another partner
# in the dropdown; headless runs show the first choice only.

# %%
breakdown = scorecard.scorecard_breakdown(kpi_table, params)


def show_partner(partner):
    scorecard_plots.plot_scorecard_breakdown(breakdown, partner_id=partner)
    plt.show()
    display(explore.styled(breakdown[breakdown["partner_id"] == partner], percent=["base_weight", "weight"]))


options = explore.partner_choices(facts, order=table["partner_id"])
widgets.interact(show_partner, partner=widgets.Dropdown(options=options, value=partner_id or options[0][1],
                                                        description="Partner"));

# %% [markdown]
# ## Tier distribution
#
# Left: how many partners each tier holds. Right: the composite scores by partner type with the tier thresholds
# as dashed lines. Many partners bunched just below a line means a small change in performance (or in the
# threshold) moves a lot of partners.

# %%
assigned = tiers.assign_tiers(card, params)
fig, axes = plt.subplots(1, 2, figsize=(14, 4.5), constrained_layout=True)
scorecard_plots.plot_tier_distribution(tiers.tier_distribution(assigned), ax=axes[0])
scorecard_plots.plot_composite_distribution(card, params=params, ax=axes[1])
plt.show()
display(explore.styled(tiers.tier_distribution(assigned)))

# %% [markdown]
# Partners at risk of dropping a tier: their composite is within the drop-risk margin (set in the parameters
# file) of their tier's minimum. These are the first accounts to review.

# %%
display(Markdown(f"Drop-risk margin: **{params.tiers.drop_risk_margin:g} points**"))
display(explore.styled(table.query("at_risk_of_drop")[columns], precision=1))

# %% [markdown]
# ## What if the tier thresholds changed?
#
# Move the minimum score of each tier: the table counts partners who would move up, move down or stay, lists who
# moves, and the chart redraws the thresholds. Minimums must stay in the same order (platinum above gold, ...).

# %%
def show_thresholds(**thresholds):
    try:
        result = tiers.tier_what_if(card, params, thresholds=thresholds)
    except ValueError as error:
        display(Markdown(f"**Not a valid tier ladder:** {error}"))
        return
    display(explore.styled(result.summary))
    display(explore.styled(explore.tier_changes(result), precision=1))
    scorecard_plots.plot_composite_distribution(card, params=params.with_overrides(thresholds=thresholds))
    plt.show()


# %%
widgets.interact(show_thresholds, **{
    tier.name: widgets.FloatSlider(value=tier.min_score, min=0, max=100, step=1, continuous_update=False)
    for tier in params.tiers.levels
});

# %% [markdown]
# ## What if the KPI weights changed?
#
# Change the weights of the `what_if_type` scorecard (set the `what_if_type` parameter and re-run to pick
# another type). Weights are relative: they are scaled to sum to 100 %, and 0 drops a KPI. Only partners of that
# type can move.

# %%
def show_weights(**new_weights):
    try:
        result = tiers.tier_what_if(kpi_table, params, weights={what_if_type: new_weights})
    except ValueError as error:
        display(Markdown(f"**Not a valid scorecard:** {error}"))
        return
    display(explore.styled(result.summary))
    display(explore.styled(explore.tier_changes(result), precision=1))


widgets.interact(show_weights, **{
    kpi: widgets.FloatSlider(value=weight, min=0, max=1, step=0.05, continuous_update=False)
    for kpi, weight in params.weights_for(what_if_type).items()
});
