"""Plots for engagement and satisfaction metrics.

Each ``plot_*`` takes the frame a metric function returns, draws on ``ax``
(a new figure only when ``ax`` is None), passes ``**kwargs`` to the main
artist and returns the Axes. No global state: titles via ``ax.set_title``, no
rcParams changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter
# seaborn is imported where it is used, so partner report kernels never load it (tests/test_render_worker.py)

from ..labels import label as _label
from ..metrics.checks import require_columns as _require
from .axes import get_axes, period_ticks
from .empty import all_missing, checked
from .formatting import format_axis

__all__ = [
    "plot_engagement_funnel",
    "plot_activity_rates",
    "plot_satisfaction_scatter",
    "plot_correlation_matrix",
    "plot_nps_trend",
]

STAGE_LABELS = {
    "enrolled": "Enrolled",
    "logged_in": "Logged in to the portal",
    "trained": "Completed training",
    "certified": "Certified",
    "won_deal": "Won a deal",
}
_GROUPS = ("partner_type", "partner_id")


def _no_funnel(funnel: pd.DataFrame, **_) -> str | None:
    return "No enrolled partners in the window, so there is no funnel to draw." if all_missing(
        funnel, "partners", zero=True) else None


def _no_rates(rates: pd.DataFrame, **_) -> str | None:
    return "No recorded activity in the window." if all_missing(rates, "rate", zero=True) else None


def _no_pairs(frame: pd.DataFrame, *, x: str = "", y: str = "", **_) -> str | None:
    if x not in frame.columns or y not in frame.columns:
        return None
    both = frame[[x, y]].astype("float64").dropna()
    return (f"No partner has both {_label(x).lower()} and {_label(y).lower()} in the window, "
            "so there is nothing to plot.") if both.empty else None


def _no_correlations(corr: pd.DataFrame, *, method: str = "spearman", **_) -> str | None:
    if "method" not in corr.columns or "r" not in corr.columns:
        return None
    rows = corr[corr["method"] == method]
    if rows.empty:
        return None  # the plot names the missing method
    if rows["r"].notna().any():
        return None
    n = int(rows["n"].max()) if "n" in rows.columns and rows["n"].notna().any() else 0
    return (f"Too few partners with both survey or engagement scores and performance in the window "
            f"(at most {n}; at least 4 are needed), so there are no correlations to show.")


def _no_nps(trend: pd.DataFrame, **_) -> str | None:
    return "No partner NPS responses in these periods." if all_missing(trend, "partner_nps") else None


@checked(_no_funnel)
def plot_engagement_funnel(funnel: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Horizontal funnel bars, first stage on top, annotated with conversion.

    Parameters
    ----------
    funnel
        :func:`partner_analytics.metrics.engagement.engagement_funnel`
        output (``stage``, ``partners``, ``conversion_from_previous``).
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes
        One bar per stage (width = partners; a NaN stage has no visible
        bar), each labelled with its count and, after the first, the
        conversion from the previous stage, e.g. ``"12 (40% of previous)"``.

    Raises
    ------
    NothingToDraw
        When no stage has partners.
    """
    _require(funnel, ["stage", "partners", "conversion_from_previous"], "funnel")
    ax = get_axes(ax)
    labels = [STAGE_LABELS.get(s, str(s).replace("_", " ").capitalize()) for s in funnel["stage"]]
    widths = funnel["partners"].to_numpy(dtype="float64")
    bars = ax.barh(labels, np.nan_to_num(widths), **kwargs)
    notes = []
    for i, (count, conversion) in enumerate(zip(widths, funnel["conversion_from_previous"])):
        text = "n/a" if np.isnan(count) else f"{count:,.0f}"
        if i and not pd.isna(conversion):
            text += f" ({conversion:.0%} of previous)"
        notes.append(text)
    ax.bar_label(bars, labels=notes, padding=3)
    ax.invert_yaxis()
    format_axis(ax.xaxis, "partners")
    ax.set_title("Engagement funnel")
    ax.set_xlabel(_label("partners"))
    return ax


