"""Early warning, part 2: the model and its plain-language reasons.

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

The backtest and the one call reports use live in
:mod:`partner_analytics.metrics.early_warning_backtest`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from .early_warning import CATEGORICAL_FEATURES, NUMERIC_FEATURES, available_features, period_word
from .registry import format_value

if TYPE_CHECKING:  # scikit-learn is imported where a model is fitted: report kernels never need it
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

__all__ = [
    "BANDS",
    "WarningModel",
    "fit_warning_model",
    "score_partners",
    "no_scores",
    "feature_effects",
    "what_if",
    "probability_band",
    "reason_text",
    "one_thread",
]

BANDS = ((0.5, "high"), (0.2, "medium"), (0.0, "low"))
"""Probability bands: the first whose lower bound the probability reaches."""

_LOG_SCALE = ("revenue_w", "created_deals_w", "won_deals_w", "open_pipeline", "engagement_w", "mdf_approved_w")


# --- model -----------------------------------------------------------------------------------------------------

def _design(rows: pd.DataFrame, features: tuple[str, ...]) -> pd.DataFrame:
    """The model's inputs: money and counts on a log scale, changes capped, categories as text.

    The categories are Python strings in an ``object`` column, as the one-hot encoder holds them: an
    Arrow-backed string column gives the same model, but selecting its rows for each fold costs about a
    tenth of the backtest's time.
    """
    design = rows[list(features)].copy()
    for name in features:
        if name in _LOG_SCALE:
            design[name] = np.log1p(design[name].clip(lower=0))
        elif name == "engagement_change":
            design[name] = design[name].clip(upper=3.0)
        elif name in CATEGORICAL_FEATURES:
            design[name] = design[name].astype("str").astype(object)
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


def one_thread() -> threadpool_limits:
    """A context in which models are fitted and scored with one BLAS / OpenMP thread each.

    The matrices are small: more threads only contend for the cores with the report kernels. scikit-learn
    (and the scipy modules it loads) is imported first, because ``threadpool_limits`` limits only the
    native libraries already loaded: one first loaded inside the block keeps its default threads (measured
    at 100 partners, imports included: the early warning took 3.6 CPU s instead of 2.5).
    """
    import sklearn.calibration  # noqa: F401  (loads scipy's BLAS and scikit-learn's OpenMP runtime)
    import sklearn.linear_model  # noqa: F401

    return threadpool_limits(limits=1)


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
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

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
    calibrated = None
    if min(y.sum(), len(y) - y.sum()) >= 3 * 2:
        calibrated = CalibratedClassifierCV(explainer, method="sigmoid", cv=3, ensemble=False).fit(design, y)
        # its one classifier is the pipeline fitted on every row, as fitting ``explainer`` itself would give
        explainer = calibrated.calibrated_classifiers_[0].estimator
    else:
        explainer.fit(design, y)
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


def no_scores() -> pd.DataFrame:
    """An empty :func:`score_partners` table (same columns)."""
    return pd.DataFrame({"partner_id": pd.Series(dtype="str"), "period": pd.Series(dtype="object"),
                         "probability": pd.Series(dtype="float64"), "band": pd.Series(dtype="str"),
                         "reasons": pd.Series(dtype="object"), "action": pd.Series(dtype="str")})


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
        return no_scores()
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
