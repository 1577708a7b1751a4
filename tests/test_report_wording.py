"""What rendered pages SAY on a messy export: partial period, no targets, no surveys in the window, first deals on
onboarding day (every section without data says why in one sentence)."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest

import constructed
from partner_analytics.render import wording
from partner_analytics.render.batch import render_reports

pytestmark = pytest.mark.slow


def _text(path: Path) -> str:
    return html.unescape(re.sub(r"\s+", " ", path.read_text(encoding="utf-8")))


@pytest.fixture(scope="module")
def messy(tmp_path_factory) -> tuple[Path, str]:
    program = constructed.export(end="2025-11-20")
    folder = tmp_path_factory.mktemp("messy")
    deals = program.table("deals")
    first = deals[deals["stage"] == "won"].groupby("partner_id")["closed_on"].min()  # first won deal
    partners = program.table("partners")
    partners = partners.assign(onboarded_on=partners["partner_id"].map(first).fillna(partners["onboarded_on"]))
    surveys = program.table("surveys")
    tables = {"partners": partners, "deals": deals, "targets": program.table("targets").iloc[:0],
              "engagement": program.table("engagement"), "mdf": program.table("mdf"),
              "surveys": surveys[surveys["responded_on"] < "2024-06-01"]}
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False, date_format="%Y-%m-%d")
    partner = deals.groupby("partner_id")["amount"].sum().idxmax()
    outdir = folder / "reports"
    summary = render_reports(source=str(folder), period="2025Q4", partners=[partner], outdir=outdir,
                             build_dir=folder / "build", workers=2, progress=False)
    assert summary.ok, summary.text()
    return outdir, partner


def test_the_partial_period_is_labelled_and_compared_like_for_like_on_every_page(messy):
    outdir, _ = messy
    pages = [outdir / "overview.html", outdir / "index.html", *sorted((outdir / "partners").glob("*.html"))]
    for page in pages:
        text = _text(page)
        assert "2025Q4 to date: 51 of 92 days" in text, page.name
        assert "Data from 2022-01-01 to 2025-11-20." in text, page.name
    for page in (outdir / "overview.html", pages[-1]):
        text = _text(page)
        assert "vs the same 51 days of 2025Q3" in text and "vs prior period" not in text, page.name


def test_empty_sections_say_why_in_one_sentence(messy):
    outdir, _ = messy
    overview = _text(outdir / "overview.html")
    assert wording.NO_TARGETS in overview
    # one msp partner never won a deal (a flat curve); every other type's first deals fell on the onboarding day
    assert "distributor, referral, reseller and technology: every first deal on day 0" in overview
    assert "Partner revenue won in 2025Q4 to date: 51 of 92 days." in overview
    assert wording.partial_last_bar("2025Q4 to date: 51 of 92 days") in overview
    assert "Revenue attainment" not in _text(outdir / "index.html")  # no column of dashes without targets
    assert wording.no_correlations("the last four quarters") in overview
    report = _text(next((outdir / "partners").glob("*.html")))
    assert wording.no_responses("the last four quarters") in report
    assert wording.partial_last_bar("2025Q4 to date: 51 of 92 days") in report
