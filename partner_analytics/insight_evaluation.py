"""Evaluating the partner rule table over a table of partners, all partners at once.

:func:`evaluate_partner_rules` takes one row per partner (``partner_id``, the KPIs and the derived columns the
rules read; :mod:`partner_analytics.insight_rules`) and returns the ranked findings.
:func:`partner_analytics.insights.partner_insights` builds that table from a Rollup; tests build it by hand.
"""

from __future__ import annotations

import string
from collections.abc import Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from .insight_rules import INSIGHT_COLUMNS, KIND_ORDER, PARTNER_RULES, Comparison, PartnerRule
from .metrics.registry import KPIS, format_unit

__all__ = ["evaluate_partner_rules", "required_columns", "no_findings"]


def no_findings() -> pd.DataFrame:
    """An empty table of findings (:data:`~.insight_rules.INSIGHT_COLUMNS`)."""
    return pd.DataFrame([], columns=INSIGHT_COLUMNS).astype({"severity": "int64", "value": "float64"})


def required_columns(rules: tuple[PartnerRule, ...] = PARTNER_RULES) -> list[str]:
    """The columns a table must have for :func:`evaluate_partner_rules` (besides ``partner_id``)."""
    return list(dict.fromkeys(column for rule in rules for column in rule.columns))


def evaluate_partner_rules(table: Mapping, thresholds: Mapping[str, float], *, complete: bool = True,
                           rules: tuple[PartnerRule, ...] = PARTNER_RULES) -> pd.DataFrame:
    """The ranked findings of ``rules`` for every row (partner) of ``table``.

    Parameters
    ----------
    table
        A DataFrame or a mapping of equally long columns: ``partner_id`` (unique) and every column of
        :func:`required_columns`; true/false columns for the rules' conditions.
    thresholds
        Every threshold the rules read (:func:`~partner_analytics.insights.thresholds`).
    complete
        False when the reporting period is still in progress: titles then say "so far this period" and compare
        growth with "the same days of the same period last year".
    rules
        The rule table (default :data:`~partner_analytics.insight_rules.PARTNER_RULES`), in ranking order.

    Returns
    -------
    DataFrame
        :data:`~partner_analytics.insight_rules.INSIGHT_COLUMNS`, ``scope`` "partner"; sorted by
        ``partner_id``, then improvements before strengths, most severe first, then by rule order.

    Raises
    ------
    KeyError
        Naming the columns ``table`` lacks.
    """
    missing = [c for c in ["partner_id", *required_columns(rules)] if c not in table]
    if missing:
        raise KeyError(f"the partner table lacks columns {missing}")
    conditions = {rule.condition for rule in rules}
    columns = {c: _truth(table[c]) if c in conditions else _numbers(table[c]) for c in required_columns(rules)}
    words = {"year_ago": "same period last year" if complete else "same days of the same period last year",
             "so_far": "this period" if complete else "so far this period"}
    ids = np.asarray(table["partner_id"], dtype=object)
    found = _partner_findings(rules, columns, thresholds, words, len(ids))
    if not found:
        return no_findings()
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(ids, kind="stable")] = np.arange(len(ids))
    kind = np.array([KIND_ORDER[rule.kind] for rule in rules])[found["rule"]]
    order = np.lexsort((found["rule"], found["row"], -found["severity"], kind, rank[found["row"]]))
    rule = found["rule"][order]
    return pd.DataFrame({
        "scope": _labels(np.zeros(len(order)), ["partner"]),
        "partner_id": pd.Series(ids[found["row"][order]], dtype="str"),
        "rule": _labels(rule, [r.name for r in rules]), "kind": _labels(rule, [r.kind for r in rules]),
        "severity": found["severity"][order], "kpi": _labels(rule, [r.kpi for r in rules]),
        "value": found["value"][order],
        "title": pd.Series(found["title"][order], dtype="str"),
        "action": _labels(rule, [r.action for r in rules]),
    })


def _numbers(values) -> np.ndarray:
    """Floats, NaN for missing values."""
    values = np.asarray(values)
    return values if values.dtype == np.float64 else pd.array(values, dtype="Float64").to_numpy(float, na_value=np.nan)


