"""The optional partners.contact_email column: one address per partner, checked in pandas and in the engine."""

from __future__ import annotations

import pytest

import partner_analytics as pa
from partner_analytics.engine import open_program
from partner_analytics.errors import ProgramDataError


def _with_emails(tiny_dir, emails: list[str]):
    path = tiny_dir / "partners.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(f"{line},{email}" for line, email in zip(lines, ["contact_email", *emails])) + "\n")
    return tiny_dir


def test_valid_and_blank_addresses_load(tiny_dir):
    program = pa.load_program(_with_emails(tiny_dir, ["a@alpha.example", "", "ops@gamma.co.jp"]))
    assert program.partners["contact_email"].tolist()[0::2] == ["a@alpha.example", "ops@gamma.co.jp"]
    assert program.partners["contact_email"].isna().tolist() == [False, True, False]


def test_the_column_may_be_absent(tiny_program):
    assert tiny_program.partners["contact_email"].isna().all()


@pytest.mark.parametrize("bad", ["not an address", "a@b", "a@b@c.example", "two words@x.example"])
def test_a_bad_address_is_an_error_naming_file_column_and_row(tiny_dir, bad):
    with pytest.raises(ProgramDataError, match=r"partners.*contact_email.*e-mail address.*row: 3"):
        pa.load_program(_with_emails(tiny_dir, ["a@alpha.example", bad, ""]))


def test_the_engine_rejects_the_same_address(tiny_dir):
    folder = _with_emails(tiny_dir, ["a@alpha.example", "a@b@c.example", ""])
    with pytest.raises(ProgramDataError, match="contact_email.*e-mail address"):
        with open_program(folder):  # validates in SQL as it opens
            pass
