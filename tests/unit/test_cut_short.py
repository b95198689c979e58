"""A CSV export cut short by a copy that stalled: rejected whole with the reason, never half loaded;
an export that merely lacks a last line break, or holds a quote inside a value, still reads."""

from __future__ import annotations

import pytest

from indicators.readers.csv import read_csv
from indicators.readers.errors import ReaderError

HEADER = "id;name;country\n"
ROWS = "".join(f"{i};name {i};SE\n" for i in range(1, 201))  # lines 2..201, 14-15 bytes each
WHOLE = (HEADER + ROWS).encode()
CUT = "looks cut short (a copy that stopped part-way, or is still being made?)"
FIX = "deliver the file again whole once it is copied"


def _rejected(data: bytes) -> str:
    with pytest.raises(ReaderError) as caught:
        read_csv(data)
    return str(caught.value)


def test_a_last_line_cut_inside_its_row_rejects_the_file():
    # cut after '180;na' of line 181: the 179 rows above are no whole export
    data = WHOLE[: WHOLE.index(b"180;name 180") + len("180;na")]
    assert _rejected(data) == (
        f"{CUT}: its last line (line 181) has 2 of the header's 3 fields and no line break at its end; {FIX}"
    )


def test_a_cut_inside_a_quoted_value_rejects_the_file():
    # the export quotes a name with a separator in it; the copy stopped inside that quote on line 102
    data = (HEADER + "".join(f"{i};name {i};SE\n" for i in range(1, 101)) + '101;"Lund; Malm').encode()
    assert (
        _rejected(data) == f"{CUT}: its last line (line 102) ends inside a quoted value, never closed; {FIX}"
    )


def test_a_quote_left_open_far_from_the_end_names_its_line():
    data = (HEADER + '1;"Anna;SE\n' + ROWS).encode()  # line 2 opens a quote; 200 lines follow
    assert _rejected(data) == (
        "it ends inside a quoted value opened on line 2, 200 lines before its end: cut short (a copy that "
        "stopped part-way?), or a quote left open on line 2; deliver the file again whole, its quotes closed"
    )


def test_a_copy_that_reserved_the_size_and_stalled_ends_in_zero_bytes():
    # the copy wrote 90% of the bytes; the rest of the file's size is zeros
    written = len(WHOLE) * 9 // 10
    data = WHOLE[:written] + bytes(len(WHOLE) - written)
    assert (
        _rejected(data)
        == f"{CUT}: it ends in {len(WHOLE) - written:,} zero bytes where its text should go on; {FIX}"
    )


@pytest.mark.parametrize(
    "data",
    [
        WHOLE[:-1],  # no line break after the last row: many exports end so
        WHOLE + b"\x00",  # a NUL after the last line break: a line of nothing
        (HEADER + ROWS + '201;"5"" screen";SE').encode(),  # a quote written twice inside a quoted value
        (HEADER + ROWS + '201;5" screen;SE').encode(),  # an odd quote inside an unquoted value
        (HEADER + ROWS + "201;name 201;").encode(),  # a last value empty: as whole as it reads
        (HEADER + ROWS.replace("200;name 200;SE\n", "200;name 200\n") + "201;name 201").encode(),
    ],
    ids=[
        "no_last_line_break",
        "nul_after_last_line",
        "doubled_quote",
        "inch_mark",
        "empty_last_value",
        "rows_that_leave_out_a_field",  # the last two both short: the export's way, each quarantined
    ],
)
def test_a_whole_export_without_a_last_line_break_still_reads(data):
    frame = read_csv(data)
    assert frame.height in (200, 201)
    assert frame["id"][199] == "200"
