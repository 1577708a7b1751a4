"""Display-ready tables for the notebooks: human headers and formats (:mod:`partner_analytics.labels`), colour bars
where magnitude matters, headers that sort the table when clicked, Markdown bullet lists, and the what-if views
(tier thresholds and weights, one partner's early-warning numbers)."""

from __future__ import annotations

import dataclasses
import html
import json
import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
from IPython.display import HTML
from pandas.io.formats.style import Styler

from ..labels import format_frame, format_value, label, unit

__all__ = ["BAR_COLOUR", "CODE_COLUMNS", "styled", "sortable", "sort_keys", "bar_columns", "bullet_list", "what_if_view",
           "warning_what_if_view"]

BAR_COLOUR = "#9ecae1"
"""Colour of the in-cell bars (light blue: the text stays readable on it)."""

_BAR_UNITS = ("currency", "fraction", "count")

# Click handler of a sortable table (``this`` is the <table>): sorts the body rows by the clicked column's raw
# values (``data-pa-sort``, one list per column, row order as in the frame); numbers first sort largest first,
# text A to Z; a second click reverses; missing values (null) stay last. Inline, so it needs no script tag, no
# library and no network; JupyterLab runs it in outputs it trusts (those the session computed).
_SORT_JS = (
    "var h=event.target.closest('th.col_heading');if(!h)return;"
    "var c=+/\\bcol(\\d+)/.exec(h.className)[1],k=JSON.parse(this.dataset.paSort)[c],b=this.tBodies[0];"
    "var s=h.getAttribute('aria-sort'),d=s?(s==='ascending'?-1:1):"
    "(k.some(function(v){return typeof v==='number'})?-1:1);"
    "this.querySelectorAll('th.col_heading').forEach(function(t){t.removeAttribute('aria-sort')});"
    "h.setAttribute('aria-sort',d>0?'ascending':'descending');"
    "var n=function(r){return +/\\brow(\\d+)/.exec(r.cells[r.cells.length-1].className)[1]};"
    "Array.from(b.rows).sort(function(x,y){var p=k[n(x)],q=k[n(y)];"
    "if(p===null||q===null)return (p===null)-(q===null);"
    "return d*(typeof p==='number'&&typeof q==='number'?p-q:String(p).localeCompare(String(q)))})"
    ".forEach(function(r){b.appendChild(r)});"
)
_NO_MATH = 'class="tex2jax_ignore mathjax_ignore"'
"""Table class that keeps JupyterLab's MathJax off amounts: two ``$`` in a cell are text, not a formula."""
_SORT_STYLES = [
    {"selector": "th.col_heading", "props": [("cursor", "pointer"), ("user-select", "none")]},
    {"selector": "th.col_heading::after", "props": [("content", "' ⇅'"), ("color", "#bbb")]},
    {"selector": "th.col_heading[aria-sort=ascending]::after", "props": [("content", "' ▲'"), ("color", "#333")]},
    {"selector": "th.col_heading[aria-sort=descending]::after", "props": [("content", "' ▼'"), ("color", "#333")]},
]


def bar_columns(frame: pd.DataFrame, *, units: Mapping[str, str] | None = None) -> list[str]:
    """The columns whose size matters at a glance: amounts, shares and counts, in tables of two or more rows.

    Identifiers and ranks are not bars, nor are ``top_k``/``window``/``n`` style counts that label a row, nor
    growth rates or columns with negative values (a bar from zero cannot show a fall).

    Examples
    --------
    >>> bar_columns(pd.DataFrame({"partner_type": ["a", "b"], "revenue": [1.0, 2.0], "share": [0.3, 0.7],
    ...                           "revenue_growth_qoq": [0.1, 0.2], "change": [-1.0, 2.0]}))
    ['revenue', 'share']
    """
    if len(frame) < 2:
        return []
    labels = {"rank", "top_k", "window", "n", "period", "cohort"}
    units = units or {}
    return [c for c in frame.columns if c not in labels and "growth" not in str(c)
            and pd.api.types.is_numeric_dtype(frame[c]) and not pd.api.types.is_bool_dtype(frame[c])
            and units.get(c, unit(c, frame[c])) in _BAR_UNITS and not (frame[c] < 0).any()]


