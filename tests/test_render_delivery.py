"""Delivery: reports/delivery.csv for a mail merge, and PDFs of the pages (headless Chromium)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from partner_analytics.render.batch import render_reports, report_file_name
from partner_analytics.render.pdf import chromium_path

pytestmark = pytest.mark.slow

HAS_CHROMIUM = Path(chromium_path()).exists()


@pytest.fixture(scope="module")
def delivered(tmp_path_factory):
    """The tiny program with contact e-mails and a formula-like partner name, rendered with PDFs when possible."""
    from conftest import TINY_CSV

    folder = tmp_path_factory.mktemp("tiny")
    for name, text in TINY_CSV.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    partners = folder / "partners.csv"
    lines = partners.read_text().splitlines()
    emails = ["contact_email", "alpha@alpha.example", "", "gamma@gamma.example"]
    lines = [f"{line},{email}" for line, email in zip(lines, emails)]
    partners.write_text("\n".join(lines).replace("Beta Partners", "=HYPERLINK(x)") + "\n")
    out = tmp_path_factory.mktemp("out")
    summary = render_reports(source=str(folder), period="2024Q2", outdir=out, build_dir=out / "_build", workers=1,
                             progress=False, pdf=HAS_CHROMIUM)
    assert summary.ok, summary.text()
    out.joinpath("_source").write_text(str(folder))  # for the second run below
    return out


def _manifest(out: Path) -> list[dict[str, str]]:
    with open(out / "delivery.csv", newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_the_manifest_lists_each_partner_with_contact_report_period_hash_and_status(delivered):
    rows = {row["partner_id"]: row for row in _manifest(delivered)}
    assert list(rows) == ["P1", "P2", "P3"]
    assert rows["P1"]["contact_email"] == "alpha@alpha.example"
    assert rows["P2"]["contact_email"] == ""
    assert rows["P1"]["report_html"] == f"partners/{report_file_name('P1')}"
    assert (delivered / rows["P1"]["report_html"]).is_file()
    assert {row["period"] for row in rows.values()} == {"2024Q2"}
    assert {row["status"] for row in rows.values()} == {"rendered"}
    assert len(rows["P1"]["data_hash"]) == 16


def test_the_manifest_is_formula_safe(delivered):
    rows = {row["partner_id"]: row for row in _manifest(delivered)}
    assert rows["P2"]["partner_name"] == "'=HYPERLINK(x)"


def test_unchanged_reports_are_marked_unchanged_on_the_next_run(delivered):
    summary = render_reports(source=(delivered / "_source").read_text(), period="2024Q2", outdir=delivered,
                             build_dir=delivered / "_build", workers=1, progress=False, pdf=HAS_CHROMIUM)
    assert summary.ok and not summary.rendered
    assert {row["status"] for row in _manifest(delivered)} == {"unchanged"}


@pytest.mark.browser
@pytest.mark.skipif(not HAS_CHROMIUM, reason="headless Chromium is not installed")
@pytest.mark.parametrize("partner_id", ["P1", "P3"])
def test_each_partner_pdf_opens_names_its_partner_only_and_keeps_the_header(delivered, partner_id):
    pypdf = pytest.importorskip("pypdf")
    rows = {row["partner_id"]: row for row in _manifest(delivered)}
    reader = pypdf.PdfReader(delivered / rows[partner_id]["report_pdf"])
    text = "\n".join(page.extract_text() for page in reader.pages)
    names = {"P1": "Alpha Systems", "P2": "HYPERLINK", "P3": "Gamma Tech"}
    assert names[partner_id] in text
    assert not [name for other, name in names.items() if other != partner_id and name in text]
    assert "Period 2024Q2" in reader.pages[0].extract_text()  # the page header
    assert 2 <= len(reader.pages) <= 8  # A4 pages of one report, charts not cut into slivers


@pytest.mark.browser
@pytest.mark.skipif(not HAS_CHROMIUM, reason="headless Chromium is not installed")
def test_the_overview_pdf_is_written_too(delivered):
    pypdf = pytest.importorskip("pypdf")
    reader = pypdf.PdfReader(delivered / "overview.pdf")
    assert len(reader.pages) >= 2
    assert "Partner program overview" in reader.pages[0].extract_text()
