"""Display-ready tables for the notebooks: human headers, registry formats, colour bars, bullet lists."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
from pandas.io.formats.style import Styler

from ..metrics.registry import KPIS, format_value

__all__ = ["styled", "bullet_list"]


def styled(
    frame: pd.DataFrame, *, percent: Iterable[str] | None = None, precision: int = 2, hide_index: bool = True
) -> Styler:
    """A display-ready view of a frame: registry formats, percents, thousands separators.

    Columns named after a registry KPI use
    :func:`~partner_analytics.metrics.registry.format_value` (``$1.23M``,
    ``45.7%``, ``+12``, ``30 days``); ``percent`` columns show fractions as
    percents with one decimal; p-value columns (named ``p_value`` or
    starting with ``p_``) show two significant digits; other float columns
    show ``precision`` decimals with thousands separators. Missing values
    show as an em dash.
    The frame itself is not changed (formatting happens at display).

    Parameters
    ----------
    frame
        Any table.
    percent
        Columns holding fractions (0..1) to show as percents. Default: the
        columns whose name ends in ``share``, ``rate`` or ``retention``, or
        starts with ``conversion`` (the fraction columns of the metric
        modules).
    precision
        Decimals of the other float columns.
    hide_index
        Hide the row index (for tidy frames with a default index).

    Returns
    -------
    pandas.io.formats.style.Styler

    Examples
    --------
    >>> table = pd.DataFrame({"revenue": [1234567.8], "share": [0.25], "partners": [3.0]})
    >>> styled(table).to_string(delimiter=" ").split("\\n")[1]
    '$1.23M 25.0% 3.00'
    """
    percent = {c for c in frame.columns if _is_fraction_name(str(c))} if percent is None else set(percent)
    formats = {}
    for column in frame.columns:
        if column in KPIS:
            formats[column] = (lambda name: lambda v: format_value(name, v))(column)
        elif column in percent:
            formats[column] = "{:.1%}"
        elif str(column).startswith("p_"):
            formats[column] = "{:.2g}"
        elif pd.api.types.is_float_dtype(frame[column]):
            formats[column] = f"{{:,.{precision}f}}"
    style = frame.style.format(formats, na_rep="—")
    return style.hide(axis="index") if hide_index else style


def _is_fraction_name(name: str) -> bool:
    return name.endswith(("share", "rate", "retention")) or name.startswith("conversion")


def bullet_list(lines: Iterable[str]) -> str:
    """Markdown bullet list, one line per item (empty text for no items).

    Examples
    --------
    >>> print(bullet_list(["First.", "Second."]))
    - First.
    - Second.
    """
    return "\n".join(f"- {line}" for line in lines)
