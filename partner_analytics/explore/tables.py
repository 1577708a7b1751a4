"""Display-ready tables for the notebooks: human headers and formats (:mod:`partner_analytics.labels`), colour bars
where magnitude matters, and Markdown bullet lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

import pandas as pd
from pandas.io.formats.style import Styler

from ..labels import format_frame, unit

__all__ = ["BAR_COLOUR", "styled", "bar_columns", "bullet_list", "what_if_view"]

BAR_COLOUR = "#9ecae1"
"""Colour of the in-cell bars (light blue: the text stays readable on it)."""

_BAR_UNITS = ("currency", "fraction", "count")


def bar_columns(frame: pd.DataFrame) -> list[str]:
    """The columns whose size matters at a glance: amounts, shares and counts, in tables of two or more rows.

    Identifiers and ranks are not bars, nor are ``top_k``/``window``/``n`` style counts that label a row.

    Examples
    --------
    >>> bar_columns(pd.DataFrame({"partner_type": ["a", "b"], "revenue": [1.0, 2.0], "share": [0.3, 0.7]}))
    ['revenue', 'share']
    """
    if len(frame) < 2:
        return []
    labels = {"rank", "top_k", "window", "n", "period", "cohort"}
    return [c for c in frame.columns if c not in labels and pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c]) and unit(c, frame[c]) in _BAR_UNITS]


def styled(
    frame: pd.DataFrame, *, percent: Iterable[str] | None = None, precision: int = 2, hide_index: bool = True,
    bars: Iterable[str] | None = None,
) -> Styler:
    """A display-ready view of a frame: human headers, the package's display formats and colour bars.

    :func:`partner_analytics.labels.format_frame`: headers from
    :func:`~partner_analytics.labels.label`, cells from
    :func:`~partner_analytics.labels.format_value` (``$1.23M``, ``45.7%``,
    ``+12``, ``30 days``, counts without ``.0``, ``Yes``/``No``, dates
    without time, p-values to three decimals); missing values show as an em
    dash. Amount, share and count columns get an in-cell bar scaled to the
    column (:func:`bar_columns`) so the largest values stand out. The frame
    itself is not changed (formatting happens at display).

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
        Hide the row index (for tidy frames with a default index).
    bars
        Columns to draw bars in; default :func:`bar_columns`; ``()`` for none.

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> table = pd.DataFrame({"revenue": [1234567.8], "share": [0.25], "partners": [3.0]})
    >>> styled(table).to_string(delimiter=" ").split("\\n")[1]
    '$1.23M 25.0% 3'
    """
    style = format_frame(frame, percent=() if percent is None else list(percent), precision=precision, hide_index=hide_index)
    columns = bar_columns(frame) if bars is None else list(bars)
    if columns:
        style = style.bar(subset=columns, color=BAR_COLOUR, height=70, width=100, vmin=0)
    return style.set_table_styles([{"selector": "th", "props": [("text-align", "left")]}], overwrite=False)


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
