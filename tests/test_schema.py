"""The schema is defined once; the README's data dictionary is generated from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from partner_analytics.schema import TABLES, Column, data_dictionary_markdown

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- data-dictionary:start -->", "<!-- data-dictionary:end -->"


def test_the_readme_data_dictionary_matches_the_schema():
    text = README.read_text(encoding="utf-8")
    embedded = text.split(START, 1)[1].split(END, 1)[0].strip() + "\n"
    assert embedded == data_dictionary_markdown(), (
        "README data dictionary is stale: regenerate it with "
        "`python -c 'from partner_analytics.schema import data_dictionary_markdown as d; print(d())'`"
    )


def test_every_table_has_snake_case_unique_columns():
    for table in TABLES.values():
        names = table.column_names
        assert len(names) == len(set(names))
        assert all(name == name.lower() and " " not in name for name in names)


def test_an_unknown_column_kind_is_rejected():
    with pytest.raises(ValueError, match="unknown kind"):
        Column("x", "money", "bad")


def test_looking_up_a_missing_column_names_the_table():
    with pytest.raises(KeyError, match="table 'deals' has no column 'price'"):
        TABLES["deals"].column("price")
