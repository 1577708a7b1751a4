"""The current slice as a formula-safe CSV or Excel download, offline (a ``data:`` link, no server round trip)."""

from __future__ import annotations

import base64
import html
import io
import re

import pandas as pd

from ..export import formula_safe

__all__ = ["to_csv_bytes", "to_excel_bytes", "download_links"]

_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV (with a byte-order mark, so Excel reads accents), formula-safe, without the index."""
    return formula_safe(frame).to_csv(index=False).encode("utf-8-sig")


def to_excel_bytes(frame: pd.DataFrame, *, sheet: str = "slice") -> bytes:
    """``frame`` as an .xlsx workbook of one sheet, formula-safe, without the index."""
    buffer = io.BytesIO()
    formula_safe(frame).to_excel(buffer, index=False, sheet_name=sheet[:31])
    return buffer.getvalue()


def download_links(frame: pd.DataFrame, name: str) -> str:
    """HTML for two download links ("CSV", "Excel") carrying ``frame`` as ``data:`` URLs.

    ``name`` becomes the file name (anything but letters, digits, ``-`` and ``_`` is replaced by ``_``). Works
    offline and without a file written on the server; meant for slices of at most a few thousand rows.

    Examples
    --------
    >>> links = download_links(pd.DataFrame({"a": [1]}), "top partners/EMEA")
    >>> 'download="top_partners_EMEA.csv"' in links, 'download="top_partners_EMEA.xlsx"' in links
    (True, True)
    """
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", name).strip("_") or "slice"
    links = []
    for label, suffix, mime, data in (("CSV", "csv", "text/csv", to_csv_bytes(frame)),
                                      ("Excel", "xlsx", _XLSX, to_excel_bytes(frame))):
        url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
        links.append(f'<a class="pa-download" href="{url}" download="{html.escape(stem)}.{suffix}">⤓ {label}</a>')
    rows = f"{len(frame):,} row{'s' if len(frame) != 1 else ''}"
    return f'<span class="pa-downloads">Download this slice ({rows}): {" · ".join(links)}</span>'
