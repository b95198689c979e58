"""Check outcomes as rows of ``audit.dq_results``: :class:`DqResult`, for GX here and for dbt's tests
(``indicators.transform``), and the words of a GX result (observed value, failing count, details)
with personal data and anything shaped like a personnummer kept out."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import astuple, dataclass, fields
from typing import Any

from indicators.identity import redact_text
from indicators.quality.suites import check_name, columns_of

ENGINE = "great_expectations"
SHOWN_VALUES = 5  # offending values named in ``details``
DETAILS_MAX = 300


@dataclass(frozen=True)
class DqResult:
    """One check's outcome: a row of ``audit.dq_results`` (``warehouse.AUDIT_TABLES``) without the
    run id and the time, which the run adds when it records it (:func:`insert`)."""

    engine: str  # great_expectations | dbt
    suite_name: str
    check_name: str
    table_name: str | None
    severity: str  # error | warn
    success: bool
    observed_value: str | None
    failing_count: int | None
    details: str | None


INSERT_ROWS = 200  # rows per insert statement (one statement a row cost 0.3 s for a run's 232 checks)


def insert(con, run_id: str, checked_at: dt.datetime, results: list[DqResult]) -> None:
    """Append ``results`` to ``audit.dq_results`` (the columns named after :class:`DqResult`'s fields),
    :data:`INSERT_ROWS` rows a statement, each value bound as a parameter."""
    names = ["run_id", *(f.name for f in fields(DqResult)), "checked_at"]
    row = f"({', '.join('?' * len(names))})"
    for start in range(0, len(results), INSERT_ROWS):
        chunk = results[start : start + INSERT_ROWS]
        values = [
            value
            for result in chunk
            for value in (
                run_id,
                *(redact_text(v) if isinstance(v, str) else v for v in astuple(result)),  # dbt's details too
                checked_at,
            )
        ]
        con.execute(
            f"insert into audit.dq_results ({', '.join(names)}) values {', '.join([row] * len(chunk))}",
            values,
        )


def failed(suite: str, name: str, table: str, severity: str, details: str) -> DqResult:
    """A GX check that could not be judged (it fails closed)."""
    return DqResult(ENGINE, suite, name, table, severity, False, None, None, details)


def expectation_row(
    suite: dict, table: str, expectation: dict, result, personal: set[str], missing: str | None, profile=None
) -> DqResult:
    """The row of one expectation; ``result`` is GX's (None: not evaluated, ``missing`` says why)."""
    base = (suite["name"], check_name(expectation), table, expectation["meta"]["severity"])
    if result is None:
        return failed(*base, f"not evaluated: {missing or 'no result from GX'}")
    exception = exception_message(result)
    if exception:
        return failed(*base, _clip(f"not evaluated: {exception}"))
    shows_personal = bool(personal & set(columns_of(expectation)))
    data = dict(result.result or {})
    observed, failing, details = _describe(expectation, data, shows_personal, profile)
    if not data and not result.success:
        details = details or "GX returned no result"
    return DqResult(
        ENGINE,
        *base,
        bool(result.success),
        observed,
        failing,
        None if result.success else _clip(details or "failed"),
    )


def exception_message(result) -> str | None:
    info = result.exception_info or {}
    if info.get("raised_exception"):
        return str(info.get("exception_message") or "exception")
    for value in info.values():  # keyed by metric when a metric failed
        if isinstance(value, dict) and value.get("raised_exception"):
            return str(value.get("exception_message") or "exception").splitlines()[0]
    return None


def _describe(
    expectation: dict, data: dict, shows_personal: bool, frame
) -> tuple[str | None, int | None, str | None]:
    """(observed_value, failing_count, details) from GX's result; ``frame`` is the by-year profile if checked on it."""
    kind = expectation["type"]
    if kind == "expect_table_columns_to_match_set":
        missing = sorted((data.get("details") or {}).get("mismatched", {}).get("missing") or [])
        return (
            f"{len(data.get('observed_value') or [])} columns",
            len(missing),
            "missing columns: " + ", ".join(missing) if missing else None,
        )
    if "element_count" not in data:  # table-level or aggregate: GX's observed value (a type, a number)
        observed = data.get("observed_value")
        shown = None if observed is None else _show(observed, quote=False)
        return shown, None, f"observed {shown}"
    failing = int(data.get("unexpected_count") or 0)
    unit = "academic years" if frame is not None else "rows"
    observed = f"{failing} of {data['element_count']} {unit} unexpected"
    if data.get("missing_count"):
        observed += f" ({data['missing_count']} null, not counted)"
    if not failing:
        return observed, 0, None
    if shows_personal:
        return observed, failing, f"{failing} {unit} (values not shown: personal data)"
    if frame is not None:  # the by-year profile: name the years
        return observed, failing, _years_detail(expectation, data, frame)
    shown = [
        f"{_show(item['value'])} ({item['count']})"
        for item in (data.get("partial_unexpected_counts") or [])[:SHOWN_VALUES]
    ]
    return observed, failing, f"{failing} {unit}, e.g. " + ", ".join(shown)


def _years_detail(expectation: dict, data: dict, frame) -> str:
    column = expectation["kwargs"]["column"]
    years = [item.get("academic_year") for item in data.get("unexpected_index_list") or []]
    parts = []
    for year in years[:SHOWN_VALUES]:
        row = frame[frame["academic_year"] == year].iloc[0]
        if column in ("rows_vs_previous_year", "latest_rows_vs_previous_year"):
            parts.append(
                f"{year}: {row['row_count']} rows, {_show(row[column])} of {int(row['previous_year_rows'])}"
            )
        else:
            parts.append(f"{year}: {_show(row[column])}")
    return "academic years " + "; ".join(parts)


def _show(value: Any, quote: bool = True) -> str:
    if isinstance(value, float):
        return "NaN" if math.isnan(value) else f"{value:.4g}"
    if isinstance(value, dt.datetime) and value == dt.datetime.combine(value.date(), dt.time()):
        return value.date().isoformat()  # a date held as a midnight timestamp
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return ", ".join(_show(v) for v in value)
    text = str(value)
    text = redact_text(text)
    return repr(text[:40]) if quote and isinstance(value, str) else text[:40]


def _clip(text: str) -> str:
    text = redact_text(text)
    return text if len(text) <= DETAILS_MAX else text[: DETAILS_MAX - 1] + "…"
