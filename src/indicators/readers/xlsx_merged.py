"""Cells merged down several rows of a sheet kept by hand (a programme's code once beside its rows).

Excel shows the value on every row of such a range but keeps it in the range's first cell only, and
calamine reads the other rows' cells as empty: an optional field of those rows was missing without a
word, a required one quarantined as missing. Each data row of a range merged down rows now reads the
range's value in the range's first column (what the sheet shows there). A range merged across
columns only (a title, a note over two columns) shows one value once, and stays as it is; so do
ranges that start at or above the header row (merged title rows). A range is filled down to the
last row read, never further (a merge down to row 1,048,576 under a table of three rows, written
thirty times, asked for 3.8 GB and the process was aborted), and a row once only where ranges
overlap.
"""

from __future__ import annotations

import re

import polars as pl

from indicators.readers.xlsx_errors import _column_number, origin, row_number

_MERGE = re.compile(
    rb"""<(?:\w+:)?mergeCell\b[^>]*?\bref\s*=\s*["']([A-Za-z]{1,3})(\d+):([A-Za-z]{1,3})(\d+)["']"""
)


def fill_merged(frame: pl.DataFrame, xml: bytes | None, columns: list[str], skip_rows: int) -> pl.DataFrame:
    """``frame`` (rows numbered ``_row_number``, the export's ``columns`` in sheet order) with the rows
    of each range merged down filled with the range's value; unchanged for a sheet without one."""
    if xml is None or b"mergeCell" not in xml:
        return frame
    ranges = [
        (_column_number(m.group(1)), row_number(m.group(2)), row_number(m.group(4)))
        for m in _MERGE.finditer(xml)
        if row_number(m.group(4)) > row_number(m.group(2))
    ]
    if not ranges:
        return frame
    first, above = origin(xml)
    header = above + 1 + skip_rows  # the sheet's header row
    last = (frame["_row_number"].max() or 0) + above  # the sheet's last row read: none below it is filled
    spans: dict[str, list[tuple[int, int]]] = {}
    for column, top, bottom in ranges:
        if top <= header or not 0 <= column - first < len(columns) or top >= last:
            continue
        spans.setdefault(columns[column - first], []).append((top, min(bottom, last)))
    covered: dict[str, list[tuple[int, int]]] = {}  # column → (its value's row, a row showing it)
    for name, found in spans.items():
        end = 0
        for top, bottom in sorted(found):
            if top <= end:  # overlaps a range taken (Excel writes none such): each row is filled once
                continue
            covered.setdefault(name, []).extend(
                (top - above, row - above) for row in range(top + 1, bottom + 1)
            )
            end = bottom
    for name, pairs in covered.items():
        shown = pl.DataFrame(pairs, schema={"_top": pl.Int64, "_row_number": pl.Int64}, orient="row")
        tops = frame.select(pl.col("_row_number").alias("_top"), pl.col(name).alias("_merged"))
        shown = shown.join(tops, on="_top", how="inner").drop("_top").unique("_row_number", keep="first")
        frame = (
            frame.join(shown, on="_row_number", how="left", maintain_order="left")
            .with_columns(pl.coalesce(name, "_merged").alias(name))
            .drop("_merged")
        )
    return frame
