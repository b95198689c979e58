"""A delivered file's rows by the kind its name says: CSV, XLSX or (for agreements) EWP IIA XML."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from indicators.readers.csv import read_csv
from indicators.readers.errors import ReaderError
from indicators.readers.packed import archive_named
from indicators.readers.xlsx import MAX_UNPACKED_MB, read_xlsx
from indicators.sources import SourceSpec


def read_file(
    path: Path, data: bytes, spec: SourceSpec, home_hei_id: str, xlsx_max_unpacked_mb: float = MAX_UNPACKED_MB
) -> pl.DataFrame:
    """The rows of a file's ``data`` (its bytes, read once), by the kind its name says."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(data, skip_rows=spec.skip_rows)
    if suffix in (".xlsx", ".xlsm"):
        return read_xlsx(data, spec.sheet, xlsx_max_unpacked_mb, skip_rows=spec.skip_rows)
    if suffix == ".xml":
        if spec.name != "agreements":
            raise ReaderError("XML is only accepted for agreements (EWP IIA get-response)")
        from indicators.readers.ewp_iia import read_ewp_iia

        return read_ewp_iia(data, home_hei_id=home_hei_id)
    if suffix == ".xls":
        raise ReaderError("legacy .xls workbooks are not accepted: save the export as XLSX or CSV")
    packed = archive_named(suffix)
    if packed:
        raise ReaderError(packed)
    raise ReaderError(f"unsupported file type {suffix or '(none)'}: expected CSV, XLSX or EWP IIA XML")
