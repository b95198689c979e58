"""The real cause of a failed write, found in the exception chain (no warehouse needed)."""

from __future__ import annotations

import errno

import duckdb

from indicators.disk import describe, disk_full, mentions_full


def _rollback_after(cause: BaseException) -> BaseException:
    """What the ingest used to raise: the rollback's error, with the write's error as its context."""
    try:
        try:
            raise cause
        except BaseException:
            raise duckdb.TransactionException("cannot rollback - no transaction is active") from None
    except duckdb.TransactionException as exc:
        exc.__context__ = cause
        return exc


def test_a_full_disk_behind_a_failed_rollback_is_named():
    hidden = duckdb.IOException('Could not write file "work/in-progress.duckdb.wal": No space left on device')
    exc = _rollback_after(hidden)
    assert disk_full(exc) is hidden
    assert (
        describe(exc)
        == 'IOException: Could not write file "work/in-progress.duckdb.wal": No space left on device'
    )


def test_efbig_counts_as_full_and_other_errors_name_the_deepest_cause():
    assert disk_full(OSError(errno.EFBIG, "File too large")) is not None
    assert disk_full(ValueError("bad date")) is None
    wrapped = RuntimeError("stage failed")
    wrapped.__cause__ = KeyError("student_mobility")
    assert describe(wrapped) == "RuntimeError: stage failed (caused by KeyError: 'student_mobility')"
    assert mentions_full("dbt model int_x failed: IO Error: No space left on device")
    assert not mentions_full("dbt check assert_shares_within_0_100 failed")


def test_duckdb_that_cannot_spill_says_out_of_memory_but_the_disk_is_full():
    # DuckDB's temp directory's limit follows the free space; with it reached the error is an
    # OutOfMemoryException, and the run advised raising the memory limit and kept the working copy
    import pytest

    from indicators.disk import out_of_memory

    con = duckdb.connect(config={"memory_limit": "30MB", "max_temp_directory_size": "1MB", "threads": 1})
    with pytest.raises(duckdb.Error) as caught:
        con.execute(
            "select range, repeat('x', 200) as pad from range(3000000) order by pad desc, range"
        ).fetchall()
    assert disk_full(caught.value) is caught.value
    assert "max_temp_directory_size" in str(caught.value)
    assert not out_of_memory(RuntimeError("Binder Error: nothing about memory"))
