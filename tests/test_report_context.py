"""The context the report kernels read is always the one this run computed."""

from __future__ import annotations

import dataclasses

from partner_analytics.params import load_params
from partner_analytics.render.context import build_context, load_context, save_context


def test_a_saved_context_is_replaced_so_reports_never_read_numbers_an_earlier_run_computed(tmp_path, tiny_program):
    context = build_context(tiny_program, load_params(), period="2024Q2")
    stale = dataclasses.replace(context, source="computed by an earlier version")  # same inputs, same fingerprint
    path = save_context(stale, tmp_path)
    assert load_context(path).source == "computed by an earlier version"
    assert save_context(context, tmp_path) == path
    assert load_context(path).source == context.source
