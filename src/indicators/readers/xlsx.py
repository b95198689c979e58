"""XLSX exports (calamine via fastexcel): the first sheet unless the source names one."""

from __future__ import annotations

import zipfile
from pathlib import Path

import polars as pl

from indicators.readers.errors import ReaderError

MAX_UNCOMPRESSED = 1 << 30  # 1 GiB unpacked: anything larger is treated as a zip bomb
MAX_RATIO = 200


def read_xlsx(path: Path, sheet: str | None = None, skip_rows: int = 0) -> pl.DataFrame:
    """All columns as String (Excel date cells as ``YYYY-MM-DD``), plus ``_row_number``.

    ``skip_rows``: rows above the header (merged title rows), counted from the sheet's first row.
    """
    _check_zip(path)
    try:
        kwargs: dict = {"sheet_name": sheet} if sheet else {"sheet_id": 1}
        if skip_rows:
            kwargs["read_options"] = {"header_row": skip_rows}
        frame = pl.read_excel(path, engine="calamine", infer_schema_length=None, **kwargs)
    except Exception as exc:  # fastexcel raises its own error types for every kind of bad workbook
        message = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise ReaderError(f"unreadable XLSX: {message}") from None
    if frame.width == 0 or frame.height == 0:
        raise ReaderError("no data rows (empty sheet)")
    frame = frame.select(_as_text(frame[name]) for name in frame.columns)
    frame = frame.filter(~pl.all_horizontal(pl.all().is_null()))  # trailing blank rows
    if frame.height == 0:
        raise ReaderError("no data rows (empty sheet)")
    return frame.with_row_index("_row_number", offset=2 + skip_rows).with_columns(
        pl.col("_row_number").cast(pl.Int64)
    )


def _as_text(column: pl.Series) -> pl.Series:
    dtype = column.dtype
    if dtype == pl.Date:
        return column.dt.strftime("%Y-%m-%d")
    if isinstance(dtype, pl.Datetime):
        return column.dt.strftime("%Y-%m-%d")
    if dtype.is_float():
        integral = column.drop_nulls()
        if integral.len() and (integral == integral.round(0)).all() and integral.abs().max() < 1e15:
            return column.cast(pl.Int64).cast(pl.String)
    return column.cast(pl.String)


def _check_zip(path: Path) -> None:
    if not zipfile.is_zipfile(path):
        raise ReaderError("not an XLSX workbook (not a zip archive)")
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise ReaderError(f"unreadable XLSX: {exc}") from None
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos) or 1
    if unpacked > MAX_UNCOMPRESSED or unpacked / packed > MAX_RATIO:
        raise ReaderError("XLSX unpacks to an implausible size (zip bomb?)")
    if not any(info.filename.startswith("xl/") for info in infos):
        raise ReaderError("not an XLSX workbook (no xl/ part)")
