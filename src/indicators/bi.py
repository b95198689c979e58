"""The marts as files for BI tools: ``<warehouse folder>/bi/``, rewritten by every publish that
rebuilt them.

Power BI, Excel's Power Query and Tableau read Parquet and CSV from a folder without a DuckDB
driver. At each publish the run writes every table and view of the ``marts`` schema of the
working copy it is about to publish into ``bi.new/`` — ``<mart>.parquet``, ``<mart>.csv``
(UTF-8 with a byte-order mark, as the exports' ``excel-sv`` CSV, so that Excel opening it by a
double-click reads UTF-8; ``,`` between fields, ``.`` decimals, a header row; a text starting like a formula gets a
leading ``'``, as in the exports, while the Parquet keeps it as it is) and ``manifest.json`` (the run id,
when, and each mart's rows and columns) and ``datapackage.json`` (the CSVs described: :func:`package`) — and, right after the warehouse is swapped in, swaps
``bi.new`` for ``bi`` (one atomic ``renameat2(RENAME_EXCHANGE)`` on Linux, else two renames);
the previous folder stays whole until that moment. A publish whose run did not rebuild the marts
(nothing new, the project unchanged: dbt skipped) keeps the folder when it holds the marts of the
publish the run started from (:func:`keep`), and only stamps its manifest with the run; writing
every mart again cost 11.5 s of such a night's 25.7 s at scale 1000. The marts hold no person
identifiers; they are the numbers before disclosure control, as the warehouse itself is: the
folder needs the warehouse's access rights (publish outside with ``indicators export``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import datetime as dt
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb

FOLDER = "bi"
SCHEMA = "marts"
MANIFEST = "manifest.json"
PACKAGE = "datapackage.json"  # the CSVs as a Frictionless Tabular Data Package (package)
# what the files hold and how (the BOM, the formula prefix, the manifest's fields): raised with every
# change to them, so that a kept folder written by an older code is written again (:func:`keep`)
WRITER_VERSION = 5  # 3: datapackage.json; 4: times with their zone (UTC); 5: the line end described
# DuckDB's COPY ends a CSV line with \n alone; the Data Package's CSV dialect means \r\n when it says
# nothing (Frictionless v1), the exports' RFC 4180 line end: so it is said, in both descriptions
LINE_END = "\n"
BOM = "\ufeff".encode()  # the CSV files' first bytes, as the exports' excel-sv dialect writes them
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100


@dataclass
class Written:
    folder: Path  # bi.new, until swapped in
    tables: int
    seconds: float


def folder_of(warehouse: Path) -> Path:
    return warehouse.parent / FOLDER


def staging_of(warehouse: Path) -> Path:
    return warehouse.parent / f"{FOLDER}.new"


def write(database: Path, warehouse: Path, run_id: str) -> Written:
    """Write the marts of ``database`` (the working copy, closed) into ``bi.new`` beside ``warehouse``."""
    clock = time.monotonic()
    staging = staging_of(warehouse)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    con = duckdb.connect(str(database), read_only=True)
    try:
        names = [
            row[0]
            for row in con.execute(
                "select table_name from information_schema.tables where table_schema = ? order by 1",
                [SCHEMA],
            ).fetchall()
        ]
        tables = []
        for name in names:
            source = f'{SCHEMA}."{name}"'
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [SCHEMA, name],
            ).fetchall()
            rows = con.execute(f"select count(*) from {source}").fetchone()[0]
            parquet, text = staging / f"{name}.parquet", staging / f"{name}.csv"
            con.execute(
                f"copy (select {_parquet_columns(columns)} from {source}) to {_literal(parquet)} "
                "(format parquet, compression zstd)"
            )
            body = staging / f"{name}.csv.body"
            con.execute(
                f"copy (select {_csv_columns(columns)} from {source}) to {_literal(body)} "
                "(format csv, header true, delimiter ',')"
            )
            _with_bom(body, text)
            tables.append(
                {
                    "name": name,
                    "rows": rows,
                    "parquet": parquet.name,
                    "csv": text.name,
                    "columns": [{"name": column, "type": _written_type(kind)} for column, kind in columns],
                }
            )
        keys = _keys(con)
        for table in tables:
            table["key"] = keys.get(table["name"])  # its primary key (the contract's), if it has one
    finally:
        con.close()
    manifest = {
        "run_id": run_id,  # the publish the folder belongs to
        "written_by_run": run_id,  # the run that wrote its files (an earlier one when kept: keep)
        "written_at": dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat(),
        "writer_version": WRITER_VERSION,  # what wrote the files (none before version 2)
        "warehouse": warehouse.name,
        "schema": SCHEMA,
        "csv": {
            "delimiter": ",",
            "decimal": ".",
            "encoding": "UTF-8",
            "bom": True,
            "line_terminator": LINE_END,
            "header": True,
            "formula_prefix": "'",
        },
        "tables": tables,
        "relationships": relationships(tables),
    }
    (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (staging / PACKAGE).write_text(
        json.dumps(package(tables, manifest["relationships"]), indent=2) + "\n", encoding="utf-8"
    )
    _fsync_dir(staging)
    return Written(staging, len(tables), time.monotonic() - clock)


def _with_bom(body: Path, text: Path) -> None:
    """``text``: a UTF-8 byte-order mark, then ``body`` (removed). DuckDB's COPY writes no BOM (its
    PREFIX cannot go with a header row), and without one Excel opening the file by a double-click
    reads Windows-1252 (``Lärare`` shows as ``LÃ¤rare``); DuckDB, polars and Python's ``utf-8-sig``
    read the BOM as the encoding's mark, not as part of the first column's name
    (tests/unit/test_bi_csv.py)."""
    with open(text, "wb") as out, open(body, "rb") as source:
        out.write(BOM)
        shutil.copyfileobj(source, out, 1 << 20)
    body.unlink()


def _quoted(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def _written_type(kind: str) -> str:
    """A mart column's type in the files: a ``TIMESTAMP`` (UTC, as the warehouse keeps every time)
    is written with its zone, as Power BI reads a time without one as the computer's local time."""
    return "TIMESTAMP WITH TIME ZONE" if kind == "TIMESTAMP" else kind


