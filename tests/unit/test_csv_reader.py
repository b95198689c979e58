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


def test_a_row_with_a_field_too_many_is_quarantined_alone_on_its_line():
    """polars rejected the whole file ('found more fields than defined in Schema', no line); the row
    is now quarantined with its line and the rest loads. A quoted value over two lines moves the line
    numbers of the rows after it: they are the file's lines, as the docs say."""
    from helpers import personnummer
    from indicators.config import project_root
    from indicators.identity import Pseudonymiser
    from indicators.normalise import normalise
    from indicators.sources import load_sources

    [spec] = [s for s in load_sources(project_root() / "pipelines") if s.name == "student_mobility"]
    a = personnummer("19900101", 998)
    data = (
        "Utbytes-ID;Personnummer;Riktning;Typ av utbyte;Land;Startdatum;Status;Partner\n"  # line 1
        f"R1;{a};ut;studier;GB;2020-09-01;avslutad;King's College\n"  # line 2
        f'R2;{a};ut;studier;GB;2021-09-01;avslutad;"Universität\nHeidelberg"\n'  # lines 3-4
        f"R3;{a};ut;studier;GB;2022-09-01;avslutad;Oslo;extra\n"  # line 5: a field too many
        f"R4;{a};ut;studier;GB;2023-09-01;avslutad;Bergen\n"  # line 6
        f"R5;{a};ut;studier;GB;2023-09-01;okänd;Bergen\n"  # line 7: an unknown status
    ).encode()
    frame = read_csv(data)
    assert frame["_row_number"].to_list() == [2, 3, 5, 6, 7]
    result = normalise(frame, spec, Pseudonymiser(b"test-key-not-for-production-0123"))
    assert result.good_rows()["mobility_id"].to_list() == ["R1", "R2", "R4"]
    assert dict(
        zip(result.quarantine["_row_number"].to_list(), result.quarantine["reason"].to_list(), strict=True)
    ) == {
        5: "9 fields where the header has 8: a separator too many in the row",
        7: "unknown value in status: 'okänd'",
    }


def test_a_blank_line_is_no_row():
    # polars read it as a row of nothing: the first was quarantined as a row missing its values, the
    # next ones collapsed into it as identical rows
    frame = read_csv(b"id;partner_name\n1;Lund\n\n2;Oslo\n;\n\n3;Bergen\n")
    assert frame.rows() == [(2, "1", "Lund"), (4, "2", "Oslo"), (7, "3", "Bergen")]


def test_a_windows_1252_file_past_the_first_mebibyte_with_a_field_too_many():
    # polars met the extra field before the Windows-1252 bytes: the record-by-record reader then
    # could not decode the file as UTF-8, and the whole file was "could not be read"
    rows = "".join(f"{i};Lund\n" for i in range(3, 120_000))  # about 1.3 MB of ASCII
    data = b"id;partner_name\n1;Lund\n2;Oslo;extra\n" + rows.encode() + "999999;Göteborg\n".encode("cp1252")
    frame = read_csv(data)
    assert frame.height == 2 + 119_997 + 1  # the first two rows, the 119,997 of range(3, 120_000), the last
    assert frame.filter(frame["__reader_reason__"].is_not_null())["_row_number"].to_list() == [3]
    assert frame["partner_name"].to_list()[-1] == "Göteborg"


def test_a_windows_1252_file_past_the_first_mebibyte_keeps_its_line_numbers():
    # the line numbers after a quoted line break were not corrected on this path
    rows = "".join(f"{i};Lund\n" for i in range(3, 120_000))
    data = b'id;partner_name\n1;"Lund\nuniversitet"\n' + rows.encode() + "999999;Göteborg\n".encode("cp1252")
    frame = read_csv(data)
    assert frame["_row_number"].to_list()[:2] == [2, 4]
    assert frame["_row_number"].to_list()[-1] == 120_001


def test_a_row_with_empty_fields_and_a_field_too_many_is_not_taken_for_a_blank_line():
    frame = read_csv(b"a;b\n1;2\n;;x\n3;4\n")
    assert frame["_row_number"].to_list() == [2, 3, 4]
    assert frame["__reader_reason__"].to_list() == [
        None,
        "3 fields where the header has 2: a separator too many in the row",
        None,
    ]


def test_a_value_longer_than_128_kib_reads_where_a_line_break_is_quoted():
    long = "x" * 200_000
    frame = read_csv(f'a;b\n1;"two\nlines"\n2;{long}\n'.encode())
    assert frame["_row_number"].to_list() == [2, 4] and frame["b"].to_list()[1] == long


def test_mixed_encodings_name_the_files_line_below_skipped_title_rows():
    data = (
        b"Title\nExported 2025\n"
        + (HEADER + "1;Göteborgs universitet\n").encode()
        + "2;Malmö\n".encode("cp1252")
    )
    with pytest.raises(ReaderError, match=r"then on line 5 a byte"):
        read_csv(data, skip_rows=2)


