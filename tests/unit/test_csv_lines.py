"""A CSV's blank lines weighed on its bytes (readers/csv_lines.py): polars took 16 bytes a column for
each line, whatever it held, so a file padded with millions of blank lines ran the night out of memory.

Each file is read in a process of its own under an address-space limit, so that the old code fails
by a failed allocation (polars aborts the process) instead of taking the machine's memory.
"""

from __future__ import annotations

import pytest

from helpers import run_limited
from indicators.readers.csv import read_csv
from indicators.readers.csv_lines import LONG_REASON
from indicators.readers.errors import ReaderError

HEADER = b"id;a;b;c;d;e;f;g;h;i\n"  # ten columns: a blank line takes 160 bytes of polars' string views
ROW = b"1;x;x;x;x;x;x;x;x;x\n"
LIMIT = 1 << 30  # the address space of the reading process (the import takes a third of it)


def _read_apart(path) -> str:
    """read_csv of the file in a process of 1 GB address space: its rows, or the rejection."""
    code = (
        "import sys\nfrom indicators.readers.csv import read_csv\n"
        "try:\n    print(read_csv(open(sys.argv[1], 'rb').read()).rows())\n"
        "except Exception as exc:\n    print(exc)\n"
    )
    # one polars thread and two malloc arenas: the address space taken does not grow with the cores
    env = {"POLARS_MAX_THREADS": "1", "MALLOC_ARENA_MAX": "2"}
    return "\n".join(run_limited(code, str(path), limit=LIMIT, env=env))


@pytest.mark.parametrize(
    "padding",
    [b"\n", b"\r\n", b";;;;;;;;;\n", b" ; ;\t\r\n"],
    ids=["line feeds", "CRLF", "separators", "spaces and separators"],
)
def test_a_file_padded_with_millions_of_blank_lines_reads_its_row(tmp_path, padding):
    # 8 million blank lines after the table (8 to 56 MB): polars built a row of ten missing values for
    # each and the process was aborted (exit -6, a failed allocation under 1 GB; 893 MB RSS without a
    # limit for 4 million line feeds); the one row is read, on line 2
    path = tmp_path / "padded.csv"
    path.write_bytes(HEADER + ROW + padding * 8_000_000)
    assert _read_apart(path) == str([(2, "1") + ("x",) * 9])


def test_blank_lines_inside_the_table_beyond_its_bytes_are_rejected_naming_them(tmp_path):
    # 8 million blank lines between two rows: 80,000,002 cells in 8,000,061 bytes (one a byte and
    # 4,000,000 more at most): rejected before the read; the old code's process was aborted
    path = tmp_path / "holes.csv"
    path.write_bytes(HEADER + ROW + b"\n" * 8_000_000 + b"2;y;y;y;y;y;y;y;y;y\n")
    assert _read_apart(path) == (
        "8,000,002 lines of 10 columns in 8,000,061 bytes: far more lines than an export of its size has "
        "rows (blank lines inside the table, or rows of a value or two); delete them and deliver the file "
        "again"
    )


def test_rows_of_far_more_fields_than_the_header_are_rejected_before_each_field_is_an_object(tmp_path):
    # a row with a field too many sends the file to the record-by-record reader, a Python object a
    # field: the process was aborted under 1 GB (three million lines of 13 separators took 1.7 GB
    # and 7 s, each a quarantined row); more separators than the header's in all, beyond 4,000,000,
    # are rejected (2,000,000 x 12 - 2,000,000 x 9)
    path = tmp_path / "wide.csv"
    path.write_bytes(HEADER + ROW + (b";" * 12 + b"\n") * 2_000_000)
    assert _read_apart(path) == (
        "6,000,000 separators more than 2,000,001 rows of 10 columns have: rows of far more fields than "
        "the header (a wrong separator, or lines of separators); deliver the file again with a field a column"
    )


def test_one_line_of_millions_of_fields_is_a_quarantined_row(tmp_path):
    # a line of 30 million fields (60 MB; a line of 50 million took 1.4 GB record by record) was
    # rejected with the file; it is longer than a row may be, so it is that row alone, kept out
    path = tmp_path / "wide.csv"
    path.write_bytes(HEADER + ROW + b"2" + b";y" * 30_000_000 + b"\n" + ROW)
    kept_out = (3,) + (None,) * 10 + (LONG_REASON,)
    assert _read_apart(path) == str(
        [(2, "1") + ("x",) * 9 + (None,), kept_out, (4, "1") + ("x",) * 9 + (None,)]
    )


