"""``indicators report --kind programme --all-programmes``: one report per programme, a file each."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from indicators import disclosure
from indicators.export.folder import check_one_publish
from indicators.export.tables import load

FILE_PART = re.compile(r"[\w-]{1,40}")  # \w: letters (å, ä, ö too), digits and _
UNSAFE_IN_FILE_NAME = re.compile(r"[^\w-]")


def report_all_programmes(
    warehouse: Path,
    out_dir: Path,
    year: str | None = None,
    lang: str = "sv",
    plan: str | None = None,
    on_note: Callable[[str], None] | None = None,
    protection: disclosure.Protection | None = None,
    charts: bool = True,
    as_of: str | None = None,
) -> list[Path]:
    """One programme report per programme with values, ``<out_dir>/programme_<CODE>_<year>_<lang>.html``
    (a code that cannot be a file name as it is: :func:`programme_file_part`). The names do not name
    the publish: a folder holding another publish's reports or export is refused (export/folder.py),
    each report's ``indicators-disclosure`` comment saying its own (``as_of``)."""
    from indicators.report import _say_which, render  # the report's own page, one per programme

    publication = load(
        Path(warehouse),
        year,
        kind="programme",
        lang=lang,
        suppression=True,
        plan=plan,
        protection=protection,
        as_of=as_of,
    )
    _say_which(publication, on_note)
    out_dir = Path(out_dir)
    check_one_publish(out_dir, publication.as_of)  # before a report is written
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for code in publication.programme_codes:
        path = (
            out_dir
            / f"programme_{programme_file_part(code)}_{publication.year.replace('/', '-')}_{lang}.html"
        )
        path.write_text(render(publication, code, charts=charts), encoding="utf-8")
        written.append(path)
    return written


def programme_file_part(code: str) -> str:
    """The programme's part of its report's file name: the code when it is letters, digits, ``_`` and
    ``-`` only (at most 40); else those kept, any other character as ``_``, and the first six hex
    digits of the code's SHA-256, so that a code with a ``/`` (a folder in the name), a ``:`` (no
    file name on Windows or an SMB share) or a space still has a file of its own, never another's."""
    if FILE_PART.fullmatch(code):
        return code
    digest = hashlib.sha256(code.encode("utf-8")).hexdigest()[:6]
    return f"{UNSAFE_IN_FILE_NAME.sub('_', code)[:40]}-{digest}"