def _parquet_columns(columns: list[tuple[str, str]]) -> str:
    """The select list of a mart's Parquet: a ``TIMESTAMP`` as the instant it is in UTC (a Parquet
    timestamp adjusted to UTC, microseconds); other columns as they are."""
    return ", ".join(
        f"timezone('UTC', {_quoted(column)}) as {_quoted(column)}" if kind == "TIMESTAMP" else _quoted(column)
        for column, kind in columns
    )


def _csv_columns(columns: list[tuple[str, str]]) -> str:
    """The select list of a mart's CSV: a text that starts like a formula (``=``, ``+``, ``-``, ``@``,
    tab, carriage return: a programme name from a source export) gets a leading ``'``, as in the
    exports' CSV (:func:`indicators.export.writers.safe_text`), so that Excel opening the file shows
    it and never evaluates it; other columns, and the Parquet file, as they are."""
    from indicators.export.writers import FORMULA_START

    starts = ", ".join(f"chr({ord(char)})" for char in FORMULA_START)
    selected = []
    for column, kind in columns:
        name = _quoted(column)
        if kind == "VARCHAR":
            name = f"case when left({name}, 1) in ({starts}) then chr(39) || {name} else {name} end as {name}"
        elif kind == "TIMESTAMP":  # ISO 8601 in UTC with its zone: 2026-12-06T04:58:20Z (.123456Z)
            name = (
                f"strftime({name}, '%Y-%m-%dT%H:%M:%S') || case when microsecond({name}) % 1000000 <> 0 "
                f"then '.' || lpad(cast(microsecond({name}) % 1000000 as varchar), 6, '0') else '' end "
                f"|| 'Z' as {name}"
            )
        selected.append(name)
    return ", ".join(selected)


# a mart column's type in the package, by DuckDB's type (any other: string, as the CSV writes it)
FIELD_TYPES = {
    "VARCHAR": "string",
    "DOUBLE": "number",
    "FLOAT": "number",
    "INTEGER": "integer",
    "BIGINT": "integer",
    "SMALLINT": "integer",
    "HUGEINT": "integer",
    "BOOLEAN": "boolean",
    "DATE": "date",
    "TIMESTAMP": "datetime",
    "TIMESTAMP WITH TIME ZONE": "datetime",
}


