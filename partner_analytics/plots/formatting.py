"""Axis formatting shared by the plot modules."""

from __future__ import annotations

from matplotlib.ticker import FuncFormatter

__all__ = ["compact_money", "money_formatter"]


def compact_money(value: float, _position: object = None) -> str:
    """Compact label for an amount in the reporting currency.

    Examples
    --------
    >>> compact_money(12_500_000), compact_money(800_000), compact_money(250)
    ('12.5M', '800k', '250')
    """
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            return f"{value / threshold:g}{suffix}"
    return f"{value:g}"


def money_formatter() -> FuncFormatter:
    """A new tick formatter for amounts (formatters must not be shared between axes)."""
    return FuncFormatter(compact_money)
