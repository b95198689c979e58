"""DuckDB's memory limit for a run's build: from the raw rows, unless set by hand."""

from __future__ import annotations

import duckdb
import pytest

from indicators import warehouse


@pytest.mark.parametrize(
    ("rows", "limit"),
    [
        (0, "1GiB"),  # an empty warehouse still gets the floor
        (1_000_000, "1GiB"),  # 160 MB
        (7_000_000, "2GiB"),  # 1.12 GB: rounded up to whole GiB
        (30_000_000, "4GiB"),  # 4.8 GB: the ceiling
    ],
)
def test_the_limit_grows_with_the_raw_rows_in_whole_gib_from_one_to_four(rows, limit):
    con = duckdb.connect()
    con.execute("create schema raw")
    con.execute(f"create table raw.a as select range as id from range({rows // 2})")
    con.execute(f"create table raw.b as select range as id from range({rows - rows // 2})")
    con.execute(
        "create table main.elsewhere as select range as id from range(50000000)"
    )  # not raw: not counted
    assert warehouse.memory_limit_for(con) == limit


def test_a_limit_set_by_hand_wins_over_the_one_a_run_chose(monkeypatch):
    monkeypatch.setenv(warehouse.RUN_MEMORY_LIMIT_ENV, "1GiB")
    monkeypatch.delenv(warehouse.MEMORY_LIMIT_ENV, raising=False)
    assert warehouse.memory_limit() == "1GiB"
    monkeypatch.setenv(warehouse.MEMORY_LIMIT_ENV, "6GiB")
    assert warehouse.memory_limit() == "6GiB"
    monkeypatch.delenv(warehouse.MEMORY_LIMIT_ENV)
    monkeypatch.delenv(warehouse.RUN_MEMORY_LIMIT_ENV)
    assert warehouse.memory_limit() == "4GiB"  # outside a run (an analyst's query, CI's dbt)
