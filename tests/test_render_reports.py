"""`partner-analytics render` on the sample: every report, partner-safe, escaped, offline, atomic and incremental."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.cli import main
from partner_analytics.render import batch
from partner_analytics.render.batch import render_reports, report_file_name

pytestmark = pytest.mark.slow

_DATA_URI = re.compile(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+")
_RENDERED_AT = re.compile(r"<dt>Rendered at</dt><dd>[^<]*</dd>")


def _text(path: Path) -> str:
    return _DATA_URI.sub("data:image/png;base64,", path.read_text(encoding="utf-8"))


def test_the_run_writes_the_overview_the_index_and_one_report_per_partner(rendered, sample_program):
    ids = list(sample_program.partners["partner_id"])
    assert (rendered / "overview.html").is_file()
    assert (rendered / "index.html").is_file()
    assert sorted(p.name for p in (rendered / "partners").iterdir()) == sorted(report_file_name(i) for i in ids)
    index = (rendered / "index.html").read_text()
    for partner_id in ids[:10]:
        assert f'href="partners/{report_file_name(partner_id)}"' in index


def test_a_partner_report_never_names_another_partner(rendered, sample_program):
    partners = sample_program.partners[["partner_id", "partner_name"]]
    patterns = {
        row.partner_id: re.compile(rf"\b(?:{re.escape(row.partner_id)}|{re.escape(row.partner_name)})\b")
        for row in partners.itertuples()
    }
    for row in partners.itertuples():
        page = _text(rendered / "partners" / report_file_name(row.partner_id))
        assert row.partner_name in page
        leaks = [
            other for other, pattern in patterns.items()
            if other != row.partner_id and other not in row.partner_name and pattern.search(page)
            and partners.set_index("partner_id").loc[other, "partner_name"] not in row.partner_name
        ]
        assert not leaks, f"{row.partner_id}'s report mentions {leaks[:5]}"


def test_a_partner_report_has_no_code_and_no_traceback(rendered):
    page = _text(rendered / "partners" / report_file_name("P0001"))
    for forbidden in ("Traceback", "import matplotlib", "partner_view(", "injected-parameters", "context_path"):
        assert forbidden not in page


def test_reports_load_nothing_from_the_network(rendered):
    for path in [rendered / "overview.html", rendered / "index.html", rendered / "partners" / report_file_name("P0002")]:
        page = _text(path)
        assert "<script" not in page if path.name != "index.html" else "<script src" not in page  # index: inline only
        assert not re.search(r'(?:src|href)="(?:https?:)?//', page), path.name
        assert 'name="viewport"' in page


def test_reports_carry_a_stamp_and_a_table_of_contents(rendered, sample_program):
    page = _text(rendered / "partners" / report_file_name("P0003"))
    assert f"<dt>Input data hash</dt><dd>{sample_program.fingerprint[:16]}</dd>" in page
    assert f"<dt>partner-analytics version</dt><dd>{pa.__version__}</dd>" in page
    assert "<dt>Period</dt><dd>2025Q4</dd>" in page
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    for anchor in re.findall(r'href="#([^"]+)"', toc):
        assert f'id="{anchor}"' in page


def test_peer_benchmarks_are_hidden_below_the_minimum_group_size(tmp_path, tiny_dir):
    summary = render_reports(source=str(tiny_dir), period="2024Q2", outdir=tmp_path / "out",
                             build_dir=tmp_path / "build", workers=1, progress=False)
    assert summary.ok, summary.text()
    page = _text(tmp_path / "out" / "partners" / report_file_name("P1"))
    assert "Peer comparisons are shown when at least 5 other partners of your type take part" in page
    assert "Peer median" not in page


def test_data_from_partners_is_escaped(tmp_path, tiny_dir):
    path = tiny_dir / "partners.csv"
    path.write_text(path.read_text().replace("Alpha Systems", "<script>alert(1)</script>"))
    summary = render_reports(source=str(tiny_dir), period="2024Q2", outdir=tmp_path / "out",
                             build_dir=tmp_path / "build", workers=1, progress=False)
    assert summary.ok, summary.text()
    for page in [tmp_path / "out" / "partners" / report_file_name("P1"), tmp_path / "out" / "index.html",
                 tmp_path / "out" / "overview.html"]:
        text = page.read_text()
        assert "<script>alert(1)</script>" not in text, page.name
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in (tmp_path / "out" / "partners" / report_file_name("P1")).read_text()


def test_a_failing_report_leaves_no_file_keeps_the_old_one_and_fails_the_command(tmp_path, tiny_dir, monkeypatch, capsys):
    out = tmp_path / "out"
    assert main(["render", "--source", str(tiny_dir), "--period", "2024Q2", "--outdir", str(out),
                 "--workers", "1", "--quiet"]) == 0
    good = out / "partners" / report_file_name("P2")
    before = good.read_text()
    broken = tmp_path / "broken_report.py"
    broken.write_text(batch.TEMPLATES["partner"].read_text().replace(
        "view = partner_view(context, str(partner_id))",
        "view = partner_view(context, str(partner_id))\nassert partner_id != 'P2', 'simulated failure'"))
    monkeypatch.setitem(batch.TEMPLATES, "partner", broken)
    code = main(["render", "--source", str(tiny_dir), "--period", "2024Q2", "--outdir", str(out),
                 "--workers", "1", "--quiet", "--force"])
    captured = capsys.readouterr()
    assert code == 1
    assert "failed 1" in captured.err and "simulated failure" in captured.err
    assert good.read_text() == before  # the previous good report is intact
    assert not list(out.rglob("*.tmp"))
    assert ">failed<" in (out / "index.html").read_text()


def test_unchanged_reports_are_skipped_and_force_renders_them_again(tmp_path, tiny_dir):
    kwargs = dict(source=str(tiny_dir), period="2024Q2", outdir=tmp_path / "out", build_dir=tmp_path / "b",
                  workers=1, progress=False)
    first = render_reports(**kwargs)
    assert len(first.rendered) == 4 and not first.skipped
    again = render_reports(**kwargs)
    assert not again.rendered and len(again.skipped) == 4
    forced = render_reports(force=True, **kwargs)
    assert len(forced.rendered) == 4
    (tiny_dir / "deals.csv").write_text((tiny_dir / "deals.csv").read_text().replace(",400,", ",450,"))
    changed = render_reports(**kwargs)
    assert len(changed.rendered) == 4  # new data: every report is stale


def test_warm_and_fresh_kernels_give_identical_reports(tmp_path, tiny_dir):
    kwargs = dict(source=str(tiny_dir), period="2024Q2", build_dir=tmp_path / "b", progress=False)
    render_reports(outdir=tmp_path / "warm", workers=1, **kwargs)
    for partner_id in ("P1", "P2", "P3"):
        render_reports(outdir=tmp_path / f"fresh-{partner_id}", partners=[partner_id], workers=1, **kwargs)
        name = report_file_name(partner_id)
        warm = _RENDERED_AT.sub("", (tmp_path / "warm" / "partners" / name).read_text())
        fresh = _RENDERED_AT.sub("", (tmp_path / f"fresh-{partner_id}" / "partners" / name).read_text())
        assert warm == fresh, partner_id


def test_unknown_partner_ids_are_rejected_before_rendering(tmp_path, tiny_dir):
    with pytest.raises(ValueError, match="unknown partner ids: P404"):
        render_reports(source=str(tiny_dir), outdir=tmp_path, partners=["P404"], progress=False)


def test_reports_rendered_on_an_engine_equal_the_in_memory_ones(tmp_path, tiny_dir):
    kwargs = dict(source=str(tiny_dir), period="2024Q2", build_dir=tmp_path / "b", workers=1, progress=False)
    render_reports(outdir=tmp_path / "memory", **kwargs)
    render_reports(outdir=tmp_path / "duckdb", engine="duckdb", **kwargs)
    stamp = re.compile(r"<dt>(Rendered at|Input data hash|Data source)</dt><dd>[^<]*</dd>")
    for partner_id in ("P1", "P2", "P3"):
        name = report_file_name(partner_id)
        in_memory, on_engine = (stamp.sub("", (tmp_path / run / "partners" / name).read_text(encoding="utf-8"))
                                for run in ("memory", "duckdb"))
        assert on_engine == in_memory, partner_id