def test_a_row_with_a_field_too_few_is_quarantined_on_its_line():
    """polars padded it with a missing value: a separator left out of line 3 put the partner's name
    under the country and left the name empty, without a word. An empty last value written with its
    separator (line 4), a blank line (line 5) and a line of separators alone (line 6) are no such row."""
    frame = read_csv(b"id;country;partner_name\n1;GB;Oxford\n2;Heidelberg\n3;DE;\n\n;;\n4;NO;Oslo\n")
    assert frame.rows() == [
        (2, "1", "GB", "Oxford", None),
        (
            3,
            "2",
            "Heidelberg",
            None,
            "2 fields where the header has 3: a separator too few in the row "
            "(its values may have moved into the wrong columns)",
        ),
        (4, "3", "DE", None, None),
        (7, "4", "NO", "Oslo", None),
    ]


def test_a_field_too_few_is_found_beside_quoted_separators_and_in_windows_1252():
    # the two separators inside quotes on line 2 make up, in a count of the bytes, for the one
    # missing on line 3
    data = 'id;country;partner_name\n1;GB;"Oxford; Christ Church; Hall"\n2;Malmö\n3;DE;\n'.encode("cp1252")
    frame = read_csv(data)
    assert frame["_row_number"].to_list() == [2, 3, 4]
    assert frame["country"].to_list() == ["GB", "Malmö", "DE"]
    assert [r is not None for r in frame["__reader_reason__"].to_list()] == [False, True, False]


def test_a_file_whose_last_value_is_often_empty_keeps_every_row():
    frame = read_csv(b"id;country;note\n1;GB;\n2;DE;\n3;NO;x\n\n")
    assert "__reader_reason__" not in frame.columns
    assert frame.rows() == [(2, "1", "GB", None), (3, "2", "DE", None), (4, "3", "NO", "x")]


def test_a_file_with_classic_mac_line_ends_reads_line_by_line():
    # Excel for Mac's "CSV (Macintosh)" ends lines with a lone CR: the file was rejected as "could not
    # be read (Error)" (the csv module's error on the header)
    frame = read_csv("id;partner_name\r1;Lund\r2;Malmö\r\r3;Oslo;x\r".encode("cp1252"))
    assert frame.select("_row_number", "id", "partner_name").rows() == [
        (2, "1", "Lund"),
        (3, "2", "Malmö"),
        (5, "3", "Oslo"),
    ]
    assert frame["__reader_reason__"].to_list() == [
        None,
        None,
        "3 fields where the header has 2: a separator too many in the row",
    ]


def test_a_header_ending_in_a_separator_quarantines_no_row():
    # 'a,b,c,' names an empty fourth column the rows leave out: every row was taken for a row with a
    # field too few (a review found it); a row short of a named column still is one
    frame = read_csv(b"a;b;c;\n1;2;3\n4;5\n6;7;8;\n")
    assert frame.select("_row_number", "a", "b", "c").rows() == [
        (2, "1", "2", "3"),
        (3, "4", "5", None),
        (4, "6", "7", "8"),
    ]
    assert frame["__reader_reason__"].to_list() == [
        None,
        "2 fields where the header has 3: a separator too few in the row (its values may have moved into "
        "the wrong columns)",
        None,
    ]


def test_lone_carriage_returns_beside_line_feeds_are_line_breaks():
    # a classic-Mac file with a line break typed inside a quoted value, and one with mixed line ends:
    # both were "could not be read (Error)"
    assert read_csv(b'a,b,c\r1,"line1\nline2",3\r4,5,6\r').rows() == [
        (2, "1", "line1\nline2", "3"),
        (4, "4", "5", "6"),
    ]
    assert read_csv(b"a,b,c\r1,2,3\r\n4,5,6\r").rows() == [(2, "1", "2", "3"), (3, "4", "5", "6")]


def test_a_line_of_spaces_or_an_end_of_file_mark_is_no_row():
    # they were quarantined as rows with a field too few
    assert read_csv(b"a,b,c\n1,2,3\n   \n").rows() == [(2, "1", "2", "3")]
    assert read_csv(b"a,b,c\n1,2,3\n\x1a").rows() == [(2, "1", "2", "3")]


@pytest.mark.parametrize(
    "data", [b"\xef\xbb\xbf", b"\xef\xbb\xbf\r\n", b"\xef\xbb\xbf\r\n  \r\n", b"", b" \n"]
)
def test_a_byte_order_mark_alone_is_an_empty_file(data):
    # what a program writing UTF-8 with a byte-order mark leaves when it writes nothing else: it was
    # "could not be read (IndexError)", and with a line break after it "no data rows (header only)"
    # (there is no header)
    with pytest.raises(ReaderError, match=r"^empty file$"):
        read_csv(data)


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_excels_separator_hint_line_names_the_separator_and_is_no_header(bom):
    # Excel writes (and reads) a first line "sep=;"; the header is line 2, the rows lines 3 and 4
    data = bom + b"sep=;\r\nA;B,x;C\r\n1;2,5;3\r\n4;;6\r\n"
    frame = read_csv(data)
    assert frame.columns == ["_row_number", "A", "B,x", "C"]
    assert frame.rows() == [(3, "1", "2,5", "3"), (4, "4", None, "6")]


