"""warehouse.check_published reads every table of the published file back whole: all of them in one
query, and when that fails each alone, so that the reason names the table that cannot be read."""

from __future__ import annotations

import duckdb

from indicators import warehouse


def _published(path, big_rows: int = 2_000_000):
    con = duckdb.connect(str(path))
    try:
        con.execute("create schema audit")
        con.execute("create table audit.loaded_files as select 1 as file_id")
        con.execute("create table main.small as select range as x from range(10)")
        con.execute(f"create table main.big as select range as x, random() as y from range({big_rows})")
        con.execute("checkpoint")
    finally:
        con.close()


def _a_block_of(path, table: str) -> int:
    """The file offset of one of ``table``'s data blocks (DuckDB places blocks as its threads finish,
    so the middle of the file may be free space): after the file's three 4 KB headers, block n of
    ``block_size`` bytes."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        (block_size,) = con.execute("select block_size from pragma_database_size()").fetchone()
        (block,) = con.execute(
            f"select min(block_id) from pragma_storage_info('{table}') where block_id >= 0 and column_name = 'y'"
        ).fetchone()
    finally:
        con.close()
    return 3 * 4096 + block * block_size


def test_a_whole_file_passes_and_a_damaged_block_names_its_table(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    _published(path)
    assert warehouse.check_published(path) is None
    offset = _a_block_of(path, "main.big")
    with path.open("r+b") as handle:  # 4 KB overwritten inside a block of main.big's random doubles
        handle.seek(offset + 4096)
        handle.write(b"\xa5" * 4096)
    reason = warehouse.check_published(path)
    assert reason is not None and reason.startswith("main.big cannot be read ("), reason
    assert "checksum" in reason


def test_a_file_without_the_audit_table_is_not_a_warehouse(tmp_path):
    path = tmp_path / "other.duckdb"
    con = duckdb.connect(str(path))
    con.execute("create table t as select 1 as x")
    con.close()
    assert warehouse.check_published(path) == "it has no audit.loaded_files table"