@checked(_no_rates)
def plot_activity_rates(rates: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Share of enrolled partners active in each activity, highest on top.

    Parameters
    ----------
    rates
        :func:`partner_analytics.metrics.engagement.activity_rates` output
        (``activity``, ``rate`` as a fraction).
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes
        One bar per activity (sorted by rate, highest on top) on a 0-100 %
        axis, labelled in words ("PRM logins").

    Raises
    ------
    NothingToDraw
        When no partner was active in any activity.
    """
    _require(rates, ["activity", "rate"], "rates")
    ax = get_axes(ax)
    ordered = rates.sort_values(["rate", "activity"], ascending=[True, False], kind="stable")
    names = [_label(a) for a in ordered["activity"]]
    ax.barh(names, ordered["rate"].to_numpy(dtype="float64"), **kwargs)
    ax.set_xlim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_title("Share of enrolled partners active, by activity")
    ax.set_xlabel("Share of enrolled partners")
    return ax


@checked(_no_pairs)
def plot_satisfaction_scatter(frame: pd.DataFrame, *, x: str, y: str, ax: Axes | None = None, **kwargs) -> Axes:
    """One point per partner with a least-squares regression line and its 95 % band.

    Parameters
    ----------
    frame
        One row per partner with numeric columns ``x`` and ``y``, e.g.
        :func:`partner_analytics.metrics.kpis.partner_kpis`. Rows where
        either is NaN are left out.
    x, y
        Column names, e.g. ``x="psat"``, ``y="revenue"``; axis labels come
        from the KPI registry.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``seaborn.regplot`` (default ``seed=0`` for a reproducible
        confidence band).

    Returns
    -------
    Axes
        The points are ``ax.collections[0]``; the regression line is the
        first line (drawn only with at least two distinct ``x`` values).
        Axes are formatted by unit (percents, amounts, counts).

    Raises
    ------
    NothingToDraw
        When no partner has both values.
    """
    import seaborn as sns
    _require(frame, [x, y], "frame")
    ax = get_axes(ax)
    data = pd.DataFrame({x: frame[x].astype("float64"), y: frame[y].astype("float64")}).dropna()
    kwargs.setdefault("seed", 0)
    kwargs.setdefault("fit_reg", data[x].nunique() >= 2)
    sns.regplot(data=data, x=x, y=y, ax=ax, **kwargs)
    for name, axis in ((x, ax.xaxis), (y, ax.yaxis)):
        format_axis(axis, name)
    ax.set_xlabel(_label(x))
    ax.set_ylabel(_label(y))
    ax.set_title(f"{_label(y)} vs {_label(x)} (n = {len(data)})")
    return ax


@checked(_no_correlations)
def plot_correlation_matrix(
    corr: pd.DataFrame, *, method: str = "spearman", ax: Axes | None = None, **kwargs
) -> Axes:
    """Heatmap of correlation coefficients, annotated, significant cells starred.

    Parameters
    ----------
    corr
        :func:`partner_analytics.metrics.satisfaction.satisfaction_correlations`
        output.
    method
        Which rows to draw: ``"spearman"`` or ``"pearson"``.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``seaborn.heatmap``.

    Returns
    -------
    Axes
        Rows are the ``x`` measures, columns the ``y`` measures (in frame
        order), colour ``r`` on a −1..1 diverging scale; each cell is
        annotated with ``r`` to two decimals, followed by ``*`` when
        ``significant`` (Benjamini-Hochberg adjusted p < alpha), and, when
        ``corr`` has ``n``, the partners compared on a second line
        (``"n = 42"``). NaN cells are blank and unannotated. The colour bar
        is labelled "Correlation (r)".

    Raises
    ------
    NothingToDraw
        When every coefficient is NaN (e.g. no surveys in the window).
    ValueError
        If ``corr`` has no row for ``method`` or lacks a column.
    """
    import seaborn as sns
    _require(corr, ["x", "y", "method", "r", "significant"], "corr")
    rows = corr[corr["method"] == method]
    if rows.empty:
        raise ValueError(f"corr has no rows for method {method!r}")
    xs, ys = list(dict.fromkeys(rows["x"])), list(dict.fromkeys(rows["y"]))
    matrix = rows.pivot(index="x", columns="y", values="r").reindex(index=xs, columns=ys).astype("float64")
    stars = rows.pivot(index="x", columns="y", values="significant").reindex(index=xs, columns=ys)
    notes = np.where(stars.fillna(False).to_numpy(dtype=bool), "*", "")
    values = matrix.to_numpy()
    annotations = np.char.add(np.vectorize(lambda v: "" if np.isnan(v) else f"{v:.2f}")(values), notes)
    if "n" in rows.columns:
        counts = rows.pivot(index="x", columns="y", values="n").reindex(index=xs, columns=ys).to_numpy()
        sizes = np.vectorize(lambda v: "" if np.isnan(v) else f"\nn = {v:,.0f}")(counts.astype("float64"))
        annotations = np.char.add(annotations, np.where(np.isnan(values), "", sizes))
    ax = get_axes(ax)
    options = {"vmin": -1, "vmax": 1, "cmap": "RdBu_r", "annot": annotations, "fmt": "",
               "xticklabels": [_label(v) for v in ys], "yticklabels": [_label(v) for v in xs],
               "cbar_kws": {"label": _label("r")}}
    sns.heatmap(matrix, ax=ax, **{**options, **kwargs})
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_title(f"{method.capitalize()} correlation with performance (* significant after BH adjustment)")
    return ax


@checked(_no_nps)
def plot_nps_trend(trend: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Partner NPS per period on a −100..100 axis, one line per group if grouped.

    Parameters
    ----------
    trend
        :func:`partner_analytics.metrics.satisfaction.satisfaction_trend`
        output (``period``, ``partner_nps``, optionally ``partner_type`` or
        ``partner_id``). Periods without responses are gaps.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    Axes
        One line per group (or one line), then a dotted zero line.

    Raises
    ------
    NothingToDraw
        When no period has a partner NPS.
    """
    _require(trend, ["period", "partner_nps"], "trend")
    ax = get_axes(ax)
    periods = pd.Series(sorted(trend["period"].unique()))
    x = period_ticks(ax, periods)
    position = dict(zip(periods, x))
    group = next((c for c in _GROUPS if c in trend.columns), None)
    groups = trend.groupby(group, sort=True) if group else [(None, trend)]
    for name, rows in groups:
        rows = rows.sort_values("period")
        ax.plot(rows["period"].map(position).to_numpy(), rows["partner_nps"].to_numpy(dtype="float64"),
                marker="o", label=_label("partner_nps") if name is None else str(name), **kwargs)
    ax.axhline(0, linestyle=":", color="grey")
    ax.set_ylim(-100, 100)
    ax.set_title("Partner NPS by period" + (f" and {_label(group).lower()}" if group else ""))
    ax.set_xlabel(_label("period"))
    ax.set_ylabel(_label("partner_nps"))
    if group:
        ax.legend(title=_label(group))
    return ax