@pytest.mark.parametrize("where", ["first MiB", "far down"])
def test_a_nul_byte_in_a_line_quarantines_that_line_alone(where):
    # one NUL in the first MiB rejected the whole export as "binary content"; one further down was
    # read into the value
    filler = "".join(f"{n};Lund\n" for n in range(10, 160_000)) if where == "far down" else ""
    data = (HEADER + "1;Malmö\n" + filler + "2;Gö\x00teborg\n3;Umeå\n").encode("utf-8")
    frame = read_csv(data)
    line = 3 + (
        160_000 - 10 if where == "far down" else 0
    )  # header 1, Malmö 2, filler (1.8 MB: past the first MiB), the NUL line
    marked = frame.filter(frame["__reader_reason__"].is_not_null())
    assert marked.select("_row_number", "id", "partner_name").rows() == [(line, "2", "Göteborg")]
    assert marked["__reader_reason__"].to_list() == [
        "a NUL byte in the line (damaged in transfer, or written so by the exporting system): the line "
        "is kept out; deliver the file again"
    ]
    assert frame.filter(frame["_row_number"] == line + 1)["partner_name"].to_list() == ["Umeå"]


def test_nul_bytes_on_many_lines_are_binary_content():
    data = (HEADER + "".join(f"{n};a\x00b\n" for n in range(20))).encode()
    with pytest.raises(ReaderError, match="binary content"):
        read_csv(data)


def test_a_file_of_more_nul_bytes_than_others_is_binary_content_at_once():
    # a sparse file of zeros (8 MB here) failed in polars, "could not be read (InvalidOperationError)"
    # (200 MB: after 2 s); rows followed by more zeros than their bytes (a copy preallocated and never
    # filled) loaded their rows without a word; they are a copy cut short now (test_cut_short)
    with pytest.raises(ReaderError, match=r"^binary content \(NUL bytes\): not a CSV export$"):
        read_csv(bytes(8 << 20))
    with pytest.raises(ReaderError, match=r"^looks cut short .*: it ends in 100 zero bytes where its text"):
        read_csv(HEADER.encode() + b"1;Lund\n" + bytes(100))


def test_a_nul_byte_on_a_later_line_of_a_quoted_value_quarantines_its_row():
    # the row starts on line 2 and its quoted note runs on to line 3, where the NUL is: the line
    # numbers were matched to the rows' first lines only, so the row loaded with the NUL taken out
    data = b'id;note\n1;"first line\nsec\x00ond"\n2;plain\n3;"x\ny\x00"\n'
    frame = read_csv(data)
    assert frame.select("_row_number", "id").rows() == [(2, "1"), (4, "2"), (5, "3")]
    assert frame["__reader_reason__"].is_not_null().to_list() == [True, False, True]


def test_decomposed_text_reads_as_the_composed_text_it_shows():
    # a SoleMove export written decomposed (NFD: 'ä' as 'a' + U+0308, as macOS and some web exports
    # write it) was rejected, "required column missing: partner_country", its header 'Värdland' shown
    # as the closest one; with its headers composed, 'Pågående' and 'Avancerad nivå' were unknown
    # values and 'Österrike' an invalid country: every row quarantined quoting a value that looks valid
    import unicodedata

    from helpers import personnummer
    from indicators.config import project_root
    from indicators.identity import Pseudonymiser
    from indicators.normalise import normalise
    from indicators.sources import load_sources, match_source

    spec = match_source("solemove_utbyten_2025-09-01.csv", load_sources(project_root() / "pipelines"))
    text = (
        "Utbytes-ID;Personnummer;Riktning;Nivå;Utbytestyp;Värdlärosäte;Värdland;Startdatum;Status;Kön\n"
        f"SMV-1;{personnummer('19000101', 981)};Utresande;Avancerad nivå;Utbytesstudier;Universität Wien;"
        "Österrike;2024-08-26;Pågående;Kvinna\n"
        f"SMV-2;{personnummer('19000102', 982)};Inresande;Grundnivå;Utbytesstudier;Åbo Akademi;"
        "Finland;2024-08-26;Genomförd;Man\n"
    )
    frame = read_csv(unicodedata.normalize("NFD", text).encode("utf-8"))
    assert "Värdland" in frame.columns  # composed
    result = normalise(frame, spec, Pseudonymiser(b"test-key-not-for-production-0123"))
    assert result.quarantine.height == 0
    rows = result.good_rows().select("level", "partner_name", "partner_country", "status", "gender")
    assert rows.rows() == [  # the names stored composed, as written here
        ("second_cycle", "Universität Wien", "AT", "ongoing", "female"),
        ("first_cycle", "Åbo Akademi", "FI", "completed", "male"),
    ]


