"""A delivered file's rows by the kind its name says: CSV, XLSX or (for agreements) EWP IIA XML."""

from __future__ import annotations

import itertools
from pathlib import Path

import polars as pl

from indicators.headers import LayoutError, map_headers
from indicators.readers.csv import read_csv
from indicators.readers.errors import ReaderError
from indicators.readers.packed import archive_named
from indicators.readers.xlsx import MAX_UNPACKED_MB, read_xlsx
from indicators.readers.xlsx_errors import hidden_sheets
from indicators.readers.xlsx_header import sheet_headers
from indicators.redact import redact_text
from indicators.sources import SourceSpec

# a file of no bytes (settled: no copy is still writing it): an export or a transfer that wrote nothing
EMPTY = "empty file (0 bytes: the export, or its copy, wrote nothing): deliver the file again"


def read_file(
    path: Path,
    data: bytes,
    spec: SourceSpec,
    home_hei_id: str,
    xlsx_max_unpacked_mb: float = MAX_UNPACKED_MB,
    notes: list[str] | None = None,
) -> pl.DataFrame:
    """The rows of a file's ``data`` (its bytes, read once), by the kind its name says; ``notes`` gets
    what the file's audit row must say of the reading (hidden sheets passed over)."""
    suffix = path.suffix.lower()
    if not data and suffix in (".csv", ".txt", ".tsv", ".xlsx", ".xlsm", ".xml"):  # an XLSX was "not a zip"
        raise ReaderError(EMPTY)
    if suffix in (".csv", ".txt", ".tsv"):
        return read_csv(data, skip_rows=spec.skip_rows)
    if suffix in (".xlsx", ".xlsm"):
        frame = read_xlsx(data, spec.sheet, xlsx_max_unpacked_mb, skip_rows=spec.skip_rows)
        if spec.sheet:
            return frame
        frame = _visible_fits(frame, data, spec, xlsx_max_unpacked_mb)
        names, hidden = hidden_sheets(data)
        passed = list(itertools.takewhile(lambda name: name in hidden, names))
        if passed and notes is not None:  # the first sheet hidden: the first visible one was read
            listed = ", ".join(repr(redact_text(name)) for name in passed[:10]) + (
                ", …" if len(passed) > 10 else ""
            )
            read = next(name for name in names if name not in hidden)
            notes.append(
                f"read the first visible sheet {redact_text(read)!r}, the hidden sheets before it passed over ({listed})"
            )
        return frame
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


def _visible_fits(frame: pl.DataFrame, data: bytes, spec: SourceSpec, max_unpacked_mb: float) -> pl.DataFrame:
    """``frame``, the first visible sheet's rows, where it has the source's required columns or no
    hidden sheet has them (the normaliser's rejection names what is missing); else a rejection naming
    the hidden sheet that has them. A hidden sheet is never loaded unnamed: it may be last year's
    export an analyst hid, or a template's lists."""
    try:
        map_headers(frame.columns, spec)
        return frame
    except LayoutError:
        pass
    names, hidden = hidden_sheets(data)
    read = next((name for name in names if name not in hidden), None)
    asked = [n for n in names if n in hidden] if read is not None else []
    headers = dict(sheet_headers(data, asked, spec.skip_rows))  # the zip opened once for all of them
    for name in asked:
        try:  # its header row alone, where the XML's start tells it (not its rows: xlsx_header)
            header = headers.get(name)
            if header is None:
                header = read_xlsx(data, name, max_unpacked_mb, skip_rows=spec.skip_rows).columns
            map_headers(header, spec)
        except (ReaderError, LayoutError):
            continue
        shown = redact_text(name)
        raise ReaderError(
            f"the first visible sheet {redact_text(read)!r} lacks the source's required columns, the hidden "
            f"sheet {shown!r} has them: set the source's sheet: in its pipelines file to {shown!r} if it holds "
            "this delivery (a hidden sheet is read only when named)"
        )
    return frame
