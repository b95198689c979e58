"""Text written decomposed (Unicode NFD) read as the composed text (NFC) it shows.

Some systems write ``ä`` as ``a`` followed by a combining diaeresis (U+0308), ``å`` as ``a`` and a
combining ring: macOS's own files and names, text pasted from a PDF, some web exports. It looks the
same, but matched no header, alias or value written composed: ``Värdland`` was a missing column,
``Pågående`` an unknown status. Every header and value a reader gives is composed; a column is
looked at only where the file may hold a combining mark, found in its bytes (one search each of the
two lead bytes of U+0300..U+036F in UTF-8, at memory speed) or in an XLSX's unpacked members.
"""

from __future__ import annotations

import unicodedata

import polars as pl

# the UTF-8 lead bytes of the combining diacritical marks U+0300..U+036F (å ä ö é ü ç … decomposed):
# text without either byte holds none (a Windows-1252 file's Ì and Í are a needless look, no harm)
MARK_LEAD_BYTES = (b"\xcc", b"\xcd")
_MARKS = "[\u0300-\u036f]"


def may_hold_marks(data: bytes) -> bool:
    """Whether UTF-8 bytes may hold a combining mark (False: they certainly hold none)."""
    return any(lead in data for lead in MARK_LEAD_BYTES)


def composed(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with its headers and the text columns holding a combining mark in NFC; two headers
    that are one when composed are a duplicate header (rejected)."""
    names = [unicodedata.normalize("NFC", name) for name in frame.columns]
    if names != frame.columns:
        from indicators.readers.csv import check_duplicates  # (csv reads through this module)

        check_duplicates(names)
        frame = frame.rename(dict(zip(frame.columns, names, strict=True)))
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    if not text:
        return frame
    marked = frame.select(pl.col(name).str.contains(_MARKS).any() for name in text).row(0)
    return frame.with_columns(
        pl.col(name).str.normalize("NFC") for name, has in zip(text, marked, strict=True) if has
    )
