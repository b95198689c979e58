"""DuckDB's memory limit for a run's build: from the raw rows, unless set by hand."""

from __future__ import annotations

import duckdb
import pytest

from indicators import warehouse


@pytest.mark.parametrize(
    ("rows", "limit"),
    [
        (0, "512MiB"),  # an empty warehouse still gets the floor
        (1_000_000, "512MiB"),  # 160 MB
        (3_000_000, "512MiB"),  # 480 MB, under 536.9 MB
        (4_000_000, "1GiB"),  # 640 MB: two steps of 512 MiB
        (7_000_000, "1536MiB"),  # 1.12 GB = 2.09 steps: rounded up to three
        (17_316_806, "3GiB"),  # bench scale 1000: 2.77 GB = 5.16 steps, six
        (30_000_000, "4GiB"),  # 4.8 GB: the ceiling
    ],
)
def test_the_limit_grows_with_the_raw_rows_in_steps_of_512_mib_up_to_four_gib(rows, limit):
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


@pytest.mark.parametrize(
    ("run", "reading"),
    [
        ("512MiB", "512MiB"),  # never under one step
        ("1GiB", "512MiB"),  # two steps: one
        ("1536MiB", "512MiB"),  # three steps: half is 1.5, rounded down to one
        ("3GiB", "1536MiB"),  # bench scale 1000: six steps, three
        ("4GiB", "2GiB"),
    ],
)
def test_the_gx_workers_reading_gets_half_the_runs_limit_in_steps_of_512_mib(monkeypatch, run, reading):
    monkeypatch.delenv(warehouse.MEMORY_LIMIT_ENV, raising=False)
    monkeypatch.setenv(warehouse.RUN_MEMORY_LIMIT_ENV, run)
    assert warehouse.reading_memory_limit() == reading


def test_the_gx_workers_reading_keeps_a_limit_set_by_hand(monkeypatch):
    monkeypatch.setenv(warehouse.RUN_MEMORY_LIMIT_ENV, "3GiB")
    monkeypatch.setenv(warehouse.MEMORY_LIMIT_ENV, "6GiB")
    assert warehouse.reading_memory_limit() == "6GiB"
    monkeypatch.setenv(warehouse.MEMORY_LIMIT_ENV, "5GB")  # DuckDB's own spelling, not a run's
    assert warehouse.reading_memory_limit() == "5GB"