def test_a_header_repeated_on_every_page_of_a_report_is_left_out_with_a_note():
    # a SoleMove report printed page by page repeats its header (line 4): the line was quarantined,
    # "unknown value in direction: 'Riktning'; … invalid date in start_date: 'Startdatum'", naming no
    # cause, and made every night's run end with a warning
    from helpers import personnummer
    from indicators.config import project_root
    from indicators.identity import Pseudonymiser
    from indicators.normalise import normalise
    from indicators.sources import load_sources, match_source

    spec = match_source("solemove_utbyten_2025-09-01.csv", load_sources(project_root() / "pipelines"))
    header = "Utbytes-ID;Personnummer;Riktning;Utbytestyp;Värdland;Startdatum;Status;Kommentar"
    lines = [
        header,
        f"SMV-1;{personnummer('19000101', 981)};Utresande;Utbytesstudier;AT;2024-08-26;Avslutad;",
        f"SMV-2;{personnummer('19000102', 982)};Utresande;Utbytesstudier;DE;2024-08-26;Avslutad;",
        header,  # page 2
        f"SMV-3;{personnummer('19000103', 983)};Inresande;Utbytesstudier;FI;2025-01-20;Avslutad;Status",
    ]
    frame = read_csv(("\n".join(lines) + "\n").encode())
    result = normalise(frame, spec, Pseudonymiser(b"test-key-not-for-production-0123"))
    assert result.good_rows()["mobility_id"].to_list() == ["SMV-1", "SMV-2", "SMV-3"]
    assert (result.quarantine.height, result.rows_read, result.rows_left_out) == (0, 4, 1)
    assert result.notes[0] == "1 rows left out: the header repeated (a report printed page by page) (rows 4)"


def test_a_header_repeated_in_another_column_order_reads_the_rows_below_it_by_it():
    # two agreement exports joined with cat, the second with its two counts in the other order
    # (Praktikplatser before Studentplatser), then a third in the first order: the rows below the second
    # header were read by the first, A2's 4 student places loaded as 1 and its 1 traineeship place as 4
    # without a word (both counts), the header row quarantined as bad values. By hand: A2 has 4 student
    # places and 1 traineeship place, as A1; A3, below the first header again, 2 and 0; rows 3 and 5 left
    # out, each with its note
    from indicators.config import project_root
    from indicators.identity import Pseudonymiser
    from indicators.normalise import normalise
    from indicators.sources import load_sources

    [spec] = [s for s in load_sources(project_root() / "pipelines") if s.name == "agreements"]
    first = "Avtals-ID;Erasmuskod;Partneruniversitet;Land;Giltigt från;Studentplatser;Praktikplatser"
    other = "Avtals-ID;Erasmuskod;Partneruniversitet;Land;Giltigt från;Praktikplatser;Studentplatser"
    lines = [
        first,
        "A1;D  BERLIN01;FU Berlin;DE;2020-01-01;4;1",
        other,
        "A2;D  BERLIN02;HU Berlin;DE;2020-01-01;1;4",
        first,
        "A3;D  BERLIN03;TU Berlin;DE;2020-01-01;2;0",
    ]
    frame = read_csv(("\n".join(lines) + "\n").encode())
    result = normalise(frame, spec, Pseudonymiser(b"test-key-not-for-production-0123"))
    rows = result.good_rows().select("_row_number", "agreement_id", "student_places", "traineeship_places")
    assert rows.rows() == [(2, "A1", 4, 1), (4, "A2", 4, 1), (6, "A3", 2, 0)]
    assert (result.quarantine.height, result.rows_read, result.rows_left_out) == (0, 5, 2)
    assert sorted(result.notes[:2]) == [
        "1 rows left out: the header repeated (a report printed page by page) (rows 5)",
        "1 rows left out: the header repeated in another column order (exports joined): the rows below it "
        "read by it (rows 3)",
    ]


def test_excels_unicode_text_utf16_with_its_byte_order_mark_is_read():
    # Excel's "Unicode text" (and SQL Server's "Unicode" export): UTF-16 LE with its byte order mark,
    # tab-separated, CRLF line ends; a name with a line break quoted. It was rejected ("UTF-16 encoded;
    # save as UTF-8 or Windows-1252") though the mark says how to read it. By hand: two rows, on lines 2
    # and 4 (A1's name spans lines 2 and 3: its quoted break kept), 'Malmö' and 'Åbo' as written, the
    # same as the UTF-8 file's. Without a mark it is still rejected
    text = 'Avtals-ID\tPartneruniversitet\tLand\r\nA1\t"Malmö\r\nuniversitet"\tSE\r\nA2\tÅbo Akademi\tFI\r\n'
    frame = read_csv(b"\xff\xfe" + text.encode("utf-16-le"))
    assert frame.rows() == [(2, "A1", "Malmö\r\nuniversitet", "SE"), (4, "A2", "Åbo Akademi", "FI")]
    assert read_csv(text.encode()).rows() == frame.rows()
    assert read_csv(b"\xfe\xff" + text.encode("utf-16-be")).rows() == frame.rows()
    with pytest.raises(ReaderError, match="^UTF-16 encoded; save as UTF-8 or Windows-1252$"):
        read_csv(text.encode("utf-16-le"))


def _normalised(file_name: str, lines: list[str]):
    from indicators.config import project_root
    from indicators.identity import Pseudonymiser
    from indicators.normalise import normalise
    from indicators.sources import load_sources, match_source

    spec = match_source(file_name, load_sources(project_root() / "pipelines"))
    frame = read_csv(("\n".join(lines) + "\n").encode())
    return normalise(frame, spec, Pseudonymiser(b"test-key-not-for-production-0123"))


