"""Early warning, part 3: the rolling-origin backtest, and the one call reports make.

Backtest (rolling origin)
    For every eligible period ``t`` whose outcome is known: train on the rows
    whose outcome was known by the end of ``t`` (origin ``s`` with
    ``s + horizon <= t``), score the partners at ``t``, compare with what
    happened. An origin is used when its training rows hold at least
    :data:`MIN_TRAIN_EVENTS` quiet and as many non-quiet rows. Reported per
    method: AUC; precision and recall of the top 10 % and 20 % flagged at each
    origin (ties at the cut-off count by their average outcome); Brier score;
    and a calibration table. Baselines, both turned into probabilities by
    their quiet rate in the same training rows:

    * ``no_revenue``: flag partners with no won revenue in ``t``;
    * ``trend_rule``: flag partners whose revenue of the last 2 periods is
      below half the revenue of the 2 before.

With fewer than ``min_events`` quiet events in the backtest nothing is scored:
:func:`early_warning` says so instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..rollup import Rollup
from .early_warning import WarningSettings, period_word, periods_after, warning_panel
from .early_warning_model import WarningModel, fit_warning_model, no_scores, one_thread, score_partners

__all__ = ["MIN_TRAIN_EVENTS", "METHODS", "Backtest", "EarlyWarning", "backtest", "early_warning"]

MIN_TRAIN_EVENTS = 10
"""Fewest quiet (and non-quiet) training rows a model is fitted on."""

METHODS = {"model": "model", "no_revenue": "no revenue this period", "trend_rule": "revenue-trend rule"}
"""Backtest methods and how reports name them."""

_CALIBRATION_EDGES = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)


# --- backtest --------------------------------------------------------------------------------------------------

def _rule_flags(rows: pd.DataFrame) -> dict[str, pd.Series]:
    return {"no_revenue": rows["revenue"] <= 0, "trend_rule": rows["revenue_last2"] < 0.5 * rows["revenue_prior2"]}


def _expected_hits(score: np.ndarray, y: np.ndarray, k: int) -> float:
    """Quiet partners among the ``k`` highest scores; a tie at the cut-off counts by its average outcome."""
    if k <= 0:
        return 0.0
    order = np.argsort(-score, kind="stable")
    cut = score[order[k - 1]]
    above = score > cut
    tied = score == cut
    return float(y[above].sum() + (k - above.sum()) * y[tied].mean())


def _top_share(k_fraction: float, n: int) -> int:
    return max(1, math.ceil(round(k_fraction * n, 9)))


@dataclass(frozen=True)
class Backtest:
    """Out-of-sample predictions of every backtest origin and their scores.

    Attributes
    ----------
    predictions
        ``partner_id``, ``period``, ``quiet`` and one probability column per
        method in :data:`METHODS`.
    metrics
        One row per method: ``method``, ``auc``, ``precision_top10``,
        ``recall_top10``, ``precision_top20``, ``recall_top20``, ``brier``.
    calibration
        ``method``, ``band`` (predicted-probability bin), ``partners``,
        ``predicted`` (mean), ``observed`` (quiet share).
    origins
        Periods scored.
    events
        Quiet events among the predictions.
    """

    predictions: pd.DataFrame
    metrics: pd.DataFrame
    calibration: pd.DataFrame
    origins: tuple[pd.Period, ...] = ()
    events: int = 0

    def metric(self, method: str, name: str) -> float:
        """One number of :attr:`metrics`, e.g. ``metric("model", "auc")``."""
        return float(self.metrics.set_index("method").loc[method, name]) if not self.metrics.empty else np.nan


def _scores(predictions: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    from sklearn.metrics import roc_auc_score  # imported here, as in the model: report kernels never need it

    rows, tables = [], []
    y = predictions["quiet"].to_numpy(dtype=int)
    for method in METHODS:
        p = predictions[method].to_numpy()
        row = {"method": method,
               "auc": roc_auc_score(y, p) if 0 < y.sum() < len(y) else np.nan,
               "brier": float(np.mean((p - y) ** 2)) if len(y) else np.nan}
        for share in (10, 20):
            hits = flagged = 0.0
            for _, group in predictions.groupby("period", sort=False):
                k = _top_share(share / 100, len(group))
                hits += _expected_hits(group[method].to_numpy(), group["quiet"].to_numpy(dtype=float), k)
                flagged += k
            row[f"precision_top{share}"] = hits / flagged if flagged else np.nan
            row[f"recall_top{share}"] = hits / y.sum() if y.sum() else np.nan
        rows.append(row)
        bins = pd.cut(predictions[method], _CALIBRATION_EDGES, include_lowest=True, right=False)
        table = predictions.groupby(bins, observed=False).agg(partners=("quiet", "size"),
                                                              predicted=(method, "mean"), observed=("quiet", "mean"))
        table = table.reset_index(names="band").assign(method=method)
        table["band"] = [f"{b.left:.0%}–{b.right:.0%}" for b in table["band"]]
        tables.append(table[["method", "band", "partners", "predicted", "observed"]])
    columns = ["method", "auc", "precision_top10", "recall_top10", "precision_top20", "recall_top20", "brier"]
    return pd.DataFrame(rows, columns=columns), pd.concat(tables, ignore_index=True)


def backtest(panel: pd.DataFrame, settings: WarningSettings | None = None) -> Backtest:
    """Rolling-origin backtest of the model and the two baselines (see the module docstring).

    Parameters
    ----------
    panel
        :func:`~partner_analytics.metrics.early_warning.warning_panel`.
    settings
        The ``horizon`` decides which training outcomes were known at each origin.

    Returns
    -------
    Backtest
        Empty frames (and ``events`` 0) when no origin had enough training events.
    """
    settings = settings or WarningSettings()
    with one_thread():
        return _backtest(panel[panel["eligible"] & panel["quiet"].notna()], settings)


def _backtest(rows: pd.DataFrame, settings: WarningSettings) -> Backtest:
    parts = []
    for t in sorted(rows["period"].unique()):
        train = rows[rows["period"] <= t - settings.horizon]  # outcomes known by the end of t
        quiet = int(train["quiet"].sum())
        if min(quiet, len(train) - quiet) < MIN_TRAIN_EVENTS:
            continue
        test = rows[rows["period"] == t]
        part = test[["partner_id", "period", "quiet"]].assign(model=fit_warning_model(train).predict(test))
        train_flags, test_flags = _rule_flags(train), _rule_flags(test)
        overall = train["quiet"].mean()  # for a flag value the training rows never had
        for name in ("no_revenue", "trend_rule"):
            rate = train.groupby(train_flags[name].to_numpy())["quiet"].mean()
            part[name] = test_flags[name].map(rate).fillna(overall).to_numpy(dtype="float64")
        parts.append(part)
    if not parts:
        return Backtest(pd.DataFrame(columns=["partner_id", "period", "quiet", *METHODS]),
                        pd.DataFrame(), pd.DataFrame())
    predictions = pd.concat(parts, ignore_index=True)
    metrics, calibration = _scores(predictions)
    return Backtest(predictions, metrics, calibration, tuple(predictions["period"].unique()),
                    int(predictions["quiet"].sum()))


# --- one call for reports --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EarlyWarning:
    """Scores for the latest complete period plus the evidence behind them.

    Attributes
    ----------
    origin
        Period the features describe (the latest complete one up to the
        reporting period); None when there is none.
    freq, settings
        Period grain and the settings used.
    scores
        :func:`score_partners` of the eligible partners at ``origin``; empty
        when :attr:`ok` is False.
    backtest
        The rolling-origin :class:`Backtest`.
    message
        Why nothing is scored, when :attr:`ok` is False.
    model
        The model fitted on every outcome known at ``origin``.
    """

    origin: pd.Period | None
    freq: str
    settings: WarningSettings
    scores: pd.DataFrame
    backtest: Backtest
    message: str = ""
    model: WarningModel | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        """True when probabilities are shown."""
        return not self.message

    @property
    def beats_baselines(self) -> bool:
        """The model's backtest AUC is at least 0.02 above both baselines' and its top-10 % recall no lower."""
        bt = self.backtest
        rules = ("no_revenue", "trend_rule")
        return (bt.metric("model", "auc") >= max(bt.metric(r, "auc") for r in rules) + 0.02
                and bt.metric("model", "recall_top10") >= max(bt.metric(r, "recall_top10") for r in rules))

    def summary(self) -> str:
        """The backtest in one sentence (or why there is none)."""
        if not self.ok:
            return self.message
        bt, word = self.backtest, period_word(self.freq, len(self.backtest.origins))
        model, rule = bt.metric("model", "recall_top10"), bt.metric("no_revenue", "recall_top10")
        trend = bt.metric("trend_rule", "recall_top10")
        text = (f"In the {len(bt.origins)} past {word} tested ({bt.origins[0]}–{bt.origins[-1]}, "
                f"{bt.events} partners went quiet), the top 10 % flagged by the model held {model:.0%} of the "
                f"partners that went quiet; the rule \"no revenue this {period_word(self.freq, 1)}\" held "
                f"{rule:.0%} and the revenue-trend rule {trend:.0%} (AUC {bt.metric('model', 'auc'):.2f} vs "
                f"{bt.metric('no_revenue', 'auc'):.2f} and {bt.metric('trend_rule', 'auc'):.2f}).")
        text = (f"Scored on the facts up to the end of {self.origin}, for "
                f"{periods_after(self.origin, self.settings.horizon)}. " + text)
        if not self.beats_baselines:
            text += " The model does not clearly beat the simple rules here: treat its ranking with care."
        return text.replace("%", " %").replace("  %", " %")


def early_warning(facts: Rollup, settings: WarningSettings | None = None, *,
                  period: str | pd.Period | None = None) -> EarlyWarning:
    """Backtest the model, then score the partners at the latest complete period up to ``period``.

    Parameters
    ----------
    facts
        Rollup of the program.
    settings
        The ``early_warning`` parameters (default :class:`WarningSettings`).
    period
        Reporting period (default: the one containing ``facts.as_of``).

    Returns
    -------
    EarlyWarning
        With a ``message`` instead of scores when the backtest holds fewer
        than ``settings.min_events`` quiet events or there is no complete
        period to score.
    """
    settings = settings or WarningSettings()
    panel = warning_panel(facts, settings)
    period = facts.period if period is None else pd.Period(period, freq=facts.freq)
    complete = panel.loc[panel["complete"] & (panel["period"] <= period), "period"]
    origin = complete.max() if len(complete) else None
    # only outcomes known at the end of the origin: a past reporting period is backtested as it would have been then
    evidence = backtest(panel[panel["period"] <= origin - settings.horizon] if origin is not None
                        else panel.iloc[:0], settings)
    unit = period_word(facts.freq)
    if origin is None or evidence.events < settings.min_events:
        message = (f"Not enough history to predict which partners will go quiet: the backtest over past {unit} "
                   f"found {evidence.events} quiet events, and at least {settings.min_events} are needed before "
                   f"a probability means anything.")
        return EarlyWarning(origin, facts.freq, settings, no_scores(), evidence, message)
    known = panel["eligible"] & panel["quiet"].notna() & (panel["period"] <= origin - settings.horizon)
    with one_thread():
        model = fit_warning_model(panel[known])
    now = panel[panel["eligible"] & (panel["period"] == origin)]
    return EarlyWarning(origin, facts.freq, settings, score_partners(model, now, freq=facts.freq), evidence,
                        model=model)
