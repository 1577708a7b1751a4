"""PDF copies of the rendered pages, printed by headless Chromium through Playwright.

Each page is printed with its print CSS (A4, charts and table rows never split
across pages, no contents box), and every PDF page carries a header with the
report's title, period and data coverage and a footer with the page number.
Chromium is the system's (``/usr/bin/chromium``, or ``$PA_CHROMIUM``); Playwright
never downloads a browser here. PDFs are written to a temporary file and
renamed, like the HTML pages.
"""

from __future__ import annotations

import html
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..errors import UserError

__all__ = ["PdfJob", "write_pdfs", "chromium_path", "check_pdf_support", "PdfUnavailable"]

_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
          "--disable-sync", "--no-first-run"]
_HEADER = ('<div style="font-size:8px;width:100%;margin:0 12mm;color:#5f6b7a;display:flex;'
           'justify-content:space-between"><span>{title}</span><span>{details}</span></div>')
_FOOTER = ('<div style="font-size:8px;width:100%;margin:0 12mm;color:#5f6b7a;text-align:right">'
           'page <span class="pageNumber"></span> of <span class="totalPages"></span></div>')


class PdfUnavailable(UserError, ValueError):
    """PDFs were asked for but Playwright or Chromium is missing (a user error: the CLI reports it plainly)."""


@dataclass(frozen=True)
class PdfJob:
    """One page to print: the HTML file, the PDF to write and the header's title and details."""

    page: Path
    output: Path
    title: str
    details: str


def chromium_path() -> str:
    """The Chromium executable: ``$PA_CHROMIUM``, else ``chromium`` on the PATH, else ``/usr/bin/chromium``."""
    return os.environ.get("PA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


def check_pdf_support() -> str:
    """The Chromium executable, after checking that Playwright is installed.

    Raises
    ------
    PdfUnavailable
        When Playwright is not installed or Chromium is not found.
    """
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise PdfUnavailable("--pdf needs Playwright: pip install 'partner-analytics[pdf]'") from None
    executable = chromium_path()
    if not Path(executable).exists():
        raise PdfUnavailable(f"--pdf needs Chromium at {executable} (Debian package 'chromium', or set PA_CHROMIUM)")
    return executable


def write_pdfs(jobs: Iterable[PdfJob]) -> dict[Path, str]:
    """Print every job's page to its PDF with one browser; return ``{output: error}`` for pages that failed.

    Raises
    ------
    PdfUnavailable
        When Playwright is not installed or Chromium is not found.
    """
    jobs = list(jobs)
    if not jobs:
        return {}
    executable = check_pdf_support()
    from playwright.sync_api import sync_playwright

    failed: dict[Path, str] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, headless=True, args=_FLAGS)
        try:
            context = browser.new_context(offline=True)
            page = context.new_page()
            for job in jobs:
                try:
                    _print(page, job)
                except Exception as err:  # one bad page fails alone
                    failed[job.output] = f"{type(err).__name__}: {err}"
        finally:
            browser.close()
    return failed


def _print(page, job: PdfJob) -> None:
    page.goto(job.page.resolve().as_uri(), wait_until="load")
    job.output.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=job.output.parent, prefix=f".{job.output.name}.", suffix=".tmp")
    os.close(fd)
    try:
        page.pdf(path=temp, format="A4", print_background=True, prefer_css_page_size=True,
                 display_header_footer=True,
                 header_template=_HEADER.format(title=html.escape(job.title), details=html.escape(job.details)),
                 footer_template=_FOOTER, margin={"top": "16mm", "bottom": "14mm", "left": "12mm", "right": "12mm"})
        os.replace(temp, job.output)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
