"""The GX suites as committed data: ``expectations/raw_<source>.json``, read and checked.

Each expectation declares in its ``meta``: ``severity`` (``error``: the run publishes nothing;
``warn``: reported, exit code 2), ``why`` (one line for the reader of ``audit.dq_results``), an
optional ``frame`` (the rows it is checked on: ``current``, the default, ``schema`` or ``by_year``;
see :mod:`indicators.quality.frames`) and an optional ``label`` (tells two checks of the same kind
on the same column apart).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from indicators.config import Settings

SEVERITIES = ("error", "warn")
FRAMES = ("schema", "current", "by_year")
# the expectation types the quality gate runs (frames and gx route each of them); another type needs
# its frame and its result's reading checked first
TYPES = (
    "expect_column_values_to_be_between",
    "expect_column_values_to_be_in_set",
    "expect_column_values_to_be_of_type",
    "expect_column_values_to_be_unique",
    "expect_column_values_to_match_regex",
    "expect_column_values_to_not_be_null",
    "expect_compound_columns_to_be_unique",
    "expect_table_columns_to_match_set",
)


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
        check_kwargs(expectation, where)
        name = check_name(expectation)
        if name in names:
            raise SuiteError(f"{where}: check name {name!r} twice (add a meta.label)")
        names.add(name)
    return doc


def check_kwargs(expectation: dict, where: str) -> None:
    """What GX would refuse only as it runs, after the ingest and the build (a crash then): an unknown
    type, a bound that is no number or date, a lower bound above the upper, a ``mostly`` outside
    0..1, a regex that does not compile."""
    if expectation.get("type") not in TYPES:
        raise SuiteError(f"{where}: unknown type; the quality gate runs {', '.join(TYPES)}")
    kwargs = expectation.get("kwargs") or {}
    bounds = {}
    for key in ("min_value", "max_value"):
        value = kwargs.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise SuiteError(f"{where}: {key} {value!r} is neither a number nor a date")
        if isinstance(value, str):
            try:
                value = dt.datetime.fromisoformat(value)
            except ValueError:
                raise SuiteError(
                    f"{where}: {key} {value!r} is neither a number nor a date (written 2000-01-01T00:00:00)"
                ) from None
        bounds[key] = value
    if len(bounds) == 2:
        low, high = bounds["min_value"], bounds["max_value"]
        if isinstance(low, dt.datetime) != isinstance(high, dt.datetime):
            raise SuiteError(f"{where}: min_value and max_value must both be numbers or both dates")
        if low > high:
            raise SuiteError(
                f"{where}: min_value {kwargs['min_value']} is above max_value {kwargs['max_value']}"
            )
    mostly = kwargs.get("mostly")
    if mostly is not None and (
        isinstance(mostly, bool) or not isinstance(mostly, (int, float)) or not 0 < mostly <= 1
    ):
        raise SuiteError(f"{where}: mostly {mostly!r} must be a fraction above 0 and at most 1 (0.95 = 95 %)")
    if kwargs.get("regex") is not None:
        try:
            re.compile(kwargs["regex"])
        except (re.error, TypeError) as exc:
            raise SuiteError(f"{where}: regex {kwargs['regex']!r} does not compile ({exc})") from None


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
