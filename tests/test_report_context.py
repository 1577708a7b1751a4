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


def test_the_code_fingerprint_changes_with_any_package_file_and_ignores_compiled_files(tmp_path):
    from partner_analytics.render.context import code_fingerprint

    (tmp_path / "templates").mkdir()
    (tmp_path / "metrics.py").write_text("REVENUE = 1\n")
    (tmp_path / "templates" / "partner.ipynb").write_text("{}")
    before = code_fingerprint(tmp_path)
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "metrics.cpython-311.pyc").write_bytes(b"\0")
    code_fingerprint.cache_clear()
    assert code_fingerprint(tmp_path) == before
    (tmp_path / "templates" / "partner.ipynb").write_text("{ }")
    code_fingerprint.cache_clear()
    assert code_fingerprint(tmp_path) != before


def test_a_code_change_changes_the_report_fingerprint_so_reports_are_rendered_again(tiny_program, monkeypatch):
    from partner_analytics.render import context as module

    context = build_context(tiny_program, load_params(), period="2024Q2")
    before = context.fingerprint
    monkeypatch.setattr(module, "code_fingerprint", lambda: "an edited checkout")
    assert context.fingerprint != before
