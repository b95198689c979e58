"""The GX suites as committed data: ``expectations/raw_<source>.json``, read and checked.

Each expectation declares in its ``meta``: ``severity`` (``error``: the run publishes nothing;
``warn``: reported, exit code 2), ``why`` (one line for the reader of ``audit.dq_results``), an
optional ``frame`` (the rows it is checked on: ``current``, the default, ``schema`` or ``by_year``;
see :mod:`indicators.quality.frames`) and an optional ``label`` (tells two checks of the same kind
on the same column apart).
"""

from __future__ import annotations

import json
from pathlib import Path

from indicators.config import Settings

SEVERITIES = ("error", "warn")
FRAMES = ("schema", "current", "by_year")


class SuiteError(ValueError):
    """A suite file that cannot be used (the message names the file and the problem)."""


def suites_dir(settings: Settings) -> Path:
    return settings.root / "expectations"


def suite_path(settings: Settings, source: str) -> Path:
    return suites_dir(settings) / f"raw_{source}.json"


def load_suite(path: Path) -> dict:
    """The suite JSON as a dict, with every expectation's id, severity and frame checked."""
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SuiteError(f"{path.name}: cannot be read ({exc})") from exc
    if not doc.get("name") or not isinstance(doc.get("expectations"), list):
        raise SuiteError(f"{path.name}: not a GX suite (needs name and expectations)")
    names = set()
    for number, expectation in enumerate(doc["expectations"], start=1):
        meta = expectation.get("meta") or {}
        where = f"{path.name}: expectation {number} ({expectation.get('type')})"
        if not expectation.get("id"):
            raise SuiteError(f"{where}: no id (ids are fixed in the file so results stay comparable)")
        if meta.get("severity") not in SEVERITIES:
            raise SuiteError(f"{where}: meta.severity must be one of {', '.join(SEVERITIES)}")
        if meta.get("frame", "current") not in FRAMES:
            raise SuiteError(f"{where}: meta.frame must be one of {', '.join(FRAMES)}")
        name = check_name(expectation)
        if name in names:
            raise SuiteError(f"{where}: check name {name!r} twice (add a meta.label)")
        names.add(name)
    return doc


def check_name(expectation: dict) -> str:
    """``expect_column_values_to_be_between(credits_ects)``; a ``meta.label`` is appended."""
    kwargs = expectation.get("kwargs") or {}
    target = kwargs.get("column") or ", ".join(kwargs.get("column_list") or []) or "table"
    label = (expectation.get("meta") or {}).get("label")
    return f"{expectation['type']}({target})" + (f" {label}" if label else "")


def columns_of(expectation: dict) -> list[str]:
    kwargs = expectation.get("kwargs") or {}
    if "column" in kwargs:
        return [kwargs["column"]]
    return list(kwargs.get("column_list") or [])


def frame_of(expectation: dict) -> str:
    """The frame the suite names for an expectation (``current`` unless it says otherwise)."""
    return (expectation.get("meta") or {}).get("frame", "current")


def is_uniqueness(expectation: dict) -> bool:
    """A uniqueness check: on ``current`` it is judged on the rows of each key's latest file
    (:data:`indicators.quality.frames.LATEST_FILE_ROWS`), where two rows of one file can show."""
    return "unique" in expectation["type"]
