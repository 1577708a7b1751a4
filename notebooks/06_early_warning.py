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
# Early warning (internal). Headless: papermill 06_early_warning.ipynb out.ipynb -p source sample
source: str = "sample"  # data source: a folder, workbook, DuckDB file, database URL or "sample"
period: str = ""  # reporting period such as "2025Q4"; empty means the latest period in the data
freq: str = "Q"  # period grain: "Q" (quarters) or "M" (months)
as_of: str = ""  # last day counted, YYYY-MM-DD; empty means the latest date in the data
params_path: str = ""  # programme parameters YAML (the early_warning section); empty means the packaged defaults
top: int = 15  # partners listed, most likely to go quiet first

# %% [markdown]
# # 06 · Early warning: which partners will go quiet
#
# A partner *goes quiet* when it wins no revenue in the next period (the `early_warning` section of the
# parameters sets the horizon, or a "revenue falls by more than X %" variant). A calibrated logistic regression
# turns what we knew at the end of each period (revenue and its trend, deals, pipeline, engagement,
# satisfaction, target pace, MDF, tenure, tier and type) into a probability. Before trusting it, we check it
# on the past: a **rolling-origin backtest** trains on the periods up to `t`, scores `t + 1`, and compares it with
# two simple rules. The README's "Early warning" section documents every definition.

# %%
import ipywidgets as widgets
import pandas as pd
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.metrics.early_warning import warning_panel
from partner_analytics.metrics.early_warning_backtest import early_warning
from partner_analytics.metrics.early_warning_model import feature_effects, what_if
from partner_analytics.params import load_params
from partner_analytics.plots import early_warning as warning_plots

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None)
settings = load_params(params_path or None).early_warning
warning = early_warning(facts, settings, period=period or None)
panel = warning_panel(facts, settings)
display(Markdown(warning.summary()))

# %% [markdown]
# ## The backtest in numbers
#
# One row per method, on the partners scored in the past periods. **AUC**: the chance that a partner that went
# quiet was ranked above one that did not (0.5 = guessing). **Precision / recall at the top 10 % / 20 %**: of the
# partners flagged, the share that went quiet / of the partners that went quiet, the share flagged.
# **Brier score**: mean squared error of the probabilities (lower is better).

# %%
display(warning.backtest.metrics.round(3))

# %% [markdown]
# ## Calibration
#
# When the model says 30 %, do about 30 % go quiet? Points on the dashed line mean yes. The baselines are turned
# into probabilities by their own quiet rate in the training periods, so they have two points each.

# %%
fig, ax = explore.figure(size=(6, 5))
warning_plots.plot_calibration(warning.backtest.calibration, ax=ax)
display(*explore.as_outputs(fig))
display(warning.backtest.calibration.query("partners > 0").round(3))

# %% [markdown]
# ## What the model weighs
#
# Coefficients of the logistic regression on standardised features: the change in log-odds of going quiet for
# one standard deviation more of a feature. Red bars raise the risk, blue bars lower it. Correlated features
# (deals created and won, for example) share their effect, so read the bars together, not one by one.

# %%
if warning.model is not None:
    fig, ax = explore.figure(size=(8, 5))
    warning_plots.plot_feature_effects(feature_effects(warning.model), ax=ax)
    display(*explore.as_outputs(fig))

# %% [markdown]
# ## Partners most likely to go quiet
#
# Scored on the facts at the end of the latest complete period, with the three features that push each partner's
# risk up most, in its own numbers, and a suggested first action.

# %%
names = facts.partners.set_index("partner_id")["partner_name"]
ranked = warning.scores.head(top).assign(partner=lambda t: t["partner_id"].map(names),
                                         reasons=lambda t: t["reasons"].str.join("; "))
ranked = ranked[["partner", "partner_id", "probability", "band", "reasons", "action"]]
display(ranked.style.format({"probability": "{:.0%}"}).hide(axis="index")
        .set_properties(subset=["partner", "reasons", "action"], **{"text-align": "left"}))

# %% [markdown]
# ## What if?
#
# Pick a partner and change some of its numbers: how would its probability move? For example, what if its
# engagement had held steady (change 0 %), or it had won revenue in every one of the last four periods?

# %%
if warning.model is not None:
    now = panel[panel["eligible"] & (panel["period"] == warning.origin)].set_index("partner_id", drop=False)

    def show(partner_id, active_periods, engagement_change):
        row = now.loc[partner_id]
        changes = {"active_periods": float(active_periods)}
        if "engagement_change" in warning.model.features:
            changes["engagement_change"] = engagement_change
        print(f"{partner_id}: {what_if(warning.model, row):.0%} now, {what_if(warning.model, row, **changes):.0%} "
              f"with the changes")

    widgets.interact(show, partner_id=widgets.Dropdown(options=list(warning.scores["partner_id"])),
                     active_periods=widgets.IntSlider(value=4, min=1, max=4),
                     engagement_change=widgets.FloatSlider(value=0.0, min=-1.0, max=1.0, step=0.1));