def test_a_totals_row_of_a_report_is_left_out_with_a_note():
    # an SSRS report's totals under its rows ('Totalt' and a count, ' Summa: ' alone) were quarantined as
    # 'missing required value: …' six times over, naming no cause; an id or a comment merely holding the
    # word is a record
    from helpers import personnummer

    header = "Utbytes-ID;Personnummer;Riktning;Utbytestyp;Värdland;Startdatum;Status;Kommentar"
    lines = [
        header,
        f"SMV-1;{personnummer('19000101', 981)};Utresande;Utbytesstudier;AT;2024-08-26;Avslutad;",
        f"TOTAL-2;{personnummer('19000102', 982)};Utresande;Utbytesstudier;DE;2024-08-26;Avslutad;Totalt",
        "Totalt;;;;;;;2",  # row 4
        f"SMV-3;{personnummer('19000103', 983)};Inresande;Utbytesstudier;FI;2025-01-20;Avslutad;",
        " Summa: ;;;;;;;",  # row 6
    ]
    result = _normalised("solemove_utbyten_2025-09-01.csv", lines)
    assert result.good_rows()["mobility_id"].to_list() == ["SMV-1", "TOTAL-2", "SMV-3"]
    assert (result.quarantine.height, result.rows_read, result.rows_left_out) == (0, 5, 2)
    assert result.notes[:2] == [
        "1 rows left out: a totals row ('Totalt' in the first column) (rows 4)",
        "1 rows left out: a totals row ('Summa' in the first column) (rows 6)",
    ]


def test_a_totals_row_that_reads_as_a_record_is_quarantined_naming_it():
    # Ladok's registrations with the term's total: 'Totalt;HT2019;200' loaded as a programme TOTALT, the
    # faculty's 200 students counted twice (400) without a word; 'Summa;;318' was quarantined as missing
    # its term. A programme whose code only begins with the word (SUMMER) is a programme
    lines = [
        "Programkod;Termin;Registrerade",
        "MALAK;HT2019;120",
        "VABMO;HT2019;80",
        "Totalt;HT2019;200",  # row 4: every field has a value
        "MALAK;VT2020;118",
        "Summa;;318",  # row 6
        "SUMMER;VT2020;12",
    ]
    result = _normalised("registreringar_2020-06-30.csv", lines)
    assert result.good_rows().rows() == [
        (2, "MALAK", "HT2019", 120),
        (3, "VABMO", "HT2019", 80),
        (5, "MALAK", "VT2020", 118),
        (7, "SUMMER", "VT2020", 12),
    ]
    assert (result.rows_read, result.rows_left_out) == (6, 1)
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (
            4,
            "'Totalt' in the first column: taken for a totals row (the other rows' sum, which would count "
            "them again); leave the totals out of the export",
        )
    ]
    assert result.notes[0] == "1 rows left out: a totals row ('Summa' in the first column) (rows 6)"


def test_a_totals_row_with_its_word_in_the_second_column_is_recognised():
    # a report grouped by term shows the term once and writes its totals under the second column,
    # the first left empty: ';Totalt;200' was quarantined as 'missing required value: term' naming no
    # cause, and ';Summa;alla program;318' the same. Recognised like a totals word in the first column:
    # the sum is left out with a note, a text beside the word is quarantined saying why
    lines = [
        "Termin;Programkod;Kommentar;Registrerade",
        "HT2019;MALAK;;120",
        "HT2019;VABMO;;80",
        ";Totalt;;200",  # row 4: the sum beside empty cells, no record
        "VT2020;MALAK;;118",
        ";Summa;alla program;318",  # row 6: a text beside the word: perhaps a record, quarantined
        "VT2020;TOTAL;;5",  # row 7: the word in the second column with the first filled is a record
    ]
    result = _normalised("registreringar_2020-06-30.csv", lines)
    assert result.good_rows().rows() == [
        (2, "MALAK", "HT2019", 120),
        (3, "VABMO", "HT2019", 80),
        (5, "MALAK", "VT2020", 118),
        (7, "TOTAL", "VT2020", 5),
    ]
    assert (result.rows_read, result.rows_left_out) == (6, 1)
    assert result.notes[0] == "1 rows left out: a totals row ('Totalt' in the second column) (rows 4)"
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (
            6,
            "missing required value: term; "
            "'Summa' in the second column: taken for a totals row (the other rows' sum, which would count "
            "them again); leave the totals out of the export",
        )
    ]


def test_a_file_of_absurdly_many_columns_is_rejected_before_its_headers_are_matched():
    """A CSV of 20,000 columns and one row took the ingest 16.6 s (each of its 19,991 unknown headers
    compared with every optional field's name and aliases for a misspelling), and an XLSX the same;
    no export of a contract has 200. More than 1,000 columns is rejected, naming the count."""
    import io

    import openpyxl

    from indicators.readers.xlsx import read_xlsx

    header = ["Mobility ID", "Student ID"] + [f"extra {n}" for n in range(19_998)]
    data = (";".join(header) + "\n" + ";".join(["M1", "x"] + ["v"] * 19_998) + "\n").encode()
    with pytest.raises(ReaderError) as raised:
        read_csv(data)
    assert str(raised.value) == (
        "20,000 columns, more than the 1,000 an export may have (the contracts' exports have fewer than 200): "
        "deliver the table's own columns only (a wrong separator, or values far to the right of the table?)"
    )
    assert read_csv((";".join(header[:1000]) + "\n" + ";".join(["v"] * 1000) + "\n").encode()).width == 1001
    workbook = openpyxl.Workbook()
    workbook.active.append(header[:1001])
    workbook.active.append(["v"] * 1001)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ReaderError, match=r"^1,001 columns, more than the 1,000 an export may have"):
        read_xlsx(buffer.getvalue())


