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
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.labels import label
from partner_analytics.metrics import kpis, scorecard, tiers
from partner_analytics.params import load_params
from partner_analytics.plots import scorecard as scorecard_plots

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None)
params = load_params(params_path or None)
display(Markdown(f"Scoring: **{params.scoring}** · tiers: "
                 + ", ".join(f"{t.name} ≥ {t.min_score:g}" for t in params.tiers.levels)))

# %% [markdown]
# ## Filters
#
# Choose the period scored and a partner type, region or tier: every section below shows the partners of that
# slice (scores are always computed against all partners of the same type, so a slice does not change anyone's
# score). The links download the slice's scorecard.

# %%
panel = explore.FilterPanel(facts, period=period or None)


def card_table(s):
    table = kpis.scorecard_table(facts, params, period=s.period)
    return table[table["partner_id"].isin(s.facts.partners["partner_id"])].reset_index(drop=True)


display(panel, panel.downloads(card_table, "scorecard"))

# %% [markdown]
# ## How the composite is made
#
# 1. **Each KPI becomes a 0-100 score.** With `peer_percentile` scoring a partner is ranked against partners
#    *of the same type* on each KPI: the best scores 100, the worst 0, the middle 50 (for KPIs where lower is
#    better, such as days to close, the order is flipped). With `target` scoring, target attainment is scored on
#    an absolute scale instead (150 % of target or more scores 100).
# 2. **The composite is the weighted mean of the scores**, with the weights of the partner type below. A KPI a
#    partner has no value for (no deals closed, no survey answered) is left out and the remaining weights are
#    scaled up; *coverage* in the scorecard says how much of the weight was actually measured.
# 3. **The tier** is the highest tier whose minimum the composite reaches.
#
# The weights per partner type (each column sums to 100 %; *default* applies to types without their own set):

# %%
weights = explore.weights_matrix(params)
display(explore.styled(weights.rename(index=label), percent=weights.columns, hide_index=False))

# %% [markdown]
# ## The scorecard
#
# Partners by composite, best first, with the tier the score earns next to the tier recorded in the data, the
# next tier and the points still missing to reach it, and whether the partner sits within the drop-risk margin
# of its tier minimum.

# %%
columns = ["partner_id", "partner_name", "partner_type", "region", "tier_in_data", "composite", "tier", "next_tier",
           "gap_to_next", "at_risk_of_drop", "reward_points"]
display(panel.section(lambda s: explore.styled(card_table(s)[columns].head(top), precision=1), watch=()))

# %% [markdown]
# ## One composite explained
#
# Each bar is one KPI's contribution in points (its score × its weight); together they add up to the composite.
# A long bar is a strength, a short or missing one is where the partner loses points. Choose a partner of the
# slice (best first).

# %%
def explain(s):
    breakdown = scorecard.scorecard_breakdown(kpis.partner_kpis(facts, period=s.period), params)
    ids = list(card_table(s)["partner_id"])
    partner = s.options["partner"] if s.options["partner"] in ids else (ids or [None])[0]
    if partner is None:
        return "**No partner in this slice.**"
    fig, ax = explore.figure(size=(10, 4))
    scorecard_plots.plot_scorecard_breakdown(breakdown, partner_id=partner, ax=ax)
    return [fig, explore.styled(breakdown[breakdown["partner_id"] == partner], percent=["base_weight", "weight"],
                                precision=1, headers={"contribution": "Contribution (points)"})]


order = kpis.scorecard_table(facts, params, period=panel.slice.period)["partner_id"]
panel.add_partner_choice(order=order, value=partner_id or None)
display(panel.section(explain, watch=["partner"]))

# %% [markdown]
# ## Tier distribution
#
# Left: how many partners of the slice each tier holds. Right: their composite scores by partner type with the
# tier thresholds as dashed lines. Many partners bunched just below a line means a small change in performance
# (or in the threshold) moves a lot of partners.

# %%
def distribution(s):
    card = scorecard.scorecard(kpis.partner_kpis(facts, period=s.period), params)
    card = card[card["partner_id"].isin(s.facts.partners["partner_id"])]
    fig, axes = explore.figure(2, size=(14, 4.5))
    scorecard_plots.plot_tier_distribution(tiers.tier_distribution(tiers.assign_tiers(card, params)), ax=axes[0])
    scorecard_plots.plot_composite_distribution(card, params=params, ax=axes[1])
    table = tiers.tier_distribution(tiers.assign_tiers(card, params))
    return [fig, explore.styled(table, headers={"share": "Share of partners"})]


display(panel.section(distribution, watch=()))

# %% [markdown]
# Partners at risk of dropping a tier: their composite is within the drop-risk margin (set in the parameters file)
# of their tier's minimum. These are the first accounts to review.

# %%
display(panel.section(lambda s: explore.styled(card_table(s).query("at_risk_of_drop")[columns], precision=1),
                      watch=()))

# %% [markdown]
# ## What if the tier thresholds changed?
#
# Move the minimum score of each tier (whole points, 0-100): the table counts partners of the slice who would move
# up, move down or stay, and names who moves. Minimums must stay in the same order (platinum above gold, ...).

# %%
sliders = [panel.add(f"min_{t.name}", explore.score_slider(f"{t.name.capitalize()} minimum", t.min_score),
                     in_panel=False) for t in params.tiers.levels]


def thresholds(s):
    chosen = {t.name: s.options[f"min_{t.name}"] for t in params.tiers.levels}
    card = scorecard.scorecard(kpis.partner_kpis(facts, period=s.period), params)
    return [*explore.what_if_view(tiers.tier_what_if, card, params, s.facts, thresholds=chosen),
            scorecard_plots.plot_composite_distribution(
                card, params=params.with_overrides(thresholds=chosen), ax=explore.figure(size=(10, 4))[1]).figure]


display(*sliders, panel.section(thresholds, watch=[f"min_{t.name}" for t in params.tiers.levels]))

# %% [markdown]
# ## What if the KPI weights changed?
#
# Change the weights of the `what_if_type` scorecard (set the `what_if_type` parameter and re-run to pick
# another type). Weights are relative: they are scaled to sum to 100 %, and 0 % drops a KPI. Only partners of that
# type can move.

# %%
sliders = [panel.add(f"weight_{kpi}", explore.percent_slider(label(kpi), weight), in_panel=False)
           for kpi, weight in params.weights_for(what_if_type).items()]


def reweighted(s):
    chosen = {k: s.options[f"weight_{k}"] for k in params.weights_for(what_if_type)}
    return explore.what_if_view(tiers.tier_what_if, kpis.partner_kpis(facts, period=s.period), params, s.facts,
                                weights={what_if_type: chosen})


display(*sliders, panel.section(reweighted, watch=[f"weight_{k}" for k in params.weights_for(what_if_type)]))
