"""A CSV export cut short: a copy that stalled (a network share) looks finished to the inbox once its
size and time stop changing, and its rows up to the cut read as a whole export.

The signs, each of which rejects the file whole (kept, named with the reason; its rows are not loaded
as if the export were complete, and the next night reads it again once its bytes have changed):

* it ends in zero bytes (a copy that reserves the file's size first and had not written its end);
* it ends inside a quoted value (a quote opened and never closed);
* its last line has fewer fields than the header and no line break after it (and is the only short
  row: an export whose rows leave out fields has them quarantined, as before).

A last line without a line break is no sign alone: many exports end so. Nor is a last line that ends
at a line break: a cut there cannot be told from the export's end.
"""

from __future__ import annotations

import re

import polars as pl

from indicators.derive import READER_REASON

_TOO_FEW = re.compile(r"^(\d+) fields where the header has (\d+): a separator too few")


def zero_tail(data: bytes) -> str | None:
    """Why ``data`` looks cut short when its text ends in zero bytes after an unfinished line, or in
    a run of at least 512 or of more than the text before it (a block a copy reserved): else None (a
    stray NUL is its line's alone; a file of zeros alone is no text, rejected as binary content)."""
    if not data.endswith(b"\x00"):
        return None
    text = data.rstrip(b"\x00")
    zeros = len(data) - len(text)
    if not text.strip() or (zeros < min(512, len(text)) and text.endswith(b"\n")):
        return None
    return (
        "looks cut short (a copy that stopped part-way, or is still being made?): it ends in "
        f"{zeros:,} zero bytes where its text should go on; deliver the file again whole once it is copied"
    )


def open_quote(data: bytes, separator: str) -> str | None:
    """Why ``data`` looks cut short when it ends inside a quoted value: the line the value opens on
    named; else None. A quote inside an unquoted value (``5" screen``) opens none."""
    sep, pos = separator.encode(), 0
    starts = (sep, b"\n", b"\r")
    while (at := data.find(b'"', pos)) >= 0:
        if at and data[at - 1 : at] not in starts and data[max(at - 3, 0) : at] != b"\xef\xbb\xbf":
            pos = at + 1  # a quote inside an unquoted value
            continue
        close = at + 1
        while (close := data.find(b'"', close)) >= 0 and data[close + 1 : close + 2] == b'"':
            close += 2  # a quote written twice: one quote in the value
        if close < 0:
            break
        pos = close + 1
    else:
        return None
    line = data.count(b"\n", 0, at) + 1
    after = data.count(b"\n", at) - data.endswith(b"\n")  # the lines after the one it opens on
    if not after:
        return (
            "looks cut short (a copy that stopped part-way, or is still being made?): its last line "
            f"(line {line}) ends inside a quoted value, never closed; deliver the file again whole once it "
            "is copied"
        )
    return (
        f"it ends inside a quoted value opened on line {line}, {after:,} lines before its end: cut short "
        f"(a copy that stopped part-way?), or a quote left open on line {line}; deliver the file again whole, "
        "its quotes closed"
    )


def short_last_line(frame: pl.DataFrame, data: bytes) -> str | None:
    """Why ``data`` looks cut short when its last row has fewer fields than the header and no line
    break ends it (the reader gave the row its reason: a separator too few); else None."""
    if data.endswith((b"\n", b"\r")) or READER_REASON not in frame.columns or not frame.height:
        return None
    reason = frame[READER_REASON][-1]
    found = _TOO_FEW.match(reason or "")
    # rows above it short too: an export that leaves out fields (quarantined as such), no sign of a cut
    if found is None or frame[READER_REASON].str.contains("a separator too few", literal=True).sum() > 1:
        return None
    fields, width = found.groups()
    line = frame["_row_number"][-1]
    return (
        "looks cut short (a copy that stopped part-way, or is still being made?): its last line "
        f"(line {line}) has {fields} of the header's {width} fields and no line break at its end; deliver "
        "the file again whole once it is copied"
    )