def test_more_rows_a_separator_too_few_than_a_file_may_quarantine_reject_it(monkeypatch):
    """Each row with a field too few is quarantined with a reason of its own: a 30 MB file of 15 million
    lines '1' under a header of two columns (a tool that dropped the separators, or padded the file)
    held 2.9 GB of reasons and could run the night out of memory. Above SHORT_ROWS_AT_MOST such rows
    (a million; three here, to keep the test small) the file is rejected, naming the count."""
    from indicators.readers import csv as reader

    monkeypatch.setattr(reader, "SHORT_ROWS_AT_MOST", 3)
    # three short rows (lines 3, 4 and 6): quarantined, the others read
    three = read_csv(b"id;country\n1;GB\n2\n3\n4;NO\n5\n")
    assert [(row[0], row[3] is not None) for row in three.rows()] == [
        (2, False),
        (3, True),
        (4, True),
        (5, False),
        (6, True),
    ]
    # a fourth: the file
    with pytest.raises(ReaderError) as raised:
        read_csv(b"id;country\n1;GB\n2\n3\n4;NO\n5\n6\n")
    assert str(raised.value) == (
        "4 rows with fewer fields than the header's 2, more than the 3 a file may quarantine: deliver the "
        "export again whole, with its separators (cut short or padded by the tool that wrote it?)"
    )


def test_a_file_of_too_many_short_rows_is_rejected_before_its_columns_are_read(monkeypatch):
    """5 million lines '1234;Lund;2020' under a header of 15 columns (71 MB) were read into 15 columns
    (1.7 GB, 8 s) before the count of short rows rejected the file; now counted on the lines first (350
    MB, 2 s). A line of nothing, one of separators alone and one with a quote (which may hide a
    separator) are no short rows in that count: four here, over a cap of three."""
    from indicators.readers import csv as reader

    monkeypatch.setattr(reader, "SHORT_ROWS_AT_MOST", 3)

    def refused(*args, **kwargs):
        raise AssertionError("the file was read into its columns")

    monkeypatch.setattr(reader, "_read", refused)
    data = (
        b"id;country;start;end\n"
        + b"1;GB\n" * 4
        + b";;;\n\n"
        + b'5;"X;Y"\n'
        + b"6;SE;2020-01-01;2020-06-01\n"
    )
    with pytest.raises(ReaderError) as raised:
        read_csv(data)
    assert str(raised.value) == (
        "4 rows with fewer fields than the header's 4, more than the 3 a file may quarantine: deliver the "
        "export again whole, with its separators (cut short or padded by the tool that wrote it?)"
    )


@pytest.mark.parametrize("where", ["first MiB", "far down"])
def test_a_byte_windows_1252_leaves_undefined_quarantines_its_line_alone(where):
    # a Windows-1252 export (Malmö as 0xF6) with a stray 0x81 in one value (Windows reads it as a
    # control character, Python's codec refuses it): the whole file was rejected, "unreadable encoding:
    # neither UTF-8 nor Windows-1252 (byte 27)"; far down (past the first MiB) too
    filler = "".join(f"{n};Lund\n" for n in range(10, 160_000)) if where == "far down" else ""
    data = (HEADER + "1;Malmö\n" + filler).encode("cp1252") + b"2;G\x81teborg\n" + "3;Umeå\n".encode("cp1252")
    frame = read_csv(data)
    line = 3 + (160_000 - 10 if where == "far down" else 0)
    marked = frame.filter(frame["__reader_reason__"].is_not_null())
    assert marked.select("_row_number", "id", "partner_name").rows() == [(line, "2", "G\ufffdteborg")]
    assert marked["__reader_reason__"].to_list() == [
        "a byte Windows-1252 does not define (0x81, 0x8D, 0x8F, 0x90 or 0x9D) in the line (damaged in "
        "transfer, or a value pasted in another encoding): the line is kept out; correct it and deliver "
        "the file again"
    ]
    assert frame.filter(frame["_row_number"] != line)["partner_name"].to_list()[-1] == "Umeå"
    assert frame.height == 3 + (160_000 - 10 if where == "far down" else 0)


def test_bytes_windows_1252_leaves_undefined_on_many_lines_reject_the_file():
    # a file in another encoding (IBM 437, Mac Roman) holds them on line after line: no export to
    # quarantine line by line
    data = HEADER.encode() + b"".join(b"%d;G\x81teborg\n" % n for n in range(20))
    with pytest.raises(
        ReaderError, match=r"^unreadable encoding: neither UTF-8 nor Windows-1252 \(byte \d+\)$"
    ):
        read_csv(data)


