"""Test helpers: fictitious personnummer built at run time (no identifier is written in the source)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

from indicators.identity import luhn_digit


def personnummer(birth: str, serial: int) -> str:
    """A fictitious personnummer ``YYYYMMDDNNNN`` with a valid check digit (serials 980-999 by convention)."""
    nine = birth[2:8] + f"{serial:03d}"
    return birth + f"{serial:03d}" + str(luhn_digit(nine))


def forms(pnr12: str) -> dict[str, str]:
    """Every form DATA_CONTRACTS lists for one personnummer."""
    return {
        "long_dash": f"{pnr12[:8]}-{pnr12[8:]}",
        "long": pnr12,
        "short_dash": f"{pnr12[2:8]}-{pnr12[8:]}",
        "short": pnr12[2:],
    }


def wrong_check_digit(pnr12: str) -> str:
    return pnr12[:11] + str((int(pnr12[11]) + 1) % 10)


def query(warehouse, sql: str, params: list | None = None) -> list[tuple]:
    """Rows of a read-only query against a warehouse file."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def ingest_args(inbox: Path, warehouse: Path) -> list[str]:
    """``indicators ingest -q`` of ``inbox`` into ``warehouse``: the command's arguments (for
    :func:`cli_in_process`)."""
    return ["ingest", "-q", "--inbox", str(inbox), "--warehouse", str(warehouse)]


def ingest_command(inbox: Path, warehouse: Path) -> list[str]:
    """The same as a process's arguments."""
    return [sys.executable, "-m", "indicators.cli", *ingest_args(inbox, warehouse)]


def indicator_row(
    indicator,
    year,
    programme=None,
    dimension=None,
    dimension_value=None,
    value=None,
    numerator=None,
    denominator=None,
    unit="persons",
) -> dict:
    """One row of ``marts.indicator_values`` as the export and the disclosure control read it."""
    return {
        "indicator_id": indicator,
        "academic_year": year,
        "programme_code": programme,
        "dimension": dimension,
        "dimension_value": dimension_value,
        "value": value,
        "numerator": numerator,
        "denominator": denominator,
        "unit": unit,
    }


def cli_in_process(*args: str, env: dict[str, str] | None = None):
    """``indicators ARGS`` by the CLI's own ``main`` in this process, as a ``CompletedProcess``: the
    same argument parsing, command, messages and exit code as ``python -m indicators.cli``, without
    a new interpreter (whose imports of dbt and GX, and a report's charts, cost more than most of
    the command). ``env`` holds for the call and is restored after; an exception the CLI lets
    through fails the test, as a traceback would. Output written below Python (a child process's)
    is not captured: where a test reads that, or needs a process of its own (a signal, a lock held
    by another run), it runs the command as a subprocess."""
    import contextlib
    import io
    import os
    import subprocess

    from indicators.cli import main

    saved = {name: os.environ.get(name) for name in env or {}}
    out, err = io.StringIO(), io.StringIO()
    try:
        os.environ.update(env or {})
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                code = main(list(args))
            except SystemExit as exc:  # argparse: --help, a usage error
                code = exc.code if isinstance(exc.code, int) else 1
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return subprocess.CompletedProcess(["indicators", *args], code, out.getvalue(), err.getvalue())


EXPORT_FIXTURE = Path(__file__).parent / "fixtures" / "export" / "warehouse.sql"


def export_fixture_warehouse(folder: Path, *statements: str) -> Path:
    """The export tests' hand-built published warehouse (``tests/fixtures/export/warehouse.sql``) in
    ``folder``, with ``statements`` run after it (a variant of the fixture)."""
    import duckdb

    path = folder / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    try:
        con.execute(EXPORT_FIXTURE.read_text(encoding="utf-8"))
        for statement in statements:
            con.execute(statement)
    finally:
        con.close()
    return path


def programme_codes_as(codes: dict[str, str]) -> list[str]:
    """Statements for :func:`export_fixture_warehouse` that give the fixture's programmes other codes
    (``{"P2": "MED/LÄK"}``) in every mart that holds one."""
    return [
        f"update marts.{table} set programme_code = '{new}' where programme_code = '{old}'"
        for table in ("indicator_values", "indicator_progress", "indicator_revisions", "programmes")
        for old, new in codes.items()
    ]


def run_limited(code: str, *args: str, limit: int, env: dict[str, str] | None = None) -> list[str]:
    """``python -c code *args`` in a process of ``limit`` bytes of address space (a failed
    allocation ends it at once, never the machine's memory): its lines of output; the process must
    end well (polars and calamine abort it, exit -6, where an allocation fails)."""

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        preexec_fn=limited,
        env=os.environ | (env or {}),
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-300:]
    return result.stdout.splitlines()