CODE_COLUMNS = ("kpi", "x", "y", "method", "activity", "survey", "stage", "channel", "change", "band")
"""Columns whose values are codes of the package (KPIs, measures, methods, activities, ...): shown by their label
(``psat`` → ``Partner satisfaction (PSAT)``). Partner attributes (type, region, tier) are data and stay as they are."""


def styled(
    frame: pd.DataFrame, *, percent: Iterable[str] | None = None, precision: int = 2, hide_index: bool = True,
    bars: Iterable[str] | None = None, units: Mapping[str, str] | None = None, headers: Mapping[str, str] | None = None,
) -> Styler:
    """A display-ready view of a frame: human headers, the package's display formats, colour bars, sortable.

    :func:`partner_analytics.labels.format_frame`: headers from
    :func:`~partner_analytics.labels.label`, cells from
    :func:`~partner_analytics.labels.format_value` (``$1.23M``, ``45.7%``,
    ``+12``, ``30 days``, counts without ``.0``, ``Yes``/``No``, dates
    without time, p-values to three decimals); missing values show as an em
    dash. Codes in :data:`CODE_COLUMNS` show as labels, and in a long KPI
    table (``kpi`` and ``value`` columns) each value is shown in its KPI's
    unit. Amount, share and count columns get an in-cell bar scaled to the
    column (:func:`bar_columns`) so the largest values stand out. Clicking a
    header sorts the rows (:func:`sortable`). The frame itself is not changed
    (formatting happens at display).

    Parameters
    ----------
    frame
        Any table.
    percent
        Extra columns holding fractions (0..1) to show as percents (columns
        named ``*share``, ``*rate``, ``*retention``, ``conversion*`` and
        fraction KPIs already are).
    precision
        Decimals of coefficients and other non-whole numbers.
    hide_index
        Hide the row index (for tidy frames with a default index); a shown
        index has no name row.
    bars
        Columns to draw bars in; default :func:`bar_columns`; ``()`` for none.
    units
        A unit of :data:`~partner_analytics.labels.DISPLAY_UNITS` for columns
        whose unit only the context knows (``{"median": "days"}``).
    headers
        Headers for columns whose label only the context knows.

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> table = pd.DataFrame({"revenue": [1234567.8], "share": [0.25], "partners": [3.0]})
    >>> styled(table).to_string(delimiter=" ").split("\\n")[1]
    '$1.23M 25.0% 3'
    >>> days = pd.DataFrame({"channel": ["direct", "partner"], "median": [74.0, 43.0]})
    >>> styled(days, units={"median": "days"}, headers={"median": "Median time to close"}).to_string(delimiter="|")
    'Channel|Median time to close\\nDirect|74 days\\nPartner|43 days\\n'
    """
    units, headers = dict(units or {}), dict(headers or {})
    style = format_frame(frame, percent=() if percent is None else list(percent), precision=precision, hide_index=hide_index)
    for column, kind in units.items():
        style = style.format(lambda v, c=column, k=kind: format_value(c, v, unit_name=k, precision=precision),
                             subset=[column])
    for column in (c for c in CODE_COLUMNS if c in frame.columns and c not in units and _is_text(frame[c])):
        style = style.format(lambda v: "—" if pd.isna(v) else label(v), subset=[column])
    if {"kpi", "value"} <= set(frame.columns) and frame.index.is_unique:
        for kpi in frame["kpi"].dropna().unique():
            rows = frame.index[frame["kpi"] == kpi]
            style = style.format(lambda v, k=kpi: format_value(k, v), subset=(rows, ["value"]))
    if headers:
        style = style.relabel_index([headers.get(c, label(c)) for c in frame.columns], axis="columns")
    if not hide_index:
        style = style.hide(axis="index", names=True)
    text = [c for c in frame.columns if _is_text(frame[c])]
    if text:  # words read from the left (JupyterLab right-aligns every cell)
        style = style.set_properties(subset=text, **{"text-align": "left"})
    columns = bar_columns(frame, units=units) if bars is None else list(bars)
    if columns:
        style = style.bar(subset=columns, color=BAR_COLOUR, height=70, width=100, vmin=0)
    style = style.set_table_styles([{"selector": "th", "props": [("text-align", "left")]}], overwrite=False)
    return sortable(style)


