"""One export folder, one publish: an export refuses a folder that holds another publish's export.

An ``--as-of`` export writes the file names of the current export of its year (the stem names the
year, kind, language and plan, not the publish), and its charts the same chart names: written into
the current export's folder it replaced those files without a word. And ``indicators audit`` reads
a folder as one publish (several publishes are audited together as several folders). So an export
whose publish (``--as-of``'s run, or the latest publish) differs from that of an export already in
the folder (its ``*_metadata.json``'s ``as_of``) is refused, one line, before a file is written.
Exports of one publish share a folder as before, and so do the nightly's current exports (each
replaces the last: the latest publish, by design). A folder of reports is read alike: each HTML
report's ``indicators-disclosure`` comment names its publish (``as_of``), so ``report
--all-programmes --as-of`` into the current reports' folder is refused as an export is. A report
written before the comment named it (before 6 December 2026) says its publish on the page: an
``--as-of`` one in its ``<p class="as-of">`` ("Siffrorna som körning run-old publicerade dem (…)"),
any other is of the latest publish, as every report without ``--as-of``; so it is judged as a new
one is. An HTML file without the comment is not one of our reports, and is not judged.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from indicators.export.tables import ExportError


def check_one_publish(out_dir: Path, as_of: dict[str, Any] | None) -> None:
    """An :class:`ExportError` when ``out_dir`` holds an export of another publish than ``as_of``
    (``{run_id, published_at}`` of an ``--as-of`` export; None: the latest publish)."""
    if not out_dir.is_dir():
        return
    ours = _run(as_of)
    written = [*sorted(out_dir.glob("*_metadata.json")), *sorted(out_dir.glob("*.html"))]
    for path in written:
        theirs = _report_as_of(path) if path.suffix == ".html" else _written_as_of(path)
        if theirs is False or _run(theirs) == ours:
            continue
        raise ExportError(
            f"{out_dir} holds {'a report' if path.suffix == '.html' else 'an export'} of {_publish(theirs)} "
            f"({path.name}), and this one is of "
            f"{_publish(as_of)}: written beside it, it would replace its files of the same names, and the audit "
            "reads a folder as one publish; export into a folder of its own (--out)"
        )


def _written_as_of(path: Path) -> dict[str, Any] | None | bool:
    """The ``as_of`` of an export's metadata file (None: the latest publish); False for a file that
    is not an export's metadata (another tool's, unreadable): not ours to judge."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    if not isinstance(meta, dict) or "academic_year" not in meta or "kind" not in meta:
        return False
    as_of = meta.get("as_of")
    return as_of if isinstance(as_of, dict) else None


DISCLOSURE_COMMENT = re.compile(r"<!-- indicators-disclosure (\{.*?\}) -->")
# an --as-of report's sentence of its publish (report/__init__.py's "as_of" words, sv and en)
AS_OF_SENTENCE = re.compile(
    r'<p class="as-of">(?:Siffrorna som körning|The numbers as run) (\S+) '
    r"(?:publicerade dem|published them) \(([^)]*)\)"
)


def _report_as_of(path: Path) -> dict[str, Any] | None | bool:
    """The ``as_of`` of a report (None: the latest publish), from its ``indicators-disclosure``
    comment, or in a report written before the comment said it, from its page (:data:`AS_OF_SENTENCE`);
    False for an HTML file that is not one of our reports."""
    try:
        text = path.read_text(encoding="utf-8")
        found = DISCLOSURE_COMMENT.search(text)
        links = json.loads(found.group(1)) if found else None
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    if not isinstance(links, dict):
        return False
    if "as_of" not in links:  # an older report: its publish as its page says it
        said = AS_OF_SENTENCE.search(text)
        return {"run_id": said.group(1), "published_at": said.group(2)} if said else None
    as_of = links["as_of"]
    return as_of if isinstance(as_of, dict) else None


def _run(as_of: dict[str, Any] | None) -> str | None:
    return str(as_of.get("run_id")) if as_of else None


def _publish(as_of: dict[str, Any] | None) -> str:
    if not as_of:
        return "the latest publish"
    from indicators.export.labels import utc_iso

    return f"the publish of run {as_of.get('run_id')} ({utc_iso(as_of.get('published_at'))}, --as-of)"
