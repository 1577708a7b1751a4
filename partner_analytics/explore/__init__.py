"""Helpers for the exploration notebooks in ``notebooks/``.

The notebooks are thin: they load, call package functions, show and explain. What they need beyond the metric
and plot modules lives here, one job per module:

* :mod:`.slicing` restricts the facts to a slice (:func:`subset_facts`) and builds dropdown options;
* :mod:`.statistics` holds the satisfaction table, corrected p-values, plain-language correlation summaries,
  scorecard weights and tier what-if changes (pure functions);
* :mod:`.tables` formats tables for reading (human headers, registry formats, colour bars);
* :mod:`.charts` draws the hover charts (Altair / Vega-Lite, rendered by JupyterLab without a CDN);
* :mod:`.downloads` turns the current slice into a formula-safe CSV or Excel download;
* :mod:`.widgets` is the filter panel at the top of every notebook and the sections it redraws in place.

Importing this package has no side effects.
"""

from . import charts
from .downloads import download_links
from .slicing import (ALL, FILTERS, NO_DEAL_DISTRIBUTIONS, choices, has_deal_distributions, partner_choices,
                      period_choices, period_end, subset_facts, trailing_year, with_partner_details)
from .statistics import adjust_p_values, describe_correlations, satisfaction_table, tier_changes, weights_matrix
from .tables import bullet_list, styled, warning_what_if_view, what_if_view
from .widgets import FilterPanel, Slice, as_outputs, dropdown, figure, percent_slider, score_slider

__all__ = [
    "ALL",
    "FILTERS",
    "subset_facts",
    "choices",
    "partner_choices",
    "period_choices",
    "trailing_year",
    "period_end",
    "satisfaction_table",
    "adjust_p_values",
    "describe_correlations",
    "weights_matrix",
    "tier_changes",
    "styled",
    "bullet_list",
    "with_partner_details",
    "has_deal_distributions",
    "NO_DEAL_DISTRIBUTIONS",
    "download_links",
    "FilterPanel",
    "Slice",
    "dropdown",
    "figure",
    "as_outputs",
    "percent_slider",
    "score_slider",
    "charts",
    "what_if_view",
    "warning_what_if_view",
]
