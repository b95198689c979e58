"""The ingest's write queue: writes run in order on one writer thread; a failed write stops the rest."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import duckdb
import pytest

from indicators.config import project_root
from indicators.identity import Pseudonymiser
from indicators.ingest import PENDING_ROWS, Ingestor
from indicators.sources import load_sources

SPECS = load_sources(project_root() / "pipelines")


def _ingestor(tmp_path) -> Ingestor:
    return Ingestor(duckdb.connect(), SPECS, Pseudonymiser(b"k" * 32), "test", tmp_path / "rejected")


def test_writes_run_in_order_and_small_ones_do_not_hold_up_the_reader(tmp_path):
    ingestor = _ingestor(tmp_path)
    release = threading.Event()
    done: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as writer:
        ingestor._writer = writer
        ingestor._write(lambda: (release.wait(10), done.append("large")), PENDING_ROWS - 100)
        # a small file queued behind the large one, within the bound: the reader goes on at once
        # (were it to wait, the large write would hold it for the ten seconds and `done` be filled)
        ingestor._write(lambda: done.append("small"), 10)
        assert done == []
        release.set()
        ingestor._wait_for_writer()
    assert done == ["large", "small"]


def test_the_reader_waits_when_too_many_rows_are_queued(tmp_path):
    ingestor = _ingestor(tmp_path)
    done: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as writer:
        ingestor._writer = writer
        ingestor._write(lambda: done.append("first"), PENDING_ROWS)
        ingestor._write(lambda: done.append("second"), PENDING_ROWS)
        # over the bound: the second _write returned only after the first write had finished
        assert done[:1] == ["first"]
        ingestor._wait_for_writer()
    assert done == ["first", "second"]


def test_a_write_over_the_bound_on_its_own_is_done_before_the_reader_goes_on(tmp_path):
    ingestor = _ingestor(tmp_path)
    done: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as writer:
        ingestor._writer = writer
        ingestor._write(lambda: (threading.Event().wait(0.2), done.append("huge")), PENDING_ROWS + 1)
        assert done == ["huge"]  # a file too large to hold beside the next one's reading
        ingestor._write(lambda: done.append("small"), 10)
        ingestor._wait_for_writer()
    assert done == ["huge", "small"]


def test_a_failed_write_stops_the_queue_and_surfaces(tmp_path):
    ingestor = _ingestor(tmp_path)
    done: list[str] = []

    def fail():
        raise OSError("disk full")

    with ThreadPoolExecutor(max_workers=1) as writer:
        ingestor._writer = writer
        ingestor._write(fail, 10)
        ingestor._write(lambda: done.append("later"), 10)
        with pytest.raises(OSError, match="disk full"):
            ingestor._wait_for_writer()
    assert done == []  # nothing after a failed write is written
