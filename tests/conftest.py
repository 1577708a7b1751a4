"""Shared fixtures: a tiny hand-built program whose every figure is computed by hand in the tests."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd
import pytest

import partner_analytics as pa

TINY_CSV = {
    "partners": """partner_id,partner_name,partner_type,tier,region,country,onboarded_on,churned_on
P1,Alpha Systems,reseller,gold,North America,US,2023-01-15,
P2,Beta Partners,referral,silver,EMEA,DE,2024-02-01,
P3,Gamma Tech,technology,registered,APAC,JP,2024-05-01,2024-11-30
""",
    "deals": """deal_id,partner_id,attribution,created_on,closed_on,stage,amount,product,customer_id,is_new_customer
D1,P1,sourced,2024-01-10,2024-02-09,won,1000,Suite,C1,true
D2,P1,influenced,2024-02-01,2024-04-01,won,500,Suite,C2,false
D3,P1,sourced,2024-03-01,2024-03-31,lost,300,Addon,C3,false
D4,P2,sourced,2024-03-15,,open,800,Suite,C4,true
D5,P2,sourced,2024-04-10,2024-05-10,won,200,Addon,C5,true
D6,,direct,2024-01-05,2024-03-05,won,2000,Suite,C6,true
D7,,direct,2024-02-01,2024-04-30,lost,700,Suite,C7,false
D8,P1,sourced,2024-06-01,,open,400,Addon,C8,false
""",
    "targets": """partner_id,kpi,period_start,period_end,target
P1,revenue,2024-01-01,2024-03-31,2000
P1,revenue,2024-04-01,2024-06-30,1000
P2,deals_won,2024-04-01,2024-06-30,2
P1,certifications,2024-01-01,2024-12-31,4
""",
    "engagement": """partner_id,occurred_on,activity,quantity
P1,2024-01-01,prm_login,5
P1,2024-02-01,certification,1
P1,2024-05-01,certification,1
P2,2024-03-01,training_completed,2
""",
    "surveys": """partner_id,responded_on,survey,score,scale_max,deal_id,comment
P1,2024-03-15,psat,4,5,,Great support
P1,2024-06-01,partner_nps,9,10,,
P2,2024-06-01,partner_nps,5,10,,Slow deal registration
P1,2024-04-05,csat,5,5,D2,
""",
    "mdf": """partner_id,fund_id,approved_on,amount_approved,amount_claimed,attributed_revenue
P1,F1,2024-02-01,1000,800,3000
""",
}


def read_tiny(name: str) -> pd.DataFrame:
    """One tiny table as raw text, the way a CSV file is read."""
    return pd.read_csv(io.StringIO(TINY_CSV[name]), dtype=str, keep_default_na=False, na_values=[""])


@pytest.fixture
def tiny_frames() -> dict[str, pd.DataFrame]:
    """The tiny program as raw text frames (a fresh copy per test)."""
    return {name: read_tiny(name) for name in TINY_CSV}


@pytest.fixture
def tiny_dir(tmp_path: Path) -> Path:
    """The tiny program written as a folder of CSV files."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    for name, text in TINY_CSV.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def tiny_program(tiny_frames) -> pa.Program:
    """The tiny program, validated."""
    return pa.build_program(tiny_frames, source="tiny")


@pytest.fixture(scope="session")
def sample_program() -> pa.Program:
    """The embedded sample program (loaded once per test session)."""
    return pa.load_program("sample")


@pytest.fixture(scope="session")
def rendered(tmp_path_factory) -> Path:
    """Every sample report, the overview and the index, rendered once for the whole session."""
    from partner_analytics.render.batch import render_reports

    outdir = tmp_path_factory.mktemp("reports")
    summary = render_reports(outdir=outdir, build_dir=outdir / "_build", progress=False)
    assert summary.ok, summary.text()
    return outdir
