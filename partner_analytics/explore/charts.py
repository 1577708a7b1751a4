"""Hover charts for the notebooks: Altair (Vega-Lite 5) specs that JupyterLab renders natively, offline.

Each ``*_chart`` returns an ``altair.Chart`` whose tooltip shows the partner's name and value. :class:`Hover`
pairs such a chart with the static matplotlib figure of the same numbers: JupyterLab shows the interactive
chart (its built-in Vega-Lite renderer needs no CDN); headless runs, nbconvert and reports keep the PNG.
"""

from __future__ import annotations

import io
from collections.abc import Mapping

import altair as alt
import pandas as pd
from matplotlib.figure import Figure

from ..labels import format_money, label
from ..plots.cohorts import RETENTION_COLOUR_CAP

__all__ = ["VEGALITE_MIME", "Hover", "png", "pareto_chart", "lorenz_chart", "scatter_chart", "heatmap_chart"]

VEGALITE_MIME = "application/vnd.vegalite.v5+json"
"""The Vega-Lite mimetype JupyterLab 4 renders with its bundled renderer (Altair 5 writes version 5 specs)."""

_WIDTH, _HEIGHT = 520, 300


def png(figure: Figure, *, dpi: int = 110) -> bytes:
    """``figure`` as PNG bytes, drawn without pyplot (no global figure list, nothing for a backend to flush)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, facecolor="white")
    return buffer.getvalue()


class Hover:
    """An interactive chart with a static fallback, displayed as one output.

    Parameters
    ----------
    chart
        The Altair chart shown in JupyterLab (hover, tooltips).
    figure
        The same numbers drawn with matplotlib, shown where Vega-Lite is not rendered (PNG).
    """

    def __init__(self, chart: alt.TopLevelMixin, figure: Figure | None = None) -> None:
        self.chart, self.figure = chart, figure

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict:
        with alt.data_transformers.enable("default", max_rows=None):
            bundle = {VEGALITE_MIME: self.chart.to_dict(), "text/plain": "<chart: hover for values>"}
        if self.figure is not None:
            bundle["image/png"] = png(self.figure)
        return bundle


def _names(partners: pd.DataFrame) -> Mapping[str, str]:
    return dict(zip(partners["partner_id"], partners["partner_name"]))


def _money_axis() -> alt.Axis:
    return alt.Axis(format="$~s", title=label("revenue"))


def pareto_chart(pareto: pd.DataFrame, partners: pd.DataFrame) -> alt.LayerChart:
    """Partner revenue bars, largest first, with the cumulative share line; hover for name, revenue and share.

    ``pareto`` is :func:`~partner_analytics.metrics.concentration.pareto_curve` output (``.head(n)`` for the
    top ``n``); ``partners`` gives the names (``partner_id``, ``partner_name``).
    """
    data = pareto.assign(partner=pareto["partner_id"].map(_names(partners)).fillna(pareto["partner_id"]),
                         revenue_text=pareto["revenue"].map(format_money))
    tooltip = [alt.Tooltip("partner:N", title="Partner"), alt.Tooltip("partner_id:N", title="ID"),
               alt.Tooltip("revenue_text:N", title=label("revenue")),
               alt.Tooltip("cumulative_share:Q", title="Cumulative share", format=".1%")]
    base = alt.Chart(data).encode(x=alt.X("rank:O", title="Partners, largest revenue first"))
    bars = base.mark_bar(color="#4c78a8").encode(y=alt.Y("revenue:Q", axis=_money_axis()), tooltip=tooltip)
    line = base.mark_line(color="black", point=True).encode(
        y=alt.Y("cumulative_share:Q", axis=alt.Axis(format="%", title="Cumulative share of revenue"),
                scale=alt.Scale(domain=[0, 1])), tooltip=tooltip)
    return (alt.layer(bars, line).resolve_scale(y="independent")
            .properties(title="Partner revenue concentration (Pareto)", width=_WIDTH, height=_HEIGHT))


def lorenz_chart(values: pd.Series, partners: pd.DataFrame) -> alt.LayerChart:
    """Lorenz curve (partners smallest first) against the line of equality; hover for name and revenue.

    ``values`` is revenue per partner indexed by ``partner_id``
    (:func:`~partner_analytics.metrics.concentration.partner_revenue`).
    """
    ordered = values.dropna().sort_values(kind="stable")
    total = ordered.sum()
    names = _names(partners)
    data = pd.DataFrame({
        "partner_id": ordered.index.astype(str),
        "partner": [names.get(i, i) for i in ordered.index],
        "revenue_text": ordered.map(format_money).to_numpy(),
        "partner_share": [(i + 1) / len(ordered) for i in range(len(ordered))],
        "revenue_share": (ordered.cumsum() / total).to_numpy() if total > 0 else float("nan"),
    })
    axis = {"scale": alt.Scale(domain=[0, 1])}
    curve = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=18)).encode(
        x=alt.X("partner_share:Q", title="Share of partners (smallest first)", axis=alt.Axis(format="%"), **axis),
        y=alt.Y("revenue_share:Q", title="Share of revenue", axis=alt.Axis(format="%"), **axis),
        tooltip=[alt.Tooltip("partner:N", title="Partner"), alt.Tooltip("revenue_text:N", title=label("revenue")),
                 alt.Tooltip("revenue_share:Q", title="Cumulative share of revenue", format=".1%")])
    equality = alt.Chart(pd.DataFrame({"x": [0, 1], "y": [0, 1]})).mark_line(color="grey", strokeDash=[4, 4]).encode(
        x="x:Q", y="y:Q")
    return alt.layer(equality, curve).properties(title="Lorenz curve of partner revenue", width=_HEIGHT + 40,
                                                 height=_HEIGHT)


def scatter_chart(table: pd.DataFrame, partners: pd.DataFrame, *, x: str, y: str) -> alt.Chart:
    """One point per partner, ``x`` against ``y`` (columns of :func:`~.statistics.satisfaction_table`).

    Hover for the partner's name, type and both values; rows missing either value are left out.
    """
    data = table.dropna(subset=[x, y]).assign(partner=lambda t: t["partner_id"].map(_names(partners)))
    kinds = {c: ("%" if c in ("psat", "csat", "win_rate", "revenue_growth") else "$~s" if c == "revenue" else ",.0f")
             for c in (x, y)}
    return alt.Chart(data).mark_circle(size=60, opacity=0.7).encode(
        x=alt.X(f"{x}:Q", title=label(x), axis=alt.Axis(format=kinds[x])),
        y=alt.Y(f"{y}:Q", title=label(y), axis=alt.Axis(format=kinds[y])),
        color=alt.Color("partner_type:N", title=label("partner_type")),
        tooltip=[alt.Tooltip("partner:N", title="Partner"), alt.Tooltip("partner_type:N", title="Type"),
                 alt.Tooltip(f"{x}:Q", title=label(x), format=kinds[x]),
                 alt.Tooltip(f"{y}:Q", title=label(y), format=kinds[y])],
    ).properties(title=f"{label(y)} against {label(x)} (n = {len(data)})", width=_WIDTH, height=_HEIGHT)


def heatmap_chart(retention: pd.DataFrame, *, value: str = "retention") -> alt.Chart:
    """Cohorts × periods since onboarding, coloured by ``value``; hover for the cohort, period and value.

    ``retention`` is :func:`~partner_analytics.metrics.cohorts.revenue_retention` output; blank cells are
    not observed (NaN), never zero. Retention colours stop at
    :data:`~partner_analytics.plots.cohorts.RETENTION_COLOUR_CAP` (the tooltip shows the true value), as in the
    static heatmap.
    """
    fmt = "%" if value == "retention" else "$~s" if "revenue" in value else ",.0f"
    data = retention.dropna(subset=[value]).assign(cohort=lambda t: t["cohort"].astype(str))
    scale = alt.Scale(scheme="blues")
    if value == "retention" and (data[value] > RETENTION_COLOUR_CAP).any():
        scale = alt.Scale(scheme="blues", domain=[0, RETENTION_COLOUR_CAP], clamp=True)
    return alt.Chart(data).mark_rect().encode(
        x=alt.X("periods_since_onboarding:O", title=label("periods_since_onboarding")),
        y=alt.Y("cohort:O", title=label("cohort")),
        color=alt.Color(f"{value}:Q", title=label(value), scale=scale,
                        legend=alt.Legend(format=fmt)),
        tooltip=[alt.Tooltip("cohort:N", title=label("cohort")),
                 alt.Tooltip("periods_since_onboarding:O", title=label("periods_since_onboarding")),
                 alt.Tooltip(f"{value}:Q", title=label(value), format=fmt.replace("~s", ",.0f"))],
    ).properties(title=f"{label(value)} by cohort and periods since onboarding", width=_WIDTH + 200,
                 height=_HEIGHT - 60)
