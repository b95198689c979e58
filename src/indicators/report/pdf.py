"""``indicators report --format pdf``: the HTML report printed to PDF by headless Chromium.

The page is the report's own print stylesheet (A4; the wide tables on A4 landscape pages with their
header repeated; no chart or card split across pages). Chromium lays it out exactly as the browser
prints it, named pages and landscape pages included; it is Debian's package ``chromium`` (the
browser tests already need it), found at ``$CHROMIUM`` (when set, only there), else ``/usr/bin/chromium`` or on the PATH.
WeasyPrint 70 (PyPI) was measured against it on the bundled sample: the same A4 and landscape
pages with every column, but 9 to 59 s a report against Chromium's 5 to 10 s, and a further
dependency; Chromium was chosen (the commit that added this module has the numbers).

The PDF's bookmarks (its outline, a PDF reader's navigation pane) are the report's headings, h1 to
h4 nested (the final follow-up: its heading > a goal > a target), by ``--generate-pdf-document-outline`` (tested with Chromium 156; a Chromium without it ignores the
switch and prints none); its title is the page's ``<title>`` and its language the page's
``lang``, which Chromium writes by itself (``/Title``, ``/Lang``, ``/DisplayDocTitle``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from indicators.export.tables import ExportError

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--no-pdf-header-footer",
    "--run-all-compositor-stages-before-draw",
    "--generate-pdf-document-outline",
]
TIMEOUT = 180


def chromium() -> str | None:
    """The Chromium executable, or None."""
    named = os.environ.get("CHROMIUM")
    candidates = (
        [named]
        if named
        else ["/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")]
    )
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def _required_chromium() -> str:
    executable = chromium()
    if executable is None:
        raise ExportError(
            "--format pdf needs Chromium: install it (apt-get install chromium) or set CHROMIUM to its path"
        )
    return executable


def html_to_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium; an :class:`ExportError` (one line) if it cannot."""
    executable = _required_chromium()
    pdf = Path(pdf)
    pdf.parent.mkdir(parents=True, exist_ok=True)
    partial = pdf.with_name(pdf.name + ".partial")
    with tempfile.TemporaryDirectory(prefix="indicators-chromium-") as profile:
        command = [
            executable,
            *FLAGS,
            f"--user-data-dir={profile}",
            f"--print-to-pdf={partial}",
            Path(html).resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            partial.unlink(missing_ok=True)
            raise ExportError(f"Chromium did not print {html.name} within {TIMEOUT} s") from exc
    if done.returncode != 0 or not partial.is_file() or partial.stat().st_size == 0:
        partial.unlink(missing_ok=True)
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise ExportError(f"Chromium could not print {html.name} to PDF (exit {done.returncode}): {last}")
    partial.replace(pdf)
    return pdf


def report_pdf(warehouse: Path, out_file: Path, **options: Any) -> Path:
    """``indicators report --format pdf``: the HTML report (:func:`indicators.report.report`), written to a
    temporary folder and printed to ``out_file``."""
    from indicators.report import report

    _required_chromium()  # before the report is drawn
    out_file = Path(out_file)
    with tempfile.TemporaryDirectory(prefix="indicators-report-") as folder:
        html = report(warehouse, Path(folder) / (out_file.stem + ".html"), **options)
        return html_to_pdf(html, out_file)
