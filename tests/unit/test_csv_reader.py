"""The CSV reader's encodings: one per file, and a file of two is rejected naming the line."""

from __future__ import annotations

import pytest

from indicators.readers.csv import read_csv
from indicators.readers.errors import ReaderError

HEADER = "id;partner_name\n"


def test_a_windows_1252_file_reads_as_one():
    data = (HEADER + "1;Göteborgs universitet\n2;Malmö universitet\n").encode("cp1252")
    assert read_csv(data)["partner_name"].to_list() == ["Göteborgs universitet", "Malmö universitet"]


def test_ascii_then_windows_1252_reads_as_windows_1252():
    data = HEADER.encode() + b"1;Lund\n" + "2;Malmö universitet\n".encode("cp1252")
    assert read_csv(data)["partner_name"].to_list() == ["Lund", "Malmö universitet"]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf_8_then_windows_1252_is_rejected_naming_the_line(bom):
    # read as Windows-1252, 'Göteborgs' became 'GÃ¶teborgs' without a word
    data = (
        bom
        + (HEADER + "1;Göteborgs universitet\n").encode("utf-8")
        + "2;Malmö universitet\n".encode("cp1252")
    )
    with pytest.raises(ReaderError) as caught:
        read_csv(data)
    assert str(caught.value) == (
        "mixed encodings: UTF-8 text, then on line 3 a byte UTF-8 cannot read (Windows-1252?); "
        "save the whole file again in one encoding (UTF-8)"
    )


def test_utf_8_then_windows_1252_past_the_first_mebibyte_is_rejected_too():
    rows = "".join(f"{i};Göteborgs universitet\n" for i in range(40_000))  # about 1.1 MB of UTF-8
    data = (HEADER + rows).encode("utf-8") + "40000;Malmö universitet\n".encode("cp1252")
    with pytest.raises(ReaderError, match=r"mixed encodings: UTF-8 text, then on line 40002 "):
        read_csv(data)
