"""The index page: every report with its key numbers, linking to each (internal audience)."""

from __future__ import annotations

from collections.abc import Mapping, Set
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path

import jinja2
import pandas as pd

from .. import __version__
from ..metrics.registry import format_value
from .context import ReportContext
from .jobs import write_atomic

__all__ = ["write_index", "index_rows"]

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(str(files("partner_analytics") / "templates" / "html")),
    autoescape=True,
    undefined=jinja2.StrictUndefined,
)


def index_rows(context: ReportContext, links: Mapping[str, str], failed: Set[str]) -> list[dict[str, str]]:
    """One display row per partner report, sorted by revenue (highest first)."""
    table = context.kpis.merge(context.tiers[["partner_id", "tier", "composite"]], on="partner_id",
                               suffixes=("_data", ""))
    table = table[table["partner_id"].isin(list(links))].sort_values(["revenue", "partner_id"], ascending=[False, True])
    rows = []
    for row in table.itertuples(index=False):
        link = links[row.partner_id]
        rows.append({
            "name": row.partner_name,
            "partner_id": row.partner_id,
            "type": row.partner_type,
            "tier": "—" if pd.isna(row.tier) else str(row.tier),
            "region": "—" if pd.isna(row.region) else str(row.region),
            "revenue": format_value("revenue", row.revenue),
            "attainment": format_value("revenue_attainment", row.revenue_attainment),
            "composite": "—" if pd.isna(row.composite) else f"{row.composite:.0f}",
            "sort": {"revenue": _sort_key(row.revenue), "attainment": _sort_key(row.revenue_attainment),
                     "composite": _sort_key(row.composite)},
            "href": link,
            "failed": link in failed,
        })
    return rows


def _sort_key(value: float) -> str:
    """A number for the page's sort script; missing values sort last (empty string)."""
    return "" if pd.isna(value) else repr(float(value))


def _choices(rows: list[dict[str, object]], column: str) -> list[str]:
    return sorted({str(row[column]) for row in rows})


def write_index(context: ReportContext, outdir: Path, links: Mapping[str, str], *, overview: str,
                failed: Set[str]) -> Path:
    """Write ``outdir/index.html`` atomically and return its path."""
    rows = index_rows(context, links, failed)
    page = _ENV.get_template("index_page.html.j2").render(
        period=context.coverage.label,
        as_of=str(context.facts.as_of.date()),
        coverage=context.coverage.note(),
        rows=rows,
        has_attainment=any(row["sort"]["attainment"] for row in rows),  # no column of dashes without targets
        filters={column: _choices(rows, column) for column in ("type", "tier", "region")},
        script=(files("partner_analytics") / "templates" / "html" / "index_page.js").read_text(),
        overview=overview,
        overview_failed=overview in failed,
        version=__version__,
        data_hash=context.data_fingerprint[:16],
        rendered_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        css=(files("partner_analytics") / "templates" / "html" / "report" / "report.css").read_text(),
    )
    path = Path(outdir) / "index.html"
    write_atomic(path, page)
    return path