def _is_text(values: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_datetime64_any_dtype(values)


def sort_keys(frame: pd.DataFrame) -> list[list]:
    """What each column of ``frame`` sorts by, as JSON values: one list per column, rows in the frame's order.

    Numbers sort as numbers (not as their display text, so ``$2M`` comes after ``$900k``), booleans as 0/1, dates
    as ISO text, anything else as text; missing values (NaN, None, NaT) are ``None``.

    Examples
    --------
    >>> sort_keys(pd.DataFrame({"revenue": [2e6, float("nan")], "won": [True, False], "name": ["b", None]}))
    [[2000000.0, None], [1, 0], ['b', None]]
    """
    def key(value):
        if value is None or value is pd.NA or value is pd.NaT:
            return None
        if isinstance(value, (bool, np.bool_)):
            return int(value)
        if isinstance(value, (int, float, np.number)):
            value = float(value)
            return None if math.isnan(value) else max(min(value, 1e308), -1e308)
        if isinstance(value, pd.Timestamp):
            return value.isoformat()
        return str(value)

    return [[key(v) for v in frame.iloc[:, i].tolist()] for i in range(frame.shape[1])]


def sortable(style: Styler) -> Styler:
    """``style`` with column headers that sort its rows when clicked (again to reverse), in the browser.

    The raw values travel with the table (:func:`sort_keys`, in a ``data-pa-sort`` attribute) and a few lines
    of inline JavaScript reorder the rows: numbers sort by value, not by their formatted text, the first click
    puts the largest first, missing values stay last, and bars and formats move with their rows. Works offline
    and without a kernel; JupyterLab runs it in the outputs of the current session (a notebook reopened from
    disk is untrusted until run again, and its tables then simply do not sort). Tables of fewer than two rows
    are not sortable. Every table is marked ``mathjax_ignore``: JupyterLab would otherwise typeset the text
    between two ``$`` in a cell ("pipeline of $7.20k (typical: $76.89k)") as a formula.
    """
    if len(style.data) < 2:
        return style.set_table_attributes(_NO_MATH)
    keys = html.escape(json.dumps(sort_keys(style.data), ensure_ascii=False, separators=(",", ":")), quote=True)
    style = style.set_table_attributes(
        f'{_NO_MATH} data-pa-sort="{keys}" onclick="{html.escape(_SORT_JS, quote=True)}"')
    return style.set_table_styles(_SORT_STYLES, overwrite=False)


def bullet_list(lines: Iterable[str]) -> str:
    """Markdown bullet list, one line per item (empty text for no items).

    Examples
    --------
    >>> print(bullet_list(["First.", "Second."]))
    - First.
    - Second.
    """
    return "\n".join(f"- {line}" for line in lines)


def what_if_view(what_if, data: pd.DataFrame, params, facts, **changes) -> list:
    """A tier what-if for the partners of a slice, ready to display: counts, then who moves, by name.

    Runs ``what_if(data, params, **changes)`` (:func:`~partner_analytics.metrics.tiers.tier_what_if`), keeps
    the partners of ``facts.partners`` and returns a table of how many move up, down or stay, then either the
    partners who move (names, types, composite and tier before and after) or a sentence saying plainly that
    nobody changes tier. An invalid change (e.g. tier minimums out of order) gives one sentence saying why.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> from partner_analytics.metrics import kpis, scorecard, tiers
    >>> from partner_analytics.params import load_params
    >>> facts, params = pa.rollup(pa.load_program("sample"), as_of="2025-12-31"), load_params()
    >>> card = scorecard.scorecard(kpis.partner_kpis(facts), params)
    >>> what_if_view(tiers.tier_what_if, card, params, facts, thresholds={"gold": 60})[1]
    'Nobody in this slice changes tier with these settings.'
    >>> what_if_view(tiers.tier_what_if, card, params, facts, thresholds={"gold": 90})[0][:30]
    '**Not a valid change:** thresh'
    """
    from .slicing import with_partner_details
    from .statistics import tier_changes

    try:
        result = what_if(data, params, **changes)
    except ValueError as error:
        return [f"**Not a valid change:** {error}"]
    ids = set(facts.partners["partner_id"])
    partners = result.partners[result.partners["partner_id"].isin(ids)]
    counts = partners["change"].value_counts().reindex(["up", "down", "unchanged"], fill_value=0)
    summary = pd.DataFrame({"change": counts.index, "partners": counts.to_numpy(),
                            "share_of_partners": counts.to_numpy() / max(len(partners), 1)})
    moved = tier_changes(dataclasses.replace(result, partners=partners))
    if moved.empty:
        return [styled(summary, percent=["share_of_partners"], bars=()),
                "Nobody in this slice changes tier with these settings."]
    detail = with_partner_details(moved, facts).drop(columns=["region", "tier"], errors="ignore")
    return [styled(summary, percent=["share_of_partners"], bars=()), styled(detail, precision=1, bars=())]


def warning_what_if_view(model, rows: pd.DataFrame, facts, partner_id: str | None, **changes: float) -> list:
    """One partner's probability of going quiet now and with ``changes`` to its numbers, ready to display.

    ``rows`` are the partner's early-warning features at the scored period, indexed by ``partner_id``
    (:func:`~partner_analytics.metrics.early_warning.warning_panel`); ``model`` the fitted model. A partner
    outside the slice (``facts.partners``) gives way to the slice's first scored partner. Changes to features
    the model does not use are left out. Returns a heading naming the partner and a two-row table (now, with
    the changes) of the changed features and the probability. The name is HTML-escaped and kept out of MathJax.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> from partner_analytics.metrics.early_warning_backtest import early_warning
    >>> from partner_analytics.metrics.early_warning import warning_panel
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> warning, features = early_warning(facts), warning_panel(facts)
    >>> rows = features[features["eligible"] & (features["period"] == warning.origin)].set_index("partner_id")
    >>> view = warning_what_if_view(warning.model, rows, facts, "P0066", active_periods=4.0)
    >>> view[0].data, view[1].data["active_periods"].tolist()
    ('<p class="mathjax_ignore"><b>Northwind Advisors</b> (P0066)</p>', [2.0, 4.0])
    """
    from ..metrics.early_warning_model import what_if

    ids = set(facts.partners["partner_id"])
    scored = [i for i in rows.index if i in ids]
    if partner_id not in scored:
        partner_id = scored[0] if scored else None
    if partner_id is None:
        return ["**No partner of this slice was scored.**"]
    row = rows.loc[partner_id]
    changes = {name: value for name, value in changes.items() if name in model.features}
    table = pd.DataFrame({"scenario": ["Now", "With the changes"],
                          **{name: [row[name], value] for name, value in changes.items()},
                          "probability": [what_if(model, row), what_if(model, row, **changes)]})
    name = facts.partners.set_index("partner_id").at[partner_id, "partner_name"]
    return [HTML(f'<p class="mathjax_ignore"><b>{html.escape(str(name))}</b> ({html.escape(str(partner_id))})</p>'),
            styled(table, percent=["probability", "engagement_change"], bars=(),
                   headers={"active_periods": "Periods with revenue, of the last 4",
                            "probability": "Likely to go quiet"})]
