"""Early warning, part 2: the model, its plain-language reasons and the rolling-origin backtest.

Model
    A regularised (L2, ``C = 1``) logistic regression on standardised
    features (numeric features median-imputed, money and counts on a
    ``log1p`` scale; categories one-hot), calibrated with Platt scaling on
    3-fold cross-validated scores. The calibration is monotone, so the
    ranking and the reasons come from the logistic regression itself.
Reasons
    A feature's contribution for a partner is ``coefficient × standardised
    value``: how far it moves the log-odds away from an average training row.
    The three largest positive contributions become the reasons, written from
    the partner's own numbers ("engagement activity fell 60 % over the last 2
    quarters"); the first one picks the suggested action.
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
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from threadpoolctl import threadpool_limits

from ..rollup import Rollup
from .registry import format_value
from .early_warning import (
    CATEGORICAL_FEATURES, NUMERIC_FEATURES, WarningSettings, available_features, period_word, periods_after,
    warning_panel,
)

__all__ = [
    "MIN_TRAIN_EVENTS",
    "BANDS",
    "METHODS",
    "WarningModel",
    "Backtest",
    "EarlyWarning",
    "fit_warning_model",
    "score_partners",
    "feature_effects",
    "what_if",
    "backtest",
    "early_warning",
    "probability_band",
    "reason_text",
]

MIN_TRAIN_EVENTS = 10
"""Fewest quiet (and non-quiet) training rows a model is fitted on."""

BANDS = ((0.5, "high"), (0.2, "medium"), (0.0, "low"))
"""Probability bands: the first whose lower bound the probability reaches."""

METHODS = {"model": "model", "no_revenue": "no revenue this period", "trend_rule": "revenue-trend rule"}
"""Backtest methods and how reports name them."""

_LOG_SCALE = ("revenue_w", "created_deals_w", "won_deals_w", "open_pipeline", "engagement_w", "mdf_approved_w")
_CALIBRATION_EDGES = (0.0, 0.1, 0.2, 0.3, 0.5, 1.0)


# --- model -----------------------------------------------------------------------------------------------------

def _design(rows: pd.DataFrame, features: tuple[str, ...]) -> pd.DataFrame:
    """The model's inputs: money and counts on a log scale, changes capped, categories as text."""
    design = rows[list(features)].copy()
    for name in features:
        if name in _LOG_SCALE:
            design[name] = np.log1p(design[name].clip(lower=0))
        elif name == "engagement_change":
            design[name] = design[name].clip(upper=3.0)
        elif name in CATEGORICAL_FEATURES:
            design[name] = design[name].astype("str")
    return design


