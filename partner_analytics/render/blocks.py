"""Small HTML building blocks for report notebooks; every value from data is escaped.

Each function returns an :class:`IPython.display.HTML` object, so a report
cell can end with ``blocks.tiles(...)`` and the page shows it. Text and
numbers coming from data pass through :func:`html.escape` here, never
anywhere else, so a partner called ``<script>alert(1)</script>`` renders as
text.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence

import pandas as pd
from IPython.display import HTML

from ..labels import format_money, label
from ..metrics.registry import KPIS, format_value

__all__ = ["header", "tiles", "table", "insights", "definitions", "note", "paragraph", "bullet_list", "kpi_label", "money", "esc"]


def esc(value: object) -> str:
    """Escape any value for HTML text and attributes; missing values become an em dash."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "—"
    return html.escape(str(value), quote=True)


def kpi_label(name: str) -> str:
    """Human label of a KPI or column (:func:`partner_analytics.labels.label`)."""
    return label(name)


def header(title: str, facts: Mapping[str, object]) -> HTML:
    """A report heading with a line of key/value facts (type, tier, period, ...)."""
    items = "".join(f"<span><strong>{esc(k)}:</strong> {esc(v)}</span>" for k, v in facts.items())
    return HTML(f'<h1>{esc(title)}</h1><div class="pa-header">{items}</div>')


def _delta(name: str, change: float, relative: bool, versus: str, prior: float = float("nan")) -> str:
    if pd.isna(change):
        if pd.isna(prior):
            return '<span class="pa-muted">no prior value</span>'
        # a prior of 0 gives no relative change: show the prior value itself ("$0 in the prior period")
        when = "the prior period" if versus == "vs prior period" else versus.removeprefix("vs ")
        return f'<span class="pa-muted">{esc(format_value(name, prior))} in {esc(when)}</span>'
    good = (change >= 0) == KPIS[name].higher_is_better
    css = "pa-good" if good and change != 0 else ("pa-bad" if change != 0 else "pa-muted")
    arrow = "▲" if change > 0 else ("▼" if change < 0 else "■")
    if relative:
        text = f"{change:+.0%}"
    elif KPIS[name].unit == "fraction":
        text = f"{change * 100:+.1f} pts"
    else:
        text = f"{change:+.0f}"
    return f'<span class="{css}">{arrow} {esc(text)} {esc(versus)}</span>'


def tiles(frame: pd.DataFrame, *, versus: str = "vs prior period") -> HTML:
    """KPI tiles from a frame with ``kpi, value, change`` and optional ``prior``, ``target``; ``versus`` names the
    comparison. Without a change, the tile shows the prior value when there is one (a relative change from 0), else
    says there is none."""
    cells = []
    for row in frame.itertuples(index=False):
        relative = KPIS[row.kpi].unit in ("currency", "count")
        target = getattr(row, "target", float("nan"))
        target_line = (f'<div class="pa-muted">target {esc(format_value(row.kpi, target))}</div>'
                       if pd.notna(target) else "")
        cells.append(
            f'<div class="pa-tile"><div class="label">{esc(kpi_label(row.kpi))}</div>'
            f'<div class="value">{esc(format_value(row.kpi, row.value))}</div>'
            f'<div class="delta">{_delta(row.kpi, row.change, relative, versus, getattr(row, "prior", float("nan")))}'
            f'</div>{target_line}</div>'
        )
    return HTML(f'<div class="pa-tiles">{"".join(cells)}</div>')


def table(
    frame: pd.DataFrame,
    *,
    columns: Mapping[str, str] | None = None,
    formats: Mapping[str, Callable[[object], str]] | None = None,
    kpi_column: str | None = None,
) -> HTML:
    """An escaped HTML table.

    Parameters
    ----------
    frame
        Rows to show.
    columns
        ``{column: header}`` selecting and naming the columns (default: all, as is).
    formats
        ``{column: function(value) -> str}``; the output is escaped too.
    kpi_column
        Name of a column holding KPI names: each value in the row's other
        numeric cells listed in ``formats`` as ``"kpi"`` is formatted with that KPI's unit.
    """
    columns = dict(columns or {c: c for c in frame.columns})
    formats = dict(formats or {})
    head = "".join(f"<th>{esc(h)}</th>" for h in columns.values())
    body = []
    for _, row in frame.iterrows():
        cells = []
        for column in columns:
            value = row[column]
            fmt = formats.get(column)
            if pd.isna(value):
                text = None
            elif fmt == "kpi" and kpi_column:
                text = format_value(row[kpi_column], value)
            elif callable(fmt):
                text = fmt(value)
            else:
                text = value
            cells.append(f"<td>{esc(text)}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return HTML(f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>")


def insights(frame: pd.DataFrame, *, empty: str = "Nothing stands out this period.") -> HTML:
    """Findings as a list: the sentence, then the recommended action."""
    if frame.empty:
        return note(empty)
    items = "".join(
        f'<div class="pa-insight"><div>{esc(row.title)}</div>'
        f'<div class="action">→ {esc(row.action)}</div></div>'
        for row in frame.itertuples(index=False)
    )
    return HTML(items)


def definitions(kpi_names: Sequence[str]) -> HTML:
    """A definition list of KPIs: label and plain-language formula from the registry."""
    items = "".join(f"<dt>{esc(kpi_label(n))}</dt><dd>{esc(KPIS[n].description)}</dd>" for n in kpi_names)
    return HTML(f"<dl>{items}</dl>")


def money(value: float) -> str:
    """Format an amount in the reporting currency, compactly ($1.23M)."""
    return format_money(value)


def note(text: str) -> HTML:
    """A highlighted note, e.g. "survey data is not available"."""
    return HTML(f'<div class="pa-note">{esc(text)}</div>')


def paragraph(text: str) -> HTML:
    """A plain paragraph of escaped text."""
    return HTML(f"<p>{esc(text)}</p>")


def bullet_list(items: Sequence[str]) -> HTML:
    """An escaped bullet list."""
    return HTML("<ul>" + "".join(f"<li>{esc(item)}</li>" for item in items) + "</ul>")
