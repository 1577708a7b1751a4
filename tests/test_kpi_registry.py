"""The KPI registry and the functions that compute KPIs describe the same set of KPIs, in both directions."""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

import partner_analytics as pa
from partner_analytics.metrics import kpis as kpis_module
from partner_analytics.metrics.kpis import ATTRIBUTE_COLUMNS, KPI_FUNCTIONS, partner_kpis
from partner_analytics.metrics.registry import KPIS


@functools.lru_cache(maxsize=1)
def facts() -> pa.Rollup:
    return pa.rollup(pa.load_program("sample"))


def test_every_registered_kpi_has_a_compute_function():
    missing = {k.name: k.domain for k in KPIS.values() if k.domain not in KPI_FUNCTIONS}
    assert not missing, f"registered KPIs without a function in KPI_FUNCTIONS: {missing}"


@pytest.mark.parametrize("domain", list(KPI_FUNCTIONS))
def test_each_function_computes_exactly_the_registered_kpis_of_its_domain(domain):
    table = KPI_FUNCTIONS[domain](facts(), period=facts().period)
    registered = [k.name for k in KPIS.values() if k.domain == domain]
    assert registered, f"KPI_FUNCTIONS[{domain!r}] computes KPIs the registry does not list"
    assert table.columns[0] == "partner_id"
    assert sorted(table.columns[1:]) == sorted(registered), "a computed column has no registry entry, or back"
    assert list(table["partner_id"]) == list(facts().partners["partner_id"])


def test_partner_kpis_has_one_column_per_registered_kpi_in_registry_order():
    assert list(partner_kpis(facts()).columns) == [*ATTRIBUTE_COLUMNS, *KPIS]


def test_a_computed_column_without_a_registry_entry_is_refused(monkeypatch):
    original = KPI_FUNCTIONS["mdf"]

    def with_extra(facts, *, period=None):
        return original(facts, period=period).assign(mdf_unregistered=1.0)

    monkeypatch.setitem(kpis_module.KPI_FUNCTIONS, "mdf", with_extra)
    with pytest.raises(ValueError, match="mdf_unregistered"):
        partner_kpis(facts())


def test_a_registered_domain_without_a_function_is_refused(monkeypatch):
    monkeypatch.delitem(kpis_module.KPI_FUNCTIONS, "mdf")
    with pytest.raises(KeyError, match="'mdf'"):
        partner_kpis(facts())


def test_a_function_out_of_partner_order_is_refused(monkeypatch):
    original = KPI_FUNCTIONS["targets"]
    monkeypatch.setitem(kpis_module.KPI_FUNCTIONS, "targets",
                        lambda facts, *, period=None: original(facts, period=period).iloc[::-1])
    with pytest.raises(ValueError, match="facts.partners order"):
        partner_kpis(facts())


def test_registry_module_imports_nothing_of_the_package():
    source = Path(kpis_module.__file__).with_name("registry.py").read_text()
    assert "from ." not in source and "import partner_analytics" not in source
