"""A decimal column's separator, decided per file: 1,000 is a thousand in an English export, one in a
Swedish one."""

from __future__ import annotations

import polars as pl

from helpers import personnummer
from indicators import normalise as module
from indicators.config import project_root
from indicators.identity import Pseudonymiser
from indicators.normalise import parse_field
from indicators.sources import FieldSpec, load_sources

[SPEC] = [s for s in load_sources(project_root() / "pipelines") if s.name == "student_mobility"]


def _credits(headers: tuple[str, str, str], written: list[str], options=None):
    """An export of one stay a row with ``written`` credits (``headers``: id, person, credits): the
    loaded rows' credits by id, the quarantine's reasons by row number, and the warnings."""
    ids, person, credits = headers
    n = len(written)
    columns = {
        ids: [f"S{i}" for i in range(n)],
        person: [personnummer(f"190001{i + 1:02d}", 981 + i) for i in range(n)],
        "Direction": ["out"] * n,
        "Mobility type": ["studies"] * n,
        "Country": ["DE"] * n,
        "Start date": ["2020-09-01"] * n,
        "Status": ["completed"] * n,
        credits: written,
    }
    frame = pl.DataFrame(columns, schema={name: pl.String for name in columns}).with_row_index(
        "_row_number", offset=2
    )
    result = module.normalise(
        frame, SPEC, Pseudonymiser(b"test-key-not-for-production-0123"), options=options
    )
    loaded = dict(result.good_rows().select("mobility_id", "credits_ects").rows())
    return loaded, dict(result.quarantine.select("_row_number", "reason").rows()), result.warnings


ENGLISH = ("Mobility ID", "Student ID", "ECTS credits")
SWEDISH = ("Utbytes-ID", "Personnummer", "Högskolepoäng")


def test_an_english_exports_thousands_are_never_read_as_one():
    # MoveON writes a decimal point and groups thousands with a comma: '1,000' loaded as 1.0 without a
    # word (the comma read as a decimal one), '1,000.5' and '2,250.75' were quarantined as invalid
    # decimals. '7.5' shows the file's decimal point: the commas are groups
    loaded, reasons, warnings = _credits(ENGLISH, ["7.5", "30", "1,000", "1,000.5", "2,250.75"])
    assert loaded == {"S0": 7.5, "S1": 30.0, "S2": 1000.0, "S3": 1000.5, "S4": 2250.75}
    assert (reasons, warnings) == ({}, [])


def test_a_swedish_exports_decimal_comma_reads_its_column():
    # Ladok writes a decimal comma (7,5) and a German-style export groups with a dot: '1.234,5' was
    # quarantined; '1,000' (one, written to three decimals) and '1.000' (a thousand) read as the
    # file's 7,5 shows
    loaded, reasons, warnings = _credits(SWEDISH, ["7,5", "1,000", "1.000", "1.234,5", "22,500"])
    assert loaded == {"S0": 7.5, "S1": 1.0, "S2": 1000.0, "S3": 1234.5, "S4": 22.5}
    assert (reasons, warnings) == ({}, [])


def test_a_thousand_or_one_that_the_file_does_not_tell_is_quarantined_with_a_word():
    # no other value writes a decimal separator (30, 15): '1,000' may be either; a file that writes both
    # (7,5 and 7.5) tells neither. The row is quarantined, the reason and the run's warning say why
    why = "a thousands separator or a decimal one: the file's column shows no single decimal separator"
    loaded, reasons, warnings = _credits(ENGLISH, ["30", "1,000", "15"])
    assert loaded == {"S0": 30.0, "S2": 15.0}
    assert reasons == {3: f"invalid decimal in credits_ects: '1,000' ({why})"}
    assert warnings == [
        "credits_ects: 1 rows write a number like '1,000', a thousand or one, and the file's other values "
        "show no decimal separator: they are quarantined; correct them in the export (no thousands "
        "separator: 1000, or the decimals written: 1.0)"
    ]
    loaded, reasons, warnings = _credits(ENGLISH, ["7,5", "7.5", "2.500"])
    assert loaded == {"S0": 7.5, "S1": 7.5}
    assert reasons == {4: f"invalid decimal in credits_ects: '2.500' ({why})"}
    assert "show both a decimal comma and a decimal point: they are quarantined" in warnings[0]


def test_a_decimal_read_alone_never_takes_a_group_for_decimals():
    field = FieldSpec(name="x", type="decimal")
    written = ["1,000", "1.000", "1,000.5", "1.234,5", "0,001", "1,000,000", "1 234,5", "1234,567", "1,0,0"]
    frame = pl.DataFrame({"x": written}, schema={"x": pl.String})
    assert frame.select(parse_field(pl.col("x"), field))["x"].to_list() == [
        None,
        None,
        1000.5,
        1234.5,
        0.001,
        1000000.0,
        1234.5,
        1234.567,
        None,
    ]


def test_a_thousand_or_one_the_fields_range_tells_is_read_as_the_one_within_it():
    # a Swedish export that writes every credit to three decimals (30,000, 7,500) shows no separator of
    # its own: read without the range each row was quarantined; as 30000 and 7500 they would be
    # outside the credits of one stay (0..120, expectations/thresholds.yml), as 30.0 and 7.5 within it
    from indicators.derive import ReadOptions, row_ranges

    options = ReadOptions(ranges=row_ranges(project_root()))
    loaded, reasons, warnings = _credits(SWEDISH, ["30,000", "7,500", "15,000"], options)
    assert (loaded, reasons, warnings) == ({"S0": 30.0, "S1": 7.5, "S2": 15.0}, {}, [])
    # both readings outside (150,000 is 150 or 150000): quarantined as before, with the warning
    loaded, reasons, warnings = _credits(SWEDISH, ["30,000", "150,000"], options)
    assert loaded == {} and set(reasons) == {2, 3} and len(warnings) == 1
