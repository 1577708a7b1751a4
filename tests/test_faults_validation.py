"""Validation declared once: the pandas path and the SQL path find the same problems in the same corrupted tables."""

from __future__ import annotations

import re

import pytest

from partner_analytics.engine.program import open_program
from partner_analytics.errors import ProgramDataError
from partner_analytics.io import load_program
from partner_analytics.rules import EXPECTED, REFERENCES, ROW_RULES, UNIQUE_KEYS

from conftest_postgres import postgres_db, postgres_url, write_csv_folder  # noqa: F401  (fixtures)

pytestmark = pytest.mark.faults

# (table, text in the tiny CSV, replacement, expected problem: file, column, message, rows at fault)
CORRUPTIONS = {
    "churned before onboarded": ("partners", "2024-05-01,2024-11-30", "2024-05-01,2024-01-31",
                                 ("partners.csv", "churned_on", "is before onboarded_on", 1)),
    "won/lost deal without closed_on": ("deals", "D3,P1,sourced,2024-03-01,2024-03-31,lost",
                                        "D3,P1,sourced,2024-03-01,,lost",
                                        ("deals.csv", "closed_on", "is blank on won/lost deals", 1)),
    "closed before created": ("deals", "D1,P1,sourced,2024-01-10,2024-02-09", "D1,P1,sourced,2024-01-10,2024-01-09",
                              ("deals.csv", "closed_on", "is before created_on", 1)),
    "open deal with a close date": ("deals", "D4,P2,sourced,2024-03-15,,open", "D4,P2,sourced,2024-03-15,2024-03-20,open",
                                    ("deals.csv", "closed_on", "is set on open deals", 1)),
    "direct deal with a partner": ("deals", "D7,,direct", "D7,P1,direct",
                                   ("deals.csv", "attribution", "must be 'direct' exactly when partner_id is blank", 1)),
    "target period backwards": ("targets", "P2,deals_won,2024-04-01,2024-06-30", "P2,deals_won,2024-04-01,2024-03-30",
                                ("targets.csv", "period_end", "is before period_start", 1)),
    "duplicate targets": ("targets", "P1,revenue,2024-04-01,2024-06-30,1000", "P1,revenue,2024-01-01,2024-06-30,1000",
                          ("targets.csv", "period_start", "more than one target for the same partner, kpi and period",
                           2)),
    "score above its scale": ("surveys", "P1,2024-03-15,psat,4,5", "P1,2024-03-15,psat,7,5",
                              ("surveys.csv", "score", "is above scale_max", 1)),
    "survey naming an unknown deal": ("surveys", "P1,2024-04-05,csat,5,5,D2", "P1,2024-04-05,csat,5,5,D99",
                                      ("surveys.csv", "deal_id", "refers to deals not in deals", 1)),
    "activity of an unknown partner": ("engagement", "P2,2024-03-01,training", "P9,2024-03-01,training",
                                       ("engagement.csv", "partner_id", "refers to partners not in partners", 1)),
}
# column rules, from the schema: kind, blank, unique, allowed codes, bounds
CORRUPTIONS |= {
    "unreadable amount": ("deals", "won,200,Addon,C5", "won,2x00,Addon,C5",
                          ("deals.csv", "amount", "cannot be read as a number", 1)),
    "unreadable flag": ("deals", "500,Suite,C2,false", "500,Suite,C2,maybe",
                        ("deals.csv", "is_new_customer", "cannot be read as true/false, yes/no or 1/0", 1)),
    "negative amount": ("deals", "won,2000,Suite,C6", "won,-2000,Suite,C6",
                        ("deals.csv", "amount", "values below 0", 1)),
    "repeated deal id": ("deals", "D8,P1,sourced,2024-06-01", "D5,P1,sourced,2024-06-01",
                         ("deals.csv", "deal_id", "duplicate values (must be unique)", 2)),
    "unknown survey kind": ("surveys", "P2,2024-06-01,partner_nps", "P2,2024-06-01,nps",
                            ("surveys.csv", "survey", "unknown values (allowed: psat, partner_nps, csat)", 1)),
    "blank required name": ("partners", "P2,Beta Partners,referral", "P2,,referral",
                            ("partners.csv", "partner_name", "blank values are not allowed", 1)),
}


def _corrupt(folder, *names: str) -> None:
    for name in names:
        table, old, new, _ = CORRUPTIONS[name]
        path = folder / f"{table}.csv"
        assert old in path.read_text()
        path.write_text(path.read_text().replace(old, new))


def _count(problem) -> int:
    if problem.rows:
        return len(problem.rows)
    return int(re.search(r"\[([\d,]+) rows?", problem.message).group(1).replace(",", ""))


def _problems(folder, engine: str) -> list[tuple[str, str | None, str, int]]:
    with pytest.raises(ProgramDataError) as caught:
        if engine == "pandas":
            load_program(folder)
        else:
            open_program(folder, engine="duckdb").close()
    return [(p.file, p.column, p.message.split(" [")[0], _count(p)) for p in caught.value.problems]


