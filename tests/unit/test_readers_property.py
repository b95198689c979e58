"""Property: a malformed file never crashes ingest; it is loaded (rows sorted good/bad) or rejected with a reason."""

from __future__ import annotations

import io
import shutil
import tempfile
from pathlib import Path

import duckdb
import openpyxl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.config import project_root
from indicators.identity import Pseudonymiser
from indicators.ingest import Ingestor
from indicators.sources import load_sources
from indicators.warehouse import ensure_schema

SPECS = load_sources(project_root() / "pipelines")
VALID_CSV = (
    "Utbytes-ID;Personnummer;Riktning;Typ av utbyte;Land;Startdatum;Status\n"
    "A1;uid-1;ut;studier;GB;2019-09-01;avslutad\n"
    "A2;uid-2;in;studier;FR;01.02.2020;återbud\n"
).encode("cp1252")


def _valid_xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Programkod", "Termin", "Registrerade"])
    book.active.append(["MAMED", "HT2019", 120])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


VALID_XLSX = _valid_xlsx()


# the raw and audit tables, made once and copied for each example (a file copy takes a third of
# the time ensure_schema takes, which was a third of an example's)
_SCHEMA = tempfile.TemporaryDirectory()


def _empty_warehouse(folder: Path) -> duckdb.DuckDBPyConnection:
    template = Path(_SCHEMA.name) / "schema.duckdb"
    if not template.exists():
        con = duckdb.connect(str(template))
        ensure_schema(con, SPECS)
        con.close()
    shutil.copyfile(template, folder / "warehouse.duckdb")
    return duckdb.connect(str(folder / "warehouse.duckdb"))


def _ingest_bytes(name: str, data: bytes):
    with tempfile.TemporaryDirectory() as tmp:
        con = _empty_warehouse(Path(tmp))
        inbox = Path(tmp) / "inbox"
        inbox.mkdir()
        (inbox / name).write_bytes(data)
        ingestor = Ingestor(con, SPECS, Pseudonymiser(b"k" * 32), "test", Path(tmp) / "rejected")
        summary = ingestor.ingest_inbox(inbox)
        con.close()
    [result] = summary.files
    assert result.status in ("loaded", "rejected")
    if result.status == "rejected":
        assert result.reason
    else:
        assert result.rows_loaded + result.rows_quarantined + result.rows_collapsed == result.rows_read
    return result


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    mutated = bytearray(data[: max(0, min(cut, len(data)))])
    for position, value in flips:
        if mutated:
            mutated[position % len(mutated)] = value
    return bytes(mutated)


common = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@common
@given(st.binary(max_size=2000))
def test_random_bytes_as_csv(data):
    _ingest_bytes("student_mobility_fuzz.csv", data)


@common
@given(
    st.integers(0, len(VALID_CSV)),
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), max_size=8),
)
def test_mutated_csv(cut, flips):
    _ingest_bytes("student_mobility_fuzz.csv", _mutate(VALID_CSV, cut, flips))


@common
@given(
    st.integers(0, len(VALID_XLSX)),
    st.lists(st.tuples(st.integers(0, 100_000), st.integers(0, 255)), max_size=4),
)
def test_mutated_xlsx(cut, flips):
    _ingest_bytes("enrolments_fuzz.xlsx", _mutate(VALID_XLSX, cut, flips))


@common
@given(st.text(alphabet=st.sampled_from(list(';,"\n\r\t xyzåäö0123456789-/.')), max_size=400))
def test_csv_shaped_text(text):
    _ingest_bytes(
        "student_mobility_fuzz.csv",
        ("Utbytes-ID;Personnummer;Riktning;Typ av utbyte;Land;Startdatum;Status\n" + text).encode(),
    )


def test_the_unmutated_files_load():
    assert _ingest_bytes("student_mobility_ok.csv", VALID_CSV).rows_loaded == 2
    assert _ingest_bytes("enrolments_ok.xlsx", VALID_XLSX).rows_loaded == 1
