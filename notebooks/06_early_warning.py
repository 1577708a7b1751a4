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
from IPython.display import Markdown, display

import partner_analytics as pa
from partner_analytics import explore
from partner_analytics.metrics.early_warning import warning_panel
from partner_analytics.metrics.early_warning_backtest import early_warning
from partner_analytics.metrics.early_warning_model import feature_effects
from partner_analytics.params import load_params
from partner_analytics.plots import early_warning as warning_plots

# %%
facts = pa.rollup(pa.load_program(source), freq=freq, as_of=as_of or None)
settings = load_params(params_path or None).early_warning
warning = early_warning(facts, settings, period=period or None)
features = warning_panel(facts, settings)
display(Markdown(warning.summary()))

# %% [markdown]
# ## Filters
#
# Choose a partner type, region or tier: the ranked list and the what-if below show the partners of that slice.
# The model and its backtest always learn from every partner (a slice is too small to fit a model on). The links
# download the slice's ranked list with the reasons and the suggested actions.

# %%
panel = explore.FilterPanel(facts, period=str(warning.origin) if warning.origin else None, periods=False)
RANKED_HEADERS = {"probability": "Likely to go quiet", "band": "Risk", "reasons": "Why",
                  "action": "Suggested first action"}


def ranked_table(s):
    scores = warning.scores[warning.scores["partner_id"].isin(s.facts.partners["partner_id"])]
    ranked = explore.with_partner_details(scores.drop(columns="period"), s.facts)
    return ranked.assign(reasons=ranked["reasons"].str.join("; "))


display(panel, panel.downloads(ranked_table, "early_warning"))

# %% [markdown]
# ## The backtest in numbers
#
# One row per method, on the partners scored in the past periods. **AUC**: the chance that a partner that went
# quiet was ranked above one that did not (0.5 = guessing). **Precision / recall at the top 10 % / 20 %**: of the
# partners flagged, the share that went quiet / of the partners that went quiet, the share flagged.
# **Brier score**: mean squared error of the probabilities (lower is better).

# %%
BACKTEST_HEADERS = {"auc": "AUC", "precision_top10": "Precision, top 10 %", "recall_top10": "Recall, top 10 %",
                    "precision_top20": "Precision, top 20 %", "recall_top20": "Recall, top 20 %",
                    "brier": "Brier score"}
if not warning.backtest.metrics.empty:
    display(explore.styled(warning.backtest.metrics, percent=[c for c in BACKTEST_HEADERS if c.startswith(("p", "r"))],
                           headers=BACKTEST_HEADERS, precision=3, bars=()))

# %% [markdown]
# ## Calibration
#
# When the model says 30 %, do about 30 % go quiet? Points on the dashed line mean yes. The baselines are turned
# into probabilities by their own quiet rate in the training periods, so they have two points each.

# %%
if not warning.backtest.calibration.empty:
    fig, ax = explore.figure(size=(6, 5))
    warning_plots.plot_calibration(warning.backtest.calibration, ax=ax)
    display(*explore.as_outputs(fig), explore.styled(
        warning.backtest.calibration.query("partners > 0"), percent=["predicted", "observed"],
        headers={"band": "Predicted probability", "predicted": "Mean predicted", "observed": "Share that went quiet"}))

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
# risk up most, in its own numbers, and a suggested first action. Only partners of the slice are listed; click a
# header to sort.

# %%
display(panel.section(lambda s: explore.styled(ranked_table(s).head(top), percent=["probability"],
                                               headers=RANKED_HEADERS, bars=["probability"])
                      if warning.ok else warning.message, watch=()))

# %% [markdown]
# ## What if?
#
# Pick a partner of the slice (most likely to go quiet first; the list follows the filters) and change some of its numbers: how would its
# probability move? For example, what if it had won revenue in every one of the last four periods, or its
# engagement had held steady (change 0 %)?

# %%
WHAT_IF = ("partner", "active_periods", "engagement_change")


def changed(s):
    return explore.warning_what_if_view(warning.model, now, s.facts, s.options["partner"],
                                        active_periods=float(s.options["active_periods"]),
                                        engagement_change=s.options["engagement_change"])


if warning.model is not None:
    now = features[features["eligible"] & (features["period"] == warning.origin)].set_index("partner_id")
    panel.add_partner_choice(order=warning.scores["partner_id"], in_panel=False)
    panel.add("active_periods", explore.score_slider("Periods with revenue, of the last 4", 4, low=1, high=4),
              in_panel=False)
    panel.add("engagement_change", explore.percent_slider("Engagement change", 0.0, min_value=-1.0), in_panel=False)
    display(*[panel.controls[n] for n in WHAT_IF], panel.section(changed, watch=WHAT_IF))
