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
        "separator: 1000, or the decimals written: 1.0), or say which it writes: credits_ects decimal: '.' "
        "or ',' in pipelines/student_mobility.yml"
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


GRANTS = """\
source: grants
description: Travel grants.
patterns: ["grants*"]
business_key: [grant_id]
fields:
  grant_id: {type: string, required: true, aliases: [Grant ID]}
  amount: {type: decimal, aliases: [Amount]DECIMAL}
"""


def _grants(tmp_path, written: list[str], own: str = "", profile: str | None = None):
    """An export of grants (``written`` amounts) read by the contract ``GRANTS`` (the amount's
    ``own`` keys) or by its ``profile`` (the amount's keys there): amounts by id, reasons, warnings."""
    from indicators.sources import load_sources

    folder = tmp_path / "pipelines"
    folder.mkdir(exist_ok=True)
    (folder / "grants.yml").write_text(GRANTS.replace("DECIMAL", own), encoding="utf-8")
    if profile is not None:
        text = f'source: grants\nprofile: se\npatterns: ["grants_se*"]\nfields:\n  amount: {{{profile}}}\n'
        (folder / "grants__se.yml").write_text(text, encoding="utf-8")
    [spec] = load_sources(folder)
    spec = spec.profiles[0] if profile is not None else spec
    n = len(written)
    columns = {"Grant ID": [f"G{i}" for i in range(n)], "Amount": written}
    frame = pl.DataFrame(columns, schema={name: pl.String for name in columns}).with_row_index(
        "_row_number", offset=2
    )
    result = module.normalise(frame, spec, Pseudonymiser(b"test-key-not-for-production-0123"))
    loaded = dict(result.good_rows().select("grant_id", "amount").rows())
    return loaded, dict(result.quarantine.select("_row_number", "reason").rows()), result.warnings


def test_the_contracts_decimal_key_reads_a_thousand_or_one_no_value_tells(tmp_path):
    # an English export's grants in euros, '1,000', '2,500' and '500': no value shows a separator and the
    # field has no range, so rows 2 and 4 were quarantined each night with no key to say which the export
    # writes. `decimal: '.'` says it: 1000 and 2500; a Swedish export's profile says `decimal: ','`
    written = ["1,000", "500", "2,500"]
    loaded, reasons, _ = _grants(tmp_path, written)
    assert loaded == {"G1": 500.0} and set(reasons) == {2, 4}
    loaded, reasons, warnings = _grants(tmp_path, written, own=", decimal: '.'")
    assert (loaded, reasons, warnings) == ({"G0": 1000.0, "G1": 500.0, "G2": 2500.0}, {}, [])
    loaded, reasons, warnings = _grants(tmp_path, written, own=", decimal: '.'", profile="decimal: ','")
    assert (loaded, reasons, warnings) == ({"G0": 1.0, "G1": 500.0, "G2": 2.5}, {}, [])


def test_a_file_that_writes_the_other_separator_than_the_contract_says_is_warned(tmp_path):
    # the contract says '.', the file's '7,5' reads with a comma only: '1,000' is read as the contract
    # says (a thousand), '7,5' as written, and the run says the two disagree
    loaded, reasons, warnings = _grants(tmp_path, ["1,000", "7,5"], own=", decimal: '.'")
    assert (loaded, reasons) == ({"G0": 1000.0, "G1": 7.5}, {})
    assert warnings == [
        "amount: pipelines/grants.yml says decimal: '.', but the file writes a decimal comma ('7,5'): its "
        "1 rows like '1,000' are read with '.' as it says; if this export writes a decimal comma, correct "
        "decimal: (a profile of its own for this export)"
    ]


def test_a_bad_decimal_key_is_one_line_naming_the_fix(tmp_path):
    import pytest

    from indicators.source_schema import ContractFileError

    fix = "write decimal: ',' (7,5; 1,000 is one) or decimal: '.' (7.5; 1,000 is a thousand)"
    for own, message in [
        (", decimal: ';'", f"decimal: ';' is no decimal separator: {fix}"),
        (", decimals: '.'", "unknown key decimals: (did you mean decimal:?)"),
    ]:
        with pytest.raises(ContractFileError) as caught:
            _grants(tmp_path, ["1"], own=own)
        assert str(caught.value).startswith(f"pipelines/grants.yml:7: field amount: {message}")
    text = GRANTS.replace("DECIMAL", "").replace("{type: string,", "{type: string, decimal: '.',")
    (tmp_path / "pipelines" / "grants.yml").write_text(text, encoding="utf-8")
    from indicators.sources import load_sources

    with pytest.raises(ContractFileError) as caught:
        load_sources(tmp_path / "pipelines")
    assert str(caught.value) == (
        "pipelines/grants.yml:6: field grant_id: decimal: decimal: is for decimal fields only (grant_id is string)"
    )


def test_a_thousand_or_one_written_several_ways_is_counted_in_every_row():
    # each distinct text of the column is made compact once (unit and spaces off) and the rows of the
    # texts that give one number summed: '1,000', '1,000 hp' and ' 1,000' are one '1,000', three rows,
    # as in a Ladok export where some rows carry the unit. By hand: no other value (30, 15) tells the
    # separator, so the three are quarantined and the warning counts 3 rows
    why = "a thousands separator or a decimal one: the file's column shows no single decimal separator"
    loaded, reasons, warnings = _credits(ENGLISH, ["30", "1,000", "1,000 hp", " 1,000", "15", "1,000"])
    assert loaded == {"S0": 30.0, "S4": 15.0}
    assert reasons == {
        3: f"invalid decimal in credits_ects: '1,000' ({why})",
        4: f"invalid decimal in credits_ects: '1,000 hp' ({why})",
        5: f"invalid decimal in credits_ects: '1,000' ({why})",
        7: f"invalid decimal in credits_ects: '1,000' ({why})",
    }
    assert warnings[0].startswith("credits_ects: 4 rows write a number like '1,000', a thousand or one")