def test_every_declared_rule_has_a_corruption_here():
    messages = {c[3][2] for c in CORRUPTIONS.values()}
    declared = {r.message for r in ROW_RULES} | {r.message for r in REFERENCES} | {k.message for k in UNIQUE_KEYS}
    assert declared <= messages
    kinds = {f"cannot be read as {EXPECTED[kind]}" for kind in ("number", "boolean")}  # date and e-mail: below
    assert kinds | {"values below 0", "blank values are not allowed", "duplicate values (must be unique)"} <= messages


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_each_rule_finds_its_problem_on_both_paths(tiny_dir, name):
    _corrupt(tiny_dir, name)
    expected = [CORRUPTIONS[name][3]]
    assert _problems(tiny_dir, "pandas") == expected
    assert _problems(tiny_dir, "sql") == expected


def test_the_same_corrupted_tables_give_the_same_problems_on_both_paths(tiny_dir):
    _corrupt(tiny_dir, *CORRUPTIONS)
    pandas_problems = _problems(tiny_dir, "pandas")
    assert sorted(pandas_problems) == sorted(c[3] for c in CORRUPTIONS.values())
    # the same problems; the engine lists repeated values after the rules it counts in one scan
    assert sorted(_problems(tiny_dir, "sql")) == sorted(pandas_problems)


def test_an_unreadable_close_date_is_one_problem_not_also_a_blank_one(tiny_dir):
    path = tiny_dir / "deals.csv"
    path.write_text(path.read_text().replace("2024-04-10,2024-05-10,won", "2024-04-10,10/05/2024x,won"))
    expected = [("deals.csv", "closed_on", "cannot be read as a date like 2024-03-31", 1)]
    assert _problems(tiny_dir, "pandas") == expected
    assert _problems(tiny_dir, "sql") == expected


# addresses both paths must accept (after stripping the spaces around them) or reject
ADDRESSES = {
    "a.b+c@mail.example.co.uk": True, " ops@gamma.example\t": True, "\u00a0ops@beta.example\u3000": True,
    "x@y.example": True, "a\tb@example.com": False, "a b@example.com": False, "a\u00a0b@example.com": False,
    "a@@example.com": False, "a@b@example.com": False, "a@example": False, "a@example.": False,
    "a@example.com.": False, "@example.com": False, "a@": False, "a@exa\nmple.com": False,
}


def _with_addresses(folder, addresses) -> None:
    """The tiny partners plus one partner per address, every field quoted (so no reader trims the spaces)."""
    import csv
    import io

    import pandas as pd

    from conftest import TINY_CSV

    partners = pd.read_csv(io.StringIO(TINY_CSV["partners"]), dtype=str, keep_default_na=False)
    extra = pd.DataFrame({"partner_id": [f"Q{i}" for i in range(len(addresses))], "partner_name": "Extra",
                          "partner_type": "reseller", "onboarded_on": "2024-01-01", "contact_email": list(addresses)})
    pd.concat([partners, extra]).to_csv(folder / "partners.csv", index=False, quoting=csv.QUOTE_ALL)


def _emails(source, engine: str) -> list[str]:
    if engine == "pandas":
        return load_program(source).partners["contact_email"].dropna().tolist()
    with open_program(source, engine=engine) as program:
        return program.partners.sort_values("partner_id", key=lambda ids: ids.str[1:].astype(int))[
            "contact_email"].dropna().tolist()


def test_email_addresses_are_accepted_and_rejected_alike_on_both_paths(tiny_dir):
    rejected = [a for a, ok in ADDRESSES.items() if not ok]
    _with_addresses(tiny_dir, ADDRESSES)
    expected = [("partners.csv", "contact_email", "cannot be read as an e-mail address like name@example.com",
                 len(rejected))]
    assert _problems(tiny_dir, "pandas") == _problems(tiny_dir, "duckdb") == expected
    with pytest.raises(ProgramDataError) as caught:
        load_program(tiny_dir)
    assert list(caught.value.problems[0].values) == rejected  # exactly these, in pandas and (by count) in SQL
    _with_addresses(tiny_dir, [a for a, ok in ADDRESSES.items() if ok])
    accepted = [a.strip() for a, ok in ADDRESSES.items() if ok]
    assert _emails(tiny_dir, "pandas") == _emails(tiny_dir, "duckdb") == accepted


def test_email_addresses_are_accepted_and_rejected_alike_on_postgresql(postgres_db, tiny_dir):
    _with_addresses(tiny_dir, ADDRESSES)
    write_csv_folder(postgres_db, tiny_dir)
    rejected = sum(not ok for ok in ADDRESSES.values())
    with pytest.raises(ProgramDataError) as caught:
        open_program(postgres_db, engine="sql")
    assert [(p.column, p.message.split(" [")[0], _count(p)) for p in caught.value.problems] == [
        ("contact_email", "cannot be read as an e-mail address like name@example.com", rejected)]
    _with_addresses(tiny_dir, [a for a, ok in ADDRESSES.items() if ok])
    write_csv_folder(postgres_db, tiny_dir)
    assert _emails(postgres_db, "sql") == [a.strip() for a, ok in ADDRESSES.items() if ok]