def _truth(values) -> np.ndarray:
    """True/false, false for missing values."""
    values = np.asarray(values)
    return values if values.dtype == bool else pd.array(values, dtype="boolean").to_numpy(bool, na_value=False)


_OPERATORS = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal, "==": np.equal}


def _holds(comparison: Comparison, columns: Mapping[str, np.ndarray], t: Mapping[str, float]) -> np.ndarray:
    limit = t[comparison.threshold] if isinstance(comparison.threshold, str) else comparison.threshold
    with np.errstate(invalid="ignore"):
        return _OPERATORS[comparison.op](columns[comparison.column], limit * comparison.scale)


def _fires(rule: PartnerRule, columns: Mapping[str, np.ndarray], t: Mapping[str, float], n: int) -> np.ndarray:
    """Where every comparison of ``rule`` (and its condition) holds."""
    mask = np.ones(n, dtype=bool)
    for comparison in rule.when:
        mask &= _holds(comparison, columns, t)
    if rule.condition:
        mask &= columns[rule.condition]
    return mask


def _field_text(values: np.ndarray, name: str, spec: str) -> list[str]:
    """One title field: ``values`` formatted as KPI ``spec`` or ``name``, or with format spec ``spec``."""
    kpi = spec if spec in KPIS else (name if not spec and name in KPIS else None)
    if kpi is not None:
        unit = KPIS[kpi].unit
        return [format_unit(unit, v) for v in values.tolist()]
    return [format(v, spec) for v in values.tolist()]


def _titles(template: str, columns: Mapping[str, np.ndarray], picked: np.ndarray, t: Mapping[str, float],
            words: Mapping[str, str]) -> list[str]:
    """The title of every finding at rows ``picked`` (template language: :mod:`~.insight_rules`)."""
    titles = [""] * len(picked)
    for i, part in enumerate(template.replace("]", "[").split("[")):  # odd parts: optional
        pattern, fields, missing = "", [], np.zeros(len(picked), dtype=bool)
        for literal, name, spec, _ in string.Formatter().parse(part):
            pattern += literal.replace("{", "{{").replace("}", "}}")
            if name in columns:
                values = columns[name][picked]
                missing |= np.isnan(values)
                fields.append(_field_text(values, name, spec or ""))
                pattern += "{}"
            elif name:  # the same for every finding: a period phrase or a threshold
                text = words[name] if name in words else _field_text(np.array([t[name]]), name, spec or "")[0]
                pattern += text.replace("{", "{{").replace("}", "}}")
        texts = list(map(pattern.format, *fields)) if fields else [pattern.format()] * len(picked)
        if i % 2:
            texts = ["" if gone else text for gone, text in zip(missing.tolist(), texts)]
        titles = list(map(str.__add__, titles, texts))
    return titles


def _partner_findings(rules: tuple[PartnerRule, ...], columns: Mapping[str, np.ndarray], t: Mapping[str, float],
                      words: Mapping[str, str], n: int) -> dict[str, np.ndarray]:
    """Every finding of ``rules`` over all partners: partner ``row``, ``rule`` index, ``severity``, ``value`` and
    ``title`` (empty when none fires)."""
    parts = []
    for index, rule in enumerate(rules):
        picked = np.flatnonzero(_fires(rule, columns, t, n))
        if not len(picked):
            continue
        severity = np.full(len(picked), rule.severity, dtype="int64")
        if rule.severe_when is not None:
            severity[_holds(rule.severe_when, columns, t)[picked]] = 3
        parts.append({"row": picked, "rule": np.full(len(picked), index), "severity": severity,
                      "value": columns[rule.value][picked],
                      "title": np.array(_titles(rule.title, columns, picked, t, words), dtype=object)})
    return {key: np.concatenate([part[key] for part in parts]) for key in parts[0]} if parts else {}


def _labels(codes: np.ndarray, labels: list[str | None]) -> pd.Series:
    """A text column holding ``labels[code]`` for each code (built in Arrow: no string per row in Python)."""
    dictionary = pa.DictionaryArray.from_arrays(pa.array(codes, pa.int32()), pa.array(labels, pa.large_string()))
    text = pd.StringDtype("pyarrow", na_value=np.nan)
    return dictionary.cast(pa.large_string()).to_pandas(types_mapper={pa.large_string(): text}.get)
