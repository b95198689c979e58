"""results.insert writes a run's checks into audit.dq_results a few hundred rows a statement: every
row lands once, with its own values, across the statements' boundaries."""

from __future__ import annotations

import datetime as dt

import duckdb

from helpers import personnummer
from indicators import warehouse
from indicators.quality import results
from indicators.quality.results import DqResult


def test_every_check_lands_once_with_its_values_across_statements():
    con = duckdb.connect()
    warehouse.ensure_schema(con, [])
    count = 2 * results.INSERT_ROWS + 3  # three statements, the last of 3 rows
    pnr = personnummer("19900101", 980)
    checks = [
        DqResult(
            "dbt" if i % 2 else "great_expectations",
            "suite",
            f"check_{i:03d}",
            None if i == 7 else f"table_{i % 4}",
            "warn" if i % 3 == 0 else "error",
            i % 5 != 0,
            None if i % 2 else f"observed {i}",
            i if i % 5 == 0 else None,
            f"row with {pnr}" if i == count - 1 else None,
        )
        for i in range(count)
    ]
    results.insert(con, "run-1", dt.datetime(2026, 12, 4, 3, 0), checks)
    rows = con.execute(
        "select run_id, engine, suite_name, check_name, table_name, severity, success, observed_value, "
        "failing_count, details, checked_at from audit.dq_results order by check_name"
    ).fetchall()
    assert len(rows) == count == 403
    assert rows[0] == (
        "run-1", "great_expectations", "suite", "check_000", "table_0", "warn", False, "observed 0", 0, None,
        dt.datetime(2026, 12, 4, 3, 0),
    )  # fmt: skip
    assert rows[7][4] is None and rows[7][6] is True and rows[7][7] is None  # check 7: no table, passed
    assert rows[200][3] == "check_200" and rows[200][8] == 200  # the first row of the second statement
    assert sum(1 for r in rows if not r[6]) == 81  # i % 5 == 0 for i in 0..402: 0, 5, ..., 400
    assert pnr not in rows[-1][9] and rows[-1][9].startswith("row with ")  # redacted as before
