"""``reports/delivery.csv``: which file goes to which partner contact, ready for a mail merge.

One row per partner of the run: id, name, contact e-mail (the optional
``partners.contact_email`` column), the report's path(s) relative to the
output folder, the period, the input data hash and the status of the report
(``rendered``, ``unchanged`` or ``failed``; a failed report has no path, so an
older page is never sent by mistake). Text a spreadsheet would run as a
formula (a partner called ``=HYPERLINK(...)``) is neutralised.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Set
from pathlib import Path

import pandas as pd

from ..export import formula_safe
from .context import ReportContext
from .jobs import write_atomic

__all__ = ["DELIVERY_FILE", "DELIVERY_COLUMNS", "delivery_table", "write_delivery"]

DELIVERY_FILE = "delivery.csv"
DELIVERY_COLUMNS = ["partner_id", "partner_name", "contact_email", "report_html", "report_pdf", "period",
                    "data_hash", "status"]


def delivery_table(context: ReportContext, links: Mapping[str, str], *, rendered: Set[str], failed: Set[str],
                   pdfs: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The delivery manifest as a frame, one row per partner in ``links``, in the context's partner order.

    Parameters
    ----------
    context
        The run's report context.
    links
        ``{partner_id: report path relative to the output folder}``.
    rendered, failed
        Report paths rendered in this run, and those that failed; the others are unchanged.
    pdfs
        ``{partner_id: PDF path relative to the output folder}`` when PDFs were written.

    Returns
    -------
    DataFrame
        :data:`DELIVERY_COLUMNS`, formula-safe text.
    """
    pdfs = pdfs or {}
    partners = context.facts.partners.set_index("partner_id")
    emails = partners["contact_email"] if "contact_email" in partners else pd.Series(dtype=object)
    rows = []
    for partner_id, path in links.items():
        status = "failed" if path in failed else ("rendered" if path in rendered else "unchanged")
        rows.append({
            "partner_id": partner_id,
            "partner_name": partners.at[partner_id, "partner_name"],
            "contact_email": emails.get(partner_id, None),
            "report_html": "" if status == "failed" else path,
            "report_pdf": "" if status == "failed" else pdfs.get(partner_id, ""),
            "period": str(context.period),
            "data_hash": context.data_fingerprint[:16],
            "status": status,
        })
    table = pd.DataFrame(rows, columns=DELIVERY_COLUMNS)
    table["contact_email"] = table["contact_email"].where(table["contact_email"].notna(), "")
    return formula_safe(table)


def write_delivery(context: ReportContext, outdir: Path, links: Mapping[str, str], *, rendered: Set[str],
                   failed: Set[str], pdfs: Mapping[str, str] | None = None) -> Path:
    """Write ``outdir/delivery.csv`` (UTF-8, atomically) and return its path; see :func:`delivery_table`."""
    buffer = io.StringIO()
    delivery_table(context, links, rendered=rendered, failed=failed, pdfs=pdfs).to_csv(buffer, index=False)
    path = Path(outdir) / DELIVERY_FILE
    write_atomic(path, buffer.getvalue())
    return path