def test_a_workbook_named_csv_is_named_with_the_fix():
    # an XLSX workbook renamed .csv (or saved so by a system) was "binary content (NUL bytes): not a CSV
    # export", a legacy .xls too: neither said what the file is nor what to do
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["id", "partner_name"])
    workbook.active.append(["1", "Malmö"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with pytest.raises(ReaderError) as caught:
        read_csv(buffer.getvalue())
    assert str(caught.value) == (
        "a zip archive (an XLSX workbook named .csv?), not a CSV export: name it .xlsx, or save it as CSV"
    )
    legacy = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + b"\x00\x01" * 300
    )  # an OLE header, then sectors
    with pytest.raises(ReaderError) as caught:
        read_csv(legacy)
    assert str(caught.value) == (
        "a legacy .xls or password-protected workbook named .csv, not a CSV export: save it as CSV"
    )


def test_two_exports_joined_with_their_byte_order_marks_read_as_one():
    # two UTF-8 exports saved with a byte order mark and joined (cat a.csv b.csv, copy /b a+b): the
    # second one's mark starts line 4, before its header, and a third part without a header starts
    # line 6 with its mark. The repeated header was quarantined with a reason a column ("unknown value
    # in direction: 'Riktning'; …"), and SMV-4 loaded as '\ufeffSMV-4': another key than SMV-4, shown
    # the same, without a word. The marks are now read as marks: the header left out with its note
    from helpers import personnummer

    bom = "\ufeff"
    header = "Utbytes-ID;Personnummer;Riktning;Utbytestyp;Värdland;Startdatum;Status"
    lines = [
        bom + header,
        f"SMV-1;{personnummer('19000101', 981)};Utresande;Utbytesstudier;AT;2024-08-26;Avslutad",
        f"SMV-2;{personnummer('19000102', 982)};Utresande;Utbytesstudier;DE;2024-08-26;Avslutad",
        bom + header,
        f"SMV-3;{personnummer('19000103', 983)};Inresande;Utbytesstudier;FI;2025-01-20;Avslutad",
        bom + f"SMV-4;{personnummer('19000104', 984)};Inresande;Utbytesstudier;FI;2025-01-20;Avslutad",
    ]
    result = _normalised("solemove_utbyten_2025-09-01.csv", lines)
    assert result.good_rows()["mobility_id"].to_list() == ["SMV-1", "SMV-2", "SMV-3", "SMV-4"]
    assert (result.quarantine.height, result.rows_read, result.rows_left_out) == (0, 5, 1)
    assert result.notes[0] == "1 rows left out: the header repeated (a report printed page by page) (rows 4)"


@pytest.mark.parametrize("name", ["enrolments.csv", "enrolments.xlsx", "agreements.xml"])
def test_a_file_of_no_bytes_is_rejected_as_empty_with_the_fix(name):
    # a settled file of 0 bytes (an export that failed, a transfer that wrote nothing): a CSV was "empty
    # file", an XLSX "not an XLSX workbook (not a zip archive)", which says it is something else, and
    # neither named the fix
    from pathlib import Path

    from indicators.config import project_root
    from indicators.readers.by_kind import read_file
    from indicators.report.quality_words import reason
    from indicators.sources import load_sources

    [spec] = [s for s in load_sources(project_root() / "pipelines") if s.name == Path(name).stem]
    with pytest.raises(ReaderError) as raised:
        read_file(Path(name), b"", spec, "ki.se")
    said = "empty file (0 bytes: the export, or its copy, wrote nothing): deliver the file again"
    assert str(raised.value) == said
    assert reason(said, "sv") == (
        "tom fil (0 byte: exporten, eller kopian av den, skrev ingenting): leverera filen igen",
        "sv",
    )


@pytest.mark.parametrize(
    ("packed", "kind"),
    [
        (lambda data: __import__("gzip").compress(data), "gzip-compressed (.gz)"),
        (lambda data: __import__("bz2").compress(data), "bzip2-compressed (.bz2)"),
        (lambda data: __import__("lzma").compress(data), "xz-compressed (.xz)"),
        (lambda data: b"7z\xbc\xaf\x27\x1c\x00\x04" + bytes(range(256)) * 8, "a 7-Zip archive (.7z)"),
    ],
    ids=["gzip", "bzip2", "xz", "7z"],
)
def test_a_compressed_export_named_csv_is_named_with_the_fix(packed, kind):
    # an export compressed by the system that sends it and still named .csv was "unreadable header line
    # (not cp1252)" (all four here), or "binary content (NUL bytes): not a CSV export" (the sample's
    # student_mobility gzipped): neither said what the file is, nor that unpacking it is the fix
    with pytest.raises(ReaderError) as caught:
        read_csv(packed(b"id;partner_name\n1;Lund\n" * 200))
    assert str(caught.value) == (
        f"{kind}, not a CSV export: unpack it and deliver the export itself (.csv, .xlsx or .xml)"
    )


def test_an_export_named_as_compressed_says_to_unpack_it():
    # student_mobility_2025-09-01.csv.gz: "unsupported file type .gz: expected CSV, XLSX or EWP IIA XML"
    from pathlib import Path

    from indicators.config import project_root
    from indicators.readers.by_kind import read_file
    from indicators.sources import load_sources, match_source

    name = "student_mobility_2025-09-01.csv.gz"
    spec = match_source(name, load_sources(project_root() / "pipelines"))
    with pytest.raises(ReaderError) as caught:
        read_file(Path(name), b"\x1f\x8b", spec, "lu.se")
    assert str(caught.value) == (
        "a gzip-compressed file (.gz), not an export: unpack it and deliver the export itself (.csv, .xlsx or .xml)"
    )


def test_a_byte_order_mark_inside_a_line_is_no_part_of_a_value():
    # a value pasted from a file with a mark ('\ufeffUtresande', 'AT\ufeff'): the row was quarantined
    # as "unknown value in direction: '\ufeffUtresande'", a reason that reads as the right value
    from helpers import personnummer

    lines = [
        "Utbytes-ID;Personnummer;Riktning;Utbytestyp;Värdland;Startdatum;Status",
        f"SMV-1;{personnummer('19000101', 981)};\ufeffUtresande;Utbytesstudier;AT\ufeff;2024-08-26;Avslutad",
    ]
    result = _normalised("solemove_utbyten_2025-09-01.csv", lines)
    assert result.quarantine.height == 0
    assert result.good_rows().select("direction", "partner_country").rows() == [("outgoing", "AT")]


def test_a_zipped_csv_named_csv_says_to_unpack_it_not_to_rename_it():
    # a CSV export zipped by the sending system, still named .csv: "a zip archive (an XLSX workbook
    # named .csv?), not a CSV export: name it .xlsx, or save it as CSV", a fix that cannot work
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("student_mobility_2025-09-01.csv", "id;partner_name\n1;Lund\n")
    with pytest.raises(ReaderError) as caught:
        read_csv(buffer.getvalue())
    assert str(caught.value) == (
        "a zip archive (not a workbook), not a CSV export: unpack it and deliver the export itself "
        "(.csv, .xlsx or .xml)"
    )


@pytest.mark.parametrize("data", [b"sep=;\n", b"\xef\xbb\xbfsep=;\r\n", b"sep=,\r\n\r\n"])
def test_excels_separator_hint_alone_is_an_empty_file(data):
    # an export of nothing that still writes Excel's hint line: "could not be read (IndexError)" in the
    # night's summary (an IndexError in the blank-line check of a frame without columns)
    with pytest.raises(ReaderError, match=r"^empty file$"):
        read_csv(data)


@pytest.mark.parametrize(
    ("data", "rows"),
    [
        (b"\nid;name\n1;Lund\n2;Ume\xc3\xa5\n", [(3, "1", "Lund"), (4, "2", "Umeå")]),
        (b"\xef\xbb\xbf;;\r\n \r\nid;name\r\n1;Lund\r\n", [(4, "1", "Lund")]),
        (b"sep=;\n\nid;name\n1;Lund\n", [(4, "1", "Lund")]),
        (b"\t\t\nid\tname\n1\tLund\n", [(3, "1", "Lund")]),
    ],
    ids=["blank line", "separators and spaces, CRLF", "after the separator hint", "tabs"],
)
def test_lines_of_nothing_above_the_header_are_no_header(data, rows):
    # an export that starts with an empty line (or a row of separators, as Excel saves an empty first
    # row): polars skipped it and read 'id;name' as one column with the separator found on the blank
    # line, each row a line short ([(2, '1;Lund'), (3, '2;Umeå')]); a line of spaces gave a frame
    # without columns and "could not be read (IndexError)"
    assert read_csv(data).rows() == rows


@pytest.mark.parametrize(
    "data",
    [b"\x00\n", b"\n\r\n\xef\xbb\xbf\x00", b"sep=;\n\r\n\xef\xbb\xbf; \r\n"],
    ids=["a NUL and a line break", "blank lines, a mark and a NUL", "the hint, a blank line, a mark"],
)
def test_a_file_of_nothing_once_its_nuls_and_marks_are_taken_out_is_an_empty_file(data):
    # a file whose only bytes are a NUL, byte order marks and line breaks passed the empty-file check
    # (made on the bytes as delivered) and failed in polars: "could not be read (InvalidOperationError)"
    # or "(IndexError)" in the night's summary
    with pytest.raises(ReaderError, match=r"^empty file$"):
        read_csv(data)


def test_rows_a_separator_too_few_share_the_text_of_their_reason():
    # 300 lines of 'x' where the header has three columns (an export cut after its first field on
    # every line): one reason, 114 bytes, was written out for each row (34,200 bytes here, 120 MB for a
    # million such rows); the rows of one count of fields now share its text
    import polars as pl

    from indicators.derive import READER_REASON

    frame = read_csv(("a;b;c\n" + "x\n" * 300).encode())
    reason = (
        "1 fields where the header has 3: a separator too few in the row (its values may have moved into "
        "the wrong columns)"
    )
    assert frame.height == 300 and set(frame[READER_REASON]) == {reason} and len(reason) == 114
    array = frame[READER_REASON].to_arrow(compat_level=pl.CompatLevel.newest())
    assert sum(buffer.size for buffer in array.buffers()[2:] if buffer is not None) == 114