def package(tables: list[dict], links: list[dict[str, str]]) -> dict:
    """``datapackage.json``: each mart's CSV as a Frictionless tabular resource (``frictionless
    validate bi/datapackage.json``; the folder itself, without it, is read as the CSV and the Parquet of
    each mart under one name): the CSV's dialect, each column's type as DuckDB wrote it (a date
    ``2025-09-01``, a time in UTC with its zone ``2026-12-06T04:58:20Z``, as the warehouse keeps it;
    ``true``/``false``), an empty cell as no value, the primary key and the links of the manifest's
    ``relationships``. The Parquet files are not listed: they carry their types themselves."""
    resources = []
    for table in tables:
        fields = []
        for column in table["columns"]:
            kind = column["type"]
            field = {"name": column["name"], "type": FIELD_TYPES.get(kind.split("(")[0], "string")}
            if kind.startswith("DECIMAL"):
                field["type"] = "number"
            if field["type"] == "datetime":
                field["description"] = "UTC, ISO 8601 with its zone (2026-12-06T04:58:20Z)"
            fields.append(field)
        schema: dict = {"fields": fields, "missingValues": [""]}
        if table.get("key"):
            schema["primaryKey"] = list(table["key"])
        keys = [
            {
                "fields": [link["column"]],
                "reference": {"resource": link["to_table"], "fields": [link["column"]]},
            }
            for link in links
            if link["from_table"] == table["name"]
        ]
        if keys:
            schema["foreignKeys"] = keys
        resources.append(
            {
                "name": table["name"],
                "path": table["csv"],
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                # UTF-8 behind a byte-order mark: the IANA name, not Python's utf-8-sig
                "encoding": "utf-8",
                "dialect": {
                    "delimiter": ",",
                    "lineTerminator": LINE_END,
                    "quoteChar": '"',
                    "doubleQuote": True,
                    "header": True,
                },
                "schema": schema,
            }
        )
    return {"profile": "tabular-data-package", "name": "marts", "resources": resources}


def _keys(con) -> dict[str, list[str]]:
    """Each mart's primary key (its enforced contract), as DuckDB holds it."""
    rows = con.execute(
        "select table_name, constraint_column_names from duckdb_constraints() "
        "where schema_name = ? and constraint_type = 'PRIMARY KEY'",
        [SCHEMA],
    ).fetchall()
    return {name: list(columns) for name, columns in rows}


def relationships(tables: list[dict]) -> list[dict[str, str]]:
    """The many-to-one links a BI model draws between the marts: a column of one mart that is the
    whole one-column key of another (``indicator_values.programme_code`` → ``programmes``). A BI
    tool relates tables on one column, so two-column keys are listed with the table, not here."""
    owners = {
        table["key"][0]: table["name"] for table in tables if table.get("key") and len(table["key"]) == 1
    }
    return [
        {"from_table": table["name"], "column": column["name"], "to_table": owners[column["name"]]}
        for table in tables
        for column in table["columns"]
        if owners.get(column["name"]) not in (None, table["name"])
    ]


def keep(warehouse: Path, previous_run: str | None) -> dict | None:
    """The folder's manifest when this publish can keep the folder, else None (it is written again).
    Only for a run that did not rebuild the marts, and only when the folder holds the marts of the
    publish the run started from (``previous_run``): its manifest names that run, every file it
    lists is there, and this code's :data:`WRITER_VERSION` wrote them (a folder from before a
    change to the files, the BOM or the formula prefix, is written again by the next publish)."""
    folder = folder_of(warehouse)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        listed = [folder / table[kind] for table in manifest["tables"] for kind in ("parquet", "csv")]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    whole = (
        previous_run is not None
        and manifest.get("run_id") == previous_run
        and manifest.get("writer_version") == WRITER_VERSION
    )
    return manifest if whole and all(path.is_file() for path in listed) else None


def stamp(warehouse: Path, manifest: dict, run_id: str) -> Path:
    """Name ``run_id`` as the publish the kept folder (its ``manifest``, :func:`keep`) belongs to, the
    manifest replaced atomically; ``written_by_run`` and ``written_at`` still say which run wrote the
    files, and when."""
    folder = folder_of(warehouse)
    manifest = dict(manifest)
    manifest["written_by_run"] = manifest.get("written_by_run") or manifest["run_id"]
    manifest["run_id"] = run_id
    partial = folder / f"{MANIFEST}.partial"
    partial.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    with open(partial, "rb") as handle:
        os.fsync(handle.fileno())
    os.replace(partial, folder / MANIFEST)
    _fsync_dir(folder)
    return folder


def swap(warehouse: Path) -> Path:
    """Put ``bi.new`` in place of ``bi`` (the old folder is removed after the swap)."""
    staging, folder = staging_of(warehouse), folder_of(warehouse)
    if not folder.exists():
        os.replace(staging, folder)
    elif _exchange(staging, folder):
        shutil.rmtree(staging, ignore_errors=True)  # now the previous folder
    else:
        old = warehouse.parent / f"{FOLDER}.old"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(folder, old)
        os.replace(staging, folder)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(folder.parent)
    return folder


def discard(warehouse: Path) -> None:
    shutil.rmtree(staging_of(warehouse), ignore_errors=True)


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2``); False where the system cannot."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