def test_the_blank_lines_after_the_table_keep_what_a_row_is():
    # a line of more separators than the header's is a row with a field too many (quarantined on its
    # line), and the blank lines above it stay blank lines; the last value of the last row stays empty
    frame = read_csv(b"a;b;c\n1;2;\n\n;;\n;;;\n;;\n\r\n")
    assert frame.rows() == [
        (2, "1", "2", None, None),
        (5, None, None, None, "4 fields where the header has 3: a separator too many in the row"),
    ]
    frame = read_csv(b"a;b;c\n1;2;\n ; ;\n ;; ;\n\t;\n")
    assert frame.rows() == [
        (2, "1", "2", None, None),
        (4, " ", None, " ", "4 fields where the header has 3: a separator too many in the row"),
    ]
    # a tab that separates is no blank: a line of three tabs between spaces is a row too
    assert read_csv(b"a\tb\tc\n1\t2\t3\n\t \t \t\n\n").rows() == [
        (2, "1", "2", "3", None),
        (3, None, " ", " ", "4 fields where the header has 3: a separator too many in the row"),
    ]
    # title lines above the header (skip_rows) and the header itself are never taken for blank lines
    assert read_csv(b"Title;;\n\na;b;c\n1;2;3\n;;\n\n", skip_rows=2).rows() == [(4, "1", "2", "3")]
    with pytest.raises(ReaderError, match=r"^no data rows \(header only\)$"):
        read_csv(b"a;b;c\n;;\n\n" * 1)


MIB = 1 << 20


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b""], ids=["LF", "CRLF", "last line without one"])
def test_a_line_longer_than_a_mebibyte_is_kept_out_and_its_row_quarantined(end):
    # a value of 2 MiB pasted into a row (or an export whose line breaks were lost): the line was
    # read whole and copied at every step, a line of 200 MB took the ingest to 4.6 GB (56 s); the old
    # code loaded this row with its 2 MiB value. Now the line is a quarantined row of no values, on
    # its line (3), and the rows around it load
    long = b"2;" + b"x" * (2 * MIB) + end
    frame = read_csv(b"id;name\n1;Malm\xc3\xb6\n" + long + (b"3;Ume\xc3\xa5\n" if end else b""))
    reason = (
        "a line longer than the 1 MiB a row of an export may have (a value pasted from elsewhere, or the "
        "file's line breaks lost): the line is kept out; correct it and deliver the file again"
    )
    assert frame.rows() == [(2, "1", "Malmö", None), (3, None, None, reason)] + (
        [(4, "3", "Umeå", None)] if end else []
    )


def test_a_line_of_a_mebibyte_exactly_still_reads():
    value = b"x" * (MIB - 2)  # "2;" and the value: 1,048,576 bytes before the line feed
    assert read_csv(b"id;name\n1;a\n2;" + value + b"\n3;b\n").rows() == [
        (2, "1", "a"),
        (3, "2", value.decode()),
        (4, "3", "b"),
    ]


def test_a_quoted_value_over_lines_longer_than_a_mebibyte_rejects_the_file_naming_its_line():
    # a quote left open, or a long text with its line breaks: each line is short, and the old code
    # read the value whole (200 MB of lines of 1,000 bytes took the ingest to 2.7 GB); the value here
    # is 2,000 lines of 1,000 bytes after the quote on line 3
    with pytest.raises(ReaderError) as caught:
        read_csv(b'id;name\n1;a\n2;"' + (b"x" * 999 + b"\n") * 2_000 + b'";b\n3;c\n')
    assert str(caught.value) == (
        "a quoted value from line 3 runs over 2,000,000 bytes, longer than the 1 MiB a row of an export "
        "may have (a quote left open?): deliver the file again without the long value"
    )
    # a value that long on its line alone is its row's long line, kept out as one (as above)
    frame = read_csv(b'id;name\n1;a\n2;"' + b"x" * (2 * MIB) + b'"\n3;b\n')
    assert frame.select("_row_number", "id").rows() == [(2, "1"), (3, None), (4, "3")]


def test_a_long_line_that_opens_a_quoted_value_rejects_the_file_naming_its_line():
    # three quotes on a line of 1.4 MB: cutting it out would read the rest of the file inside quotes
    # where it was outside them, or the other way round
    line = b'2;"' + b"x" * 700_000 + b'";"' + b"y" * 700_000
    with pytest.raises(ReaderError) as caught:
        read_csv(b"id;name\n1;a\n" + line + b'\nz";\n3;b\n')
    assert str(caught.value) == (
        "line 3 is 1,400,006 bytes long, longer than the 1 MiB a row of an export may have, and opens or "
        "closes a quoted value: deliver the file again with its line breaks and without the long value"
    )