@dataclass(frozen=True)
class WarningModel:
    """A fitted early-warning model.

    Attributes
    ----------
    features
        Feature names it uses.
    explainer
        The fitted logistic-regression pipeline (rankings and reasons).
    calibrated
        The calibrated classifier (probabilities); None when the training rows
        were too few to calibrate, then the logistic regression's own.
    base_rate
        Share of quiet rows in the training data.
    typical
        Median of each numeric feature in the training data (for the reasons).
    """

    features: tuple[str, ...]
    explainer: Pipeline
    calibrated: CalibratedClassifierCV | None
    base_rate: float
    typical: pd.Series = field(default_factory=lambda: pd.Series(dtype="float64"))

    def predict(self, rows: pd.DataFrame) -> np.ndarray:
        """Probability of going quiet for each row."""
        design = _design(rows, self.features)
        estimator = self.calibrated if self.calibrated is not None else self.explainer
        return estimator.predict_proba(design)[:, 1]

    def contributions(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Log-odds contribution of each feature (one-hot columns summed back into their feature) per row."""
        transform, regression = self.explainer[:-1], self.explainer[-1]
        z = transform.transform(_design(rows, self.features))
        parts = z * regression.coef_[0]
        names = [n.split("__", 1)[1] for n in transform.get_feature_names_out()]
        owner = [next(f for f in self.features if n == f or n.startswith(f + "_") and f in CATEGORICAL_FEATURES)
                 for n in names]
        frame = pd.DataFrame(parts, columns=names, index=rows.index)
        return frame.T.groupby(owner, sort=False).sum().T[list(self.features)]


def fit_warning_model(rows: pd.DataFrame, *, seed: int = 0) -> WarningModel:
    """Fit the calibrated logistic regression on panel rows with a known ``quiet``.

    Parameters
    ----------
    rows
        Rows of :func:`~partner_analytics.metrics.early_warning.warning_panel`
        (eligible, ``quiet`` not NaN).
    seed
        Random state of the solver (the fit is deterministic anyway).

    Raises
    ------
    ValueError
        If ``rows`` do not hold both outcomes.
    """
    y = rows["quiet"].to_numpy(dtype=int)
    if len(set(y)) < 2:
        raise ValueError("the training rows need both quiet and non-quiet partners")
    features = tuple(f for f in available_features(rows)
                     if f in CATEGORICAL_FEATURES or rows[f].notna().any())
    numeric = [f for f in features if f in NUMERIC_FEATURES]
    categorical = [f for f in features if f in CATEGORICAL_FEATURES]
    transform = ColumnTransformer([
        ("num", make_pipeline(SimpleImputer(strategy="median"), StandardScaler()), numeric),
        ("cat", make_pipeline(OneHotEncoder(handle_unknown="ignore", sparse_output=False), StandardScaler()),
         categorical),
    ])
    explainer = Pipeline([("transform", transform),
                          ("regression", LogisticRegression(C=1.0, max_iter=2000, random_state=seed))])
    design = _design(rows, features)
    explainer.fit(design, y)
    calibrated = None
    if min(y.sum(), len(y) - y.sum()) >= 3 * 2:
        calibrated = CalibratedClassifierCV(explainer, method="sigmoid", cv=3, ensemble=False).fit(design, y)
    return WarningModel(features, explainer, calibrated, float(y.mean()), rows[numeric].median())


def feature_effects(model: WarningModel) -> pd.DataFrame:
    """Coefficients of the logistic regression per standardised input column.

    Returns
    -------
    DataFrame
        ``feature`` (``tier = gold`` for a category level), ``coefficient``
        (change in log-odds per standard deviation) and ``odds_ratio``,
        largest absolute effect first.
    """
    transform, regression = model.explainer[:-1], model.explainer[-1]
    names = [n.split("__", 1)[1] for n in transform.get_feature_names_out()]
    for category in CATEGORICAL_FEATURES:
        names = [f"{category} = {n[len(category) + 1:]}" if n.startswith(category + "_") else n for n in names]
    effects = pd.DataFrame({"feature": names, "coefficient": regression.coef_[0]})
    effects["odds_ratio"] = np.exp(effects["coefficient"])
    order = effects["coefficient"].abs().sort_values(ascending=False, kind="stable").index
    return effects.loc[order].reset_index(drop=True)


def what_if(model: WarningModel, row: pd.Series, **changes: float | str) -> float:
    """Probability for one panel row after changing some of its feature values.

    Examples
    --------
    ``what_if(model, row, engagement_change=0.0)``: the probability had the
    partner's engagement held steady.
    """
    unknown = [name for name in changes if name not in model.features]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}; the model uses: {', '.join(model.features)}")
    changed = row.copy()
    for name, value in changes.items():
        changed[name] = value
    return float(model.predict(changed.to_frame().T.infer_objects())[0])


# --- reasons and actions ---------------------------------------------------------------------------------------

def _pct(value: float) -> str:
    return f"{abs(value):.0%}".replace("%", " %")


def _money(value: float) -> str:
    return format_value("revenue", value)


def reason_text(feature: str, row: pd.Series, freq: str, typical: pd.Series | None = None) -> str:
    """One plain-language reason, in the partner's own numbers.

    Parameters
    ----------
    feature
        A feature name (see :mod:`partner_analytics.metrics.early_warning`).
    row
        The partner's panel row.
    freq
        Period grain, for the wording.
    typical
        Typical (median) values; counts and amounts then end with "(typical: ...)".

    Examples
    --------
    >>> row = pd.Series({"revenue_last2": 100.0, "revenue_prior2": 400.0, "engagement_change": -0.6})
    >>> reason_text("engagement_change", row, "Q")
    'engagement activity fell 60 % over the last 2 quarters'
    >>> reason_text("revenue_trend", row, "M")
    'revenue fell 75 % over the last 2 months vs the 2 before'
    """
    last, prior, w = row["revenue_last2"], row["revenue_prior2"], period_word(freq, 4)
    two = f"the last 2 {period_word(freq)}"
    if feature == "revenue_trend" and prior > 0:
        change = last / prior - 1
        return f"revenue {'fell' if change < 0 else 'rose only'} {_pct(change)} over {two} vs the 2 before"
    if feature == "active_periods":
        return f"won revenue in {row['active_periods']:.0f} of the last 4 {w}"
    if feature == "periods_since_win" and row[feature] > 0:
        n = int(row[feature])
        return f"no won deal for {n} {period_word(freq, n)}"
    if feature == "engagement_change" and pd.notna(row[feature]):
        return f"engagement activity {'fell' if row[feature] < 0 else 'rose only'} {_pct(row[feature])} over {two}"
    if feature == "win_rate_w" and pd.notna(row[feature]):
        return f"win rate {_pct(row[feature])} over the last 4 {w}"
    if feature == "attainment" and pd.notna(row[feature]):
        return f"revenue at {_pct(row[feature])} of the target's pace so far"
    if feature == "satisfaction" and pd.notna(row[feature]):
        return f"satisfaction score {_pct(row[feature])} of the scale"
    if feature == "nps" and pd.notna(row[feature]):
        return f"partner NPS {row[feature]:.0f}"
    if feature == "tenure_periods":
        n = int(row[feature])
        return f"in the programme for {n} {period_word(freq, n)}"
    if feature in ("partner_type", "tier"):
        what = feature.replace("partner_", "")
        return f"{what}: {row[feature]}" if row[feature] not in ("nan", "<NA>", "None") else f"no {what} recorded"
    usual = typical.get(feature, np.nan) if typical is not None else np.nan
    shown = _money(usual) if feature in ("revenue_w", "open_pipeline", "mdf_approved_w") else f"{usual:.0f}"
    suffix = f" (typical: {shown})" if pd.notna(usual) else ""
    counts = {"revenue_w": f"revenue of {_money(row['revenue_w'])} over the last 4 {w}",
              "created_deals_w": f"{row['created_deals_w']:.0f} deals registered in the last 4 {w}",
              "won_deals_w": f"{row['won_deals_w']:.0f} deal{'' if row['won_deals_w'] == 1 else 's'} won in the "
                             f"last 4 {w}",
              "open_pipeline": (f"open pipeline of {_money(row['open_pipeline'])}" if row["open_pipeline"] > 0
                                else "no open pipeline"),
              "engagement_w": f"{row.get('engagement_w', 0):.0f} engagement activities in the last 4 {w}",
              "mdf_approved_w": f"MDF approved in the last 4 {w}: {_money(row.get('mdf_approved_w', 0))}",
              }
    if feature == "revenue_trend":
        return f"revenue only in {two}"
    return counts[feature] + suffix if feature in counts else feature.replace("_", " ")


_ACTIONS = {
    "engagement": "Call the partner to re-engage: review portal use, training and the joint plan.",
    "deals": "Review the pipeline together and pick one deal to win jointly.",
    "revenue": "Hold a business review: what changed, and which customers are at stake.",
    "satisfaction": "Follow up on the partner's satisfaction feedback before the next quarter.",
    "attainment": "Agree a recovery plan for the revenue target.",
    "mdf": "Offer MDF for a demand-generation campaign.",
    "profile": "Check in with the partner manager: confirm the partner is still active.",
}
_ACTION_OF = {
    "engagement_w": "engagement", "engagement_change": "engagement", "created_deals_w": "deals",
    "won_deals_w": "deals", "win_rate_w": "deals", "open_pipeline": "deals", "satisfaction": "satisfaction",
    "nps": "satisfaction", "attainment": "attainment", "mdf_approved_w": "mdf", "tenure_periods": "profile",
    "partner_type": "profile", "tier": "profile",
}


def _action(feature: str, row: pd.Series) -> str:
    """The suggested action for a partner's first reason (a target recovery plan only when behind the target)."""
    kind = _ACTION_OF.get(feature, "revenue")
    if kind == "attainment" and not row["attainment"] < 1:
        kind = "revenue"
    return _ACTIONS[kind]


def probability_band(probability: float) -> str:
    """``"high"``, ``"medium"`` or ``"low"`` (see :data:`BANDS`).

    Examples
    --------
    >>> probability_band(0.62), probability_band(0.2), probability_band(0.05)
    ('high', 'medium', 'low')
    """
    return next(name for low, name in BANDS if probability >= low)


def score_partners(model: WarningModel, rows: pd.DataFrame, *, freq: str) -> pd.DataFrame:
    """Probability, band, top 3 reasons and a suggested action for each row, most likely to go quiet first.

    Parameters
    ----------
    model
        A fitted :class:`WarningModel`.
    rows
        Panel rows to score (one per partner, features as of one period).
    freq
        Period grain of the facts (for the wording).

    Returns
    -------
    DataFrame
        ``partner_id``, ``period``, ``probability`` (0..1), ``band``,
        ``reasons`` (list of up to 3 texts), ``action``.
    """
    if rows.empty:
        return pd.DataFrame({"partner_id": [], "period": [], "probability": [], "band": [], "reasons": [],
                             "action": []}).astype({"probability": "float64"})
    probability = model.predict(rows)
    parts = model.contributions(rows)
    reasons, actions = [], []
    for (_, row), (_, part) in zip(rows.iterrows(), parts.iterrows()):
        top = part[part > 0].sort_values(ascending=False, kind="stable").index[:3]
        reasons.append([reason_text(f, row, freq, model.typical) for f in top])
        actions.append(_action(top[0], row) if len(top) else _ACTIONS["profile"])
    out = pd.DataFrame({"partner_id": rows["partner_id"].to_numpy(), "period": rows["period"].to_numpy(),
                        "probability": probability, "band": [probability_band(p) for p in probability],
                        "reasons": reasons, "action": actions})
    return out.sort_values(["probability", "partner_id"], ascending=[False, True], kind="stable") \
        .reset_index(drop=True)


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
    with threadpool_limits(limits=1):  # small matrices: extra BLAS threads only contend for the cores
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
        for name in ("no_revenue", "trend_rule"):
            rate = train.groupby(train_flags[name].to_numpy())["quiet"].mean()
            part[name] = test_flags[name].map(lambda flag: rate.get(flag, train["quiet"].mean())).to_numpy()
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
    evidence = backtest(panel[panel["period"] <= period] if origin is not None else panel.iloc[:0], settings)
    empty = score_partners(None, panel.iloc[:0], freq=facts.freq)  # type: ignore[arg-type]
    unit = period_word(facts.freq)
    if origin is None or evidence.events < settings.min_events:
        message = (f"Not enough history to predict which partners will go quiet: the backtest over past {unit} "
                   f"found {evidence.events} quiet events, and at least {settings.min_events} are needed before "
                   f"a probability means anything.")
        return EarlyWarning(origin, facts.freq, settings, empty, evidence, message)
    known = panel["eligible"] & panel["quiet"].notna() & (panel["period"] <= origin - settings.horizon)
    with threadpool_limits(limits=1):
        model = fit_warning_model(panel[known])
    now = panel[panel["eligible"] & (panel["period"] == origin)]
    return EarlyWarning(origin, facts.freq, settings, score_partners(model, now, freq=facts.freq), evidence,
                        model=model)
