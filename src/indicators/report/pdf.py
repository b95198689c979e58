"""``indicators report --format pdf``: the HTML report printed to PDF by headless Chromium.

The page is the report's own print stylesheet (A4; the wide tables on A4 landscape pages with their
header repeated; no chart or card split across pages). Chromium lays it out exactly as the browser
prints it, named pages and landscape pages included; it is Debian's package ``chromium`` (the
browser tests already need it), found at ``$CHROMIUM``, ``/usr/bin/chromium`` or on the PATH.
WeasyPrint was measured against it (see the commit that chose it): it drew the same pages but did
not keep the reported year's column of the wide tables on the page, and took longer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

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
]
TIMEOUT = 180


def chromium() -> str | None:
    """The Chromium executable, or None."""
    named = os.environ.get("CHROMIUM")
    for candidate in (named, "/usr/bin/chromium", shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def html_to_pdf(html: Path, pdf: Path) -> Path:
    """Print ``html`` to ``pdf`` with headless Chromium; an :class:`ExportError` (one line) if it cannot."""
    executable = chromium()
    if executable is None:
        raise ExportError(
            "--format pdf needs Chromium: install it (apt-get install chromium) or set CHROMIUM to its path"
        )
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
