"""A CSV's blank lines weighed on its bytes (readers/csv_lines.py): polars took 16 bytes a column for
each line, whatever it held, so a file padded with millions of blank lines ran the night out of memory.

Each file is read in a process of its own under an address-space limit, so that the old code fails
by a failed allocation (polars aborts the process) instead of taking the machine's memory.
"""

from __future__ import annotations

import pytest

from helpers import run_limited
from indicators.readers.csv import read_csv
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


@pytest.mark.parametrize(
    ("tail", "extra", "lines"),
    [
        (b";" * 12 + b"\n", 2_000_000 * 3, 2_000_001),  # lines of three separators too many
        (b"2" + b";y" * 30_000_000 + b"\n", 30_000_000 - 9, 2),  # one line of 30 million fields (60 MB)
    ],
    ids=["lines of separators", "one long line"],
)
def test_rows_of_far_more_fields_than_the_header_are_rejected_before_each_field_is_an_object(
    tmp_path, tail, extra, lines
):
    # a row with a field too many sends the file to the record-by-record reader, a Python object a
    # field: the process was aborted under 1 GB (three million lines of 13 separators took 1.7 GB
    # and 7 s, each a quarantined row; a line of 50 million, 1.4 GB); more separators than the
    # header's in all, beyond 4,000,000, are rejected (2,000,000 x 12 - 2,000,000 x 9; 30,000,000 - 9)
    path = tmp_path / "wide.csv"
    path.write_bytes(HEADER + ROW + tail * (2_000_000 if tail.startswith(b";") else 1))
    assert _read_apart(path) == (
        f"{extra:,} separators more than {lines:,} rows of 10 columns have: rows of far more fields than "
        "the header (a wrong separator, or lines of separators); deliver the file again with a field a column"
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
