"""Printing a report to PDF with headless Chromium (the printed report is what the Secretary signs)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from sopansible.report.errors import ReportError

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
# Headless Chromium as a printer: no sandbox (it runs as a service user or root on the controller), no
# GPU, no first-run, extension or network side activity.
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-extensions",
    "--disable-background-networking",
    "--disable-sync",
    "--mute-audio",
)


def to_pdf(html: Path, pdf: Path | None = None, chromium: str | None = None) -> Path:
    """Print an HTML report to PDF with headless Chromium. Raises ReportError when it is not installed."""
    binary = chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    binary = binary or next((p for p in CHROMIUM_PATHS if Path(p).exists()), None)
    if not binary:
        raise ReportError.of("pdf_no_chromium")
    pdf = pdf or html.with_suffix(".pdf")
    if not html.is_file():
        raise ReportError.of("pdf_no_report", path=html)
    try:
        pdf.unlink(missing_ok=True)  # never mistake an old file for this run's output
        # A throw-away profile: no state shared between runs or with a desktop browser.
        with tempfile.TemporaryDirectory(prefix="sopansible-chromium-") as profile:
            subprocess.run(
                [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer"]
                + [f"--print-to-pdf={pdf}", html.resolve().as_uri()],
                check=True,
                capture_output=True,
                timeout=120,
            )
    except (OSError, subprocess.SubprocessError) as exc:
        raise ReportError.of("pdf_failed", path=html, reason=exc) from None
    try:
        with open(pdf, "rb") as handle:
            valid = handle.read(5) == b"%PDF-"
    except OSError:
        valid = False
    if not valid:
        raise ReportError.of("pdf_empty", path=html)
    return pdf
