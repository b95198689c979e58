"""The source contract's schema and its new keys (derive, default, formats, generate, keep_rows,
profiles, each_row), on small frames and files written here."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import polars as pl
import pytest

from helpers import cli_in_process
from indicators.derive import ReadOptions
from indicators.identity import Pseudonymiser
from indicators.normalise import LayoutError, normalise
from indicators.source_schema import ContractFileError
from indicators.sources import load_sources

ROOT = Path(__file__).resolve().parents[2]
PSEUDO = Pseudonymiser(b"unit-test-key-0123456789")
BASE = """\
source: visits
description: Visits.
patterns: ["visits*"]
business_key: [visit_id]
fields:
  visit_id: {type: string, required: true, aliases: [Visit]}
  country: {type: country, required: true, aliases: [Land]}
  day: {type: date, required: true, keep_precision: true, aliases: [Datum]}
  ended: {type: date, open_end: true, aliases: [Slut]}
  kind: {type: enum, required: true, values: {study: [study, S], work: [work, P]}, aliases: [Typ]}
"""


def _pipelines(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "pipelines"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _error(tmp_path: Path, files: dict[str, str]) -> str:
    with pytest.raises(ContractFileError) as caught:
        load_sources(_pipelines(tmp_path, files))
    message = str(caught.value)
    assert "\n" not in message
    return message


def _frame(rows: list[dict]) -> pl.DataFrame:
    frame = pl.DataFrame(rows, schema={k: pl.String for k in rows[0]})
    return frame.with_row_index("_row_number", offset=2).with_columns(pl.col("_row_number").cast(pl.Int64))


# --- the schema: one line naming the file, the line, the field -------------------------------------


def test_an_unknown_key_is_one_line_with_the_file_line_and_field(tmp_path):
    text = BASE.replace("aliases: [Land]", "alias: [Land]")
    message = _error(tmp_path, {"visits.yml": text})
    assert message.startswith(
        "pipelines/visits.yml:7: field country: unknown key alias: (did you mean aliases:?)"
    )


def test_a_wrong_type_and_an_unknown_field_type_are_one_line_each(tmp_path):
    message = _error(
        tmp_path, {"visits.yml": BASE.replace("required: true, aliases: [Land]", 'required: "yes"')}
    )
    assert message.startswith(
        "pipelines/visits.yml:7: field country: required: Input should be a valid boolean"
    )
    message = _error(tmp_path, {"visits.yml": BASE.replace("{type: country,", "{type: land,")})
    assert message.startswith(
        "pipelines/visits.yml:7: field country: unknown field type 'land'; the types: string"
    )


def test_an_alias_two_fields_share_is_refused(tmp_path):
    message = _error(tmp_path, {"visits.yml": BASE.replace("aliases: [Slut]", "aliases: [Slut, Datum]")})
    assert message == (
        "pipelines/visits.yml:9: field ended: aliases.1: the header 'Datum' is an alias of day too: "
        "keep it on one field only"
    )


def test_an_alias_two_values_of_an_enum_share_is_refused(tmp_path):
    # which would a row with it be? (YAML and the reading would keep the last value without a word)
    message = _error(tmp_path, {"visits.yml": BASE.replace("work: [work, P]", "work: [work, P, s]")})
    assert message == (
        "pipelines/visits.yml:10: field kind: values.work.2: 's' is listed under study and under work: "
        "keep it under one value only"
    )
    # a value written as another value's alias
    message = _error(tmp_path, {"visits.yml": BASE.replace("work: [work, P]", "work: [work, P, Study]")})
    assert message == (
        "pipelines/visits.yml:10: field kind: values.work.2: 'Study' is listed under study and under work: "
        "keep it under one value only"
    )


def test_a_profiles_values_are_added_to_its_sources_and_may_not_contradict_them(tmp_path):
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  kind: {values: {work: [W, s]}}\n'
    message = _error(tmp_path, {"visits.yml": BASE, "visits__x.yml": profile})
    assert message == (
        "pipelines/visits__x.yml:5: field kind: values.work.1: 's' is listed under study in "
        "pipelines/visits.yml and under work: keep it under one value only"
    )
    # the same value again, and new ways of writing one: added
    profile = profile.replace("work: [W, s]", "work: [W, P], study: [S, Studie]")
    [visits] = load_sources(_pipelines(tmp_path, {"visits.yml": BASE, "visits__x.yml": profile}))
    [read_as_x] = visits.profiles
    assert read_as_x.field("kind").values == {
        "study": "study",
        "s": "study",
        "studie": "study",
        "work": "work",
        "p": "work",
        "w": "work",
    }
    assert "studie" not in visits.field("kind").values  # the source's own file reads as before


def cli(monkeypatch, *args: str, **env: str):
    """``indicators ARGS`` by the CLI's main in this process, with no INDICATORS_* setting but those
    given: a message and an exit code are tested, not the process (a new interpreter paid the CLI's
    imports again for each call)."""
    for name in [name for name in os.environ if name.startswith("INDICATORS_")]:
        monkeypatch.delenv(name)
    return cli_in_process(*args, env=env)


def test_check_config_refuses_an_enum_alias_under_two_values(tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(ROOT / "pipelines", home / "pipelines")
    path = home / "pipelines" / "student_mobility.yml"
    text = path.read_text(encoding="utf-8")
    assert "incoming: [incoming, inresande, in, inbound]" in text and "outbound]" in text
    path.write_text(
        text.replace("[incoming, inresande, in, inbound]", "[incoming, inresande, in, inbound, out]")
    )
    env = {"INDICATORS_HOME": str(home), "INDICATORS_PSEUDONYMISATION_KEY": "k" * 32}
    for command in (["check-config"], ["nightly", "--inbox", str(tmp_path)]):
        done = cli(monkeypatch, *command, **env)
        assert (done.returncode, done.stdout) == (1, ""), done.stdout + done.stderr
        assert done.stderr.splitlines() == [  # one line, no traceback
            "error: pipelines/student_mobility.yml:10: field direction: values.incoming.4: 'out' is listed "
            "under outgoing and under incoming: keep it under one value only"
        ]
    assert not (home / "var").exists()  # nothing ran


def test_a_derive_that_is_not_sql_is_refused(tmp_path):
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  country: {derive: "left(Code, 2"}\n'
    message = _error(tmp_path, {"visits.yml": BASE, "visits__x.yml": profile})
    assert message.startswith("pipelines/visits__x.yml:5: field country: derive: not a DuckDB SQL expression")


def test_a_coarse_format_needs_a_precision_column(tmp_path):
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  ended: {formats: ["%m-%Y"]}\n'
    message = _error(tmp_path, {"visits.yml": BASE, "visits__x.yml": profile})
    assert "'%m-%Y' is not precise to the day: give ended keep_precision: true" in message


def test_a_default_that_does_not_read_as_its_field_is_refused(tmp_path):
    # an analyst's status: {default: klar} (not a status) passed check-config and quarantined every
    # row of every file of the profile, each with "unknown value in kind: 'klar'"
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  kind: {default: klar}\n'
    message = _error(tmp_path, {"visits.yml": BASE, "visits__x.yml": profile})
    assert message == (
        "pipelines/visits__x.yml:5: field kind: default: 'klar' is not a value of kind (enum): "
        "write one of study, work (or one of their spellings under values:)"
    )
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  day: {default: "2019-13-01"}\n'
    message = _error(tmp_path, {"visits.yml": BASE, "visits__x.yml": profile})
    assert message == (
        "pipelines/visits__x.yml:5: field day: default: '2019-13-01' is not a value of day (date): "
        "write it as the export would, e.g. 2019-09-01"
    )
    # one that reads (an alias of a value, a country's name, a date in one of the field's forms) is fine
    good = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  kind: {default: S}\n'
    good += '  country: {default: Tyskland}\n  day: {default: 09-2019, formats: ["%m-%Y"]}\n'
    specs = load_sources(_pipelines(tmp_path, {"visits.yml": BASE, "visits__x.yml": good}))
    profile_spec = specs[0].profiles[0]
    assert {f.name: f.default for f in profile_spec.fields if f.default} == {
        "kind": "S",
        "country": "Tyskland",
        "day": "09-2019",
    }


def test_a_date_format_with_an_unknown_directive_is_refused(tmp_path):
    # %Q is no directive, %M is minutes (not months): every date of the file was "invalid date"
    for written, directive in (("%d/%m/%Y%Q", "%Q"), ("%d/%M/%Y", "%M")):
        profile = (
            f'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  day: {{formats: ["{written}"]}}\n'
        )
        message = _error(tmp_path, {"visits.yml": BASE, "visits__x.yml": profile})
        assert message.startswith(
            f"pipelines/visits__x.yml:5: field day: formats: {written!r} has {directive}"
        )
        assert "%d day, %m month, %Y year" in message


def test_a_profile_may_not_change_what_a_field_is(tmp_path):
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  country: {type: string}\n'
    message = _error(tmp_path, {"visits.yml": BASE, "visits__x.yml": profile})
    assert message.startswith("pipelines/visits__x.yml:5: field country: unknown key type:")


def test_check_config_stops_a_nightly_with_one_line(tmp_path, monkeypatch):
    home = tmp_path / "home"
    shutil.copytree(ROOT / "pipelines", home / "pipelines")
    path = home / "pipelines" / "student_mobility.yml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "  term: {type: term, aliases:", "  term: {type: term, alias:"
        )
    )
    env = {"INDICATORS_HOME": str(home), "INDICATORS_PSEUDONYMISATION_KEY": "k" * 32, "PATH": ""}
    for command in (["check-config"], ["nightly", "--inbox", str(tmp_path)]):
        done = cli(monkeypatch, *command, **env)
        assert done.returncode == 1
        assert done.stderr.strip().splitlines() == [
            "error: pipelines/student_mobility.yml:34: field term: unknown key alias: (did you mean aliases:?); "
            "allowed here: aliases, values, derive, default, formats, generate, decimal, type, required, personal, "
            "description, keep_precision, open_end"
        ]
    assert not (home / "var").exists()  # nothing ran


def test_the_sources_are_read_again_when_a_file_changes_even_to_the_same_size_and_time(tmp_path):
    """load_sources parses a folder once while its files' bytes stay the same (a nightly asks three
    times); a change of one byte, a file added or one removed is read again, whatever the size or the
    modification time says."""
    folder = _pipelines(tmp_path, {"visits.yml": BASE})
    [first] = load_sources(folder)
    assert load_sources(folder) == [first]
    stat = (folder / "visits.yml").stat()
    same_size = BASE.replace("description: Visits.", "description: Vizits.")
    assert len(same_size) == len(BASE)
    (folder / "visits.yml").write_text(same_size, encoding="utf-8")
    os.utime(folder / "visits.yml", ns=(stat.st_atime_ns, stat.st_mtime_ns))
    [edited] = load_sources(folder)
    assert (first.description, edited.description) == ("Visits.", "Vizits.")
    (folder / "trips.yml").write_text(BASE.replace("source: visits", "source: trips"), encoding="utf-8")
    assert sorted(spec.name for spec in load_sources(folder)) == ["trips", "visits"]
    (folder / "trips.yml").unlink()
    assert [spec.name for spec in load_sources(folder)] == ["visits"]
    (folder / "visits.yml").write_text(BASE.replace("source: visits", "sorce: visits"), encoding="utf-8")
    with pytest.raises(ContractFileError):  # an error is not kept either: it is raised each time
        load_sources(folder)
    with pytest.raises(ContractFileError):
        load_sources(folder)


def test_the_project_contract_is_valid(monkeypatch):
    done = cli(monkeypatch, "check-config")
    assert done.returncode == 0, done.stderr
    assert "4 profiles" in done.stdout


# --- reading: what the new keys do -----------------------------------------------------------------


def _spec(tmp_path, profile: str | None = None, name: str = "x"):
    files = {"visits.yml": BASE}
    if profile:
        files["visits__x.yml"] = profile
    [spec] = load_sources(_pipelines(tmp_path, files))
    return next(p for p in spec.profiles if p.profile == name) if profile else spec


def test_rows_differing_only_in_an_unmapped_column_are_not_collapsed(tmp_path):
    spec = _spec(tmp_path)
    row = {"Visit": "V1", "Land": "SE", "Datum": "2024-01-10", "Typ": "study", "Note": "a"}
    frame = _frame([row, dict(row), {**row, "Note": "b"}, {**row, "Visit": "V2"}])
    result = normalise(frame, spec, PSEUDO)
    # row 3 repeats row 2 in every column: collapsed; row 4 differs only in Note: a conflict with rows 2
    assert result.collapsed == 1 and result.collapsed_rows == [3]
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (2, "duplicate business key with different values (rows 2, 4)"),
        (4, "duplicate business key with different values (rows 2, 4)"),
    ]
    assert result.good_rows()["visit_id"].to_list() == ["V2"]


def test_derive_default_formats_generate_and_keep_rows(tmp_path):
    profile = """\
source: visits
profile: x
patterns: ["x*"]
each_row: one_person
keep_rows: "Home = getvariable('home_institution_code') or Host = getvariable('home_institution_code')"
fields:
  visit_id: {generate: row}
  country: {derive: "case when Home = getvariable('home_institution_code') then left(Host, 2) else left(Home, 2) end"}
  day: {formats: ["%m-%Y", excel]}
  kind: {default: S}
"""
    spec = _spec(tmp_path, profile)
    home = "SELUND"
    rows = [
        {"Home": home, "Host": "DEHEID", "Datum": "09-2008"},  # 2: out to DE, a month
        {"Home": home, "Host": "DEHEID", "Datum": "09-2008"},  # 3: the same again: another person
        {"Home": "FRPARI", "Host": home, "Datum": "45576"},  # 4: in from FR, Excel serial 2024-10-11
        {"Home": "ESMADR", "Host": "FRPARI", "Datum": "09-2008"},  # 5: not ours: left out
        {"Home": home, "Host": "ITROMA", "Datum": "sept 2008"},  # 6: no form fits: quarantined
    ]
    result = normalise(_frame(rows), spec, PSEUDO, options=ReadOptions(home_institution_code=home))
    good = result.good_rows()
    assert good.select("_row_number", "country", "day", "day_precision", "kind").rows() == [
        (2, "DE", dt.date(2008, 9, 1), "month", "study"),
        (3, "DE", dt.date(2008, 9, 1), "month", "study"),
        (4, "FR", dt.date(2024, 10, 11), "day", "study"),
    ]
    keys = good["visit_id"].to_list()
    assert keys[0].endswith("-1") and keys[1] == keys[0][:-2] + "-2" and len(set(keys)) == 3
    assert result.rows_left_out == 1 and result.collapsed == 0
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (6, "invalid date in day: 'sept 2008'")
    ]


def test_a_derive_naming_a_missing_column_rejects_the_file_with_one_line(tmp_path):
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  country: {derive: "left(Kod, 2)"}\n'
    spec = _spec(tmp_path, profile)
    frame = _frame([{"Visit": "V1", "Code": "SE", "Datum": "2024-01-10", "Typ": "S"}])
    with pytest.raises(LayoutError) as caught:
        normalise(frame, spec, PSEUDO)
    message = str(caught.value)
    assert message.startswith(
        "pipelines/visits__x.yml:5: field country: derive: does not fit this file (Binder Error"
    )
    assert message.endswith("the file's headers: 'Visit', 'Code', 'Datum', 'Typ'")


def test_a_derive_that_does_not_fit_shows_a_header_holding_a_personnummer_redacted(tmp_path):
    # a header with a personnummer and a no-break space in it (pasted from a web page): repr() wrote
    # the space as \\xa0, where the redaction after it found no separator, so the rejection (its
    # reason, log line and note) showed the number in clear
    from helpers import personnummer

    pnr = personnummer("19000101", 984)
    header = f"Anteckning {pnr[2:8]}\u00a0{pnr[8:]}"
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  country: {derive: "left(Kod, 2)"}\n'
    spec = _spec(tmp_path, profile)
    frame = _frame([{"Visit": "V1", header: "ring", "Datum": "2024-01-10", "Typ": "S"}])
    with pytest.raises(LayoutError) as caught:
        normalise(frame, spec, PSEUDO)
    assert str(caught.value).endswith(
        "the file's headers: 'Visit', 'Anteckning [personnummer]', 'Datum', 'Typ'"
    )


def test_a_derive_failing_on_a_long_value_never_shows_part_of_a_personnummer(tmp_path):
    # DuckDB's error quotes the value; its first line was cut at 300 characters before the ingest
    # redacted it, so a personnummer across the cut stayed as its date and two digits more
    from helpers import personnummer
    from indicators.redact import redact_text

    pnr = personnummer("19000101", 989)
    value = "x" * 245 + f" {pnr[:8]}-{pnr[8:]}"
    profile = (
        'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  country: {derive: "cast(Kod as integer)"}\n'
    )
    spec = _spec(tmp_path, profile)
    frame = _frame([{"Visit": "V1", "Kod": value, "Datum": "2024-01-10", "Typ": "S"}])
    with pytest.raises(LayoutError) as caught:
        normalise(frame, spec, PSEUDO)
    recorded = redact_text(str(caught.value))  # as the ingest records the reason
    assert "derive: failed on this file: Conversion Error: Could not convert string 'xxx" in recorded
    assert pnr[:8] not in recorded and pnr[2:8] not in recorded


def test_a_missing_required_field_says_what_to_do(tmp_path):
    spec = _spec(tmp_path)
    frame = _frame([{"Visit": "V1", "Country code": "SE", "Date": "2024-01-10", "Typ": "S"}])
    with pytest.raises(LayoutError) as caught:
        normalise(frame, spec, PSEUDO)
    assert str(caught.value) == (
        "required column missing: country, day; the file's headers: 'Visit', 'Country code', 'Date', 'Typ'; "
        "closest: country ← 'Country code'?; day ← 'Date'?; edit pipelines/visits.yml: add the header to "
        "the field's aliases:, or give the field derive: (SQL over these headers) or default:"
    )


def test_dates_outside_the_window_are_quarantined_and_an_open_end_is_null(tmp_path):
    spec = _spec(tmp_path)
    rows = [
        {"Visit": "V1", "Land": "SE", "Datum": "2024-01-10", "Slut": "9999-12-31", "Typ": "S"},  # open
        {"Visit": "V2", "Land": "SE", "Datum": "0001-01-01", "Slut": None, "Typ": "S"},
        {"Visit": "V3", "Land": "SE", "Datum": "2024-01-10", "Slut": "2999-01-01", "Typ": "S"},
        {"Visit": "V4", "Land": "SE", "Datum": "9999-12-31", "Slut": None, "Typ": "S"},  # no open start
    ]
    options = ReadOptions(date_min=dt.date(1990, 1, 1), date_max=dt.date(2036, 12, 2))
    result = normalise(_frame(rows), spec, PSEUDO, options=options)
    assert result.good_rows().select("visit_id", "ended").rows() == [("V1", None)]
    window = "outside the plausible dates 1990-01-01..2036-12-02 (date_window_start, date_window_years_ahead)"
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (3, f"day {window}: '0001-01-01'"),
        (4, f"ended {window}: '2999-01-01'"),
        (5, f"day {window}: '9999-12-31'"),
    ]


def test_terms_and_academic_years_keep_to_the_window_and_an_open_year_is_null(tmp_path):
    base = """\
source: courses
patterns: ["courses*"]
business_key: [code]
fields:
  code: {type: code, required: true}
  term: {type: term}
  first: {type: academic_year}
  last: {type: academic_year, open_end: true}
"""
    [spec] = load_sources(_pipelines(tmp_path, {"courses.yml": base}))
    rows = [
        {"code": "A", "term": "HT2019", "first": "2019/20", "last": "9999/00"},  # open: last NULL
        {"code": "B", "term": "HT0001", "first": "2019/20", "last": None},
        {"code": "C", "term": "VT2020", "first": "0999/00", "last": None},
    ]
    options = ReadOptions(date_min=dt.date(1990, 1, 1), date_max=dt.date(2036, 12, 2))
    result = normalise(_frame(rows), spec, PSEUDO, options=options)
    assert result.good_rows().select("code", "term", "first", "last").rows() == [
        ("A", "HT2019", "2019/20", None)
    ]
    window = "outside the plausible dates 1990-01-01..2036-12-02 (date_window_start, date_window_years_ahead)"
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (3, f"term {window}: 'HT0001'"),
        (4, f"first {window}: '0999/00'"),
    ]


def test_a_field_written_twice_is_refused(tmp_path):
    text = BASE + "  country: {type: string}\n"
    assert _error(tmp_path, {"visits.yml": text}) == (
        "pipelines/visits.yml:11: country: written twice in the same block; keep one"
    )


def test_a_generated_key_is_stable_across_re_deliveries(tmp_path):
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  visit_id: {generate: row}\n'
    spec = _spec(tmp_path, profile)
    first = [
        {"Land": "SE", "Datum": "2024-01-10", "Typ": "S", "Note": "a"},
        {"Land": "DK", "Datum": "2024-02-10", "Typ": "P", "Note": None},
    ]
    # delivered again: rows in another order, columns in another order, blanks around values, a new row
    again = [
        {"Note": None, "Typ": "P", "Datum": " 2024-02-10", "Land": "DK"},
        {"Note": "b", "Typ": "S", "Datum": "2024-03-10", "Land": "NO"},
        {"Note": "a", "Typ": "S", "Datum": "2024-01-10 ", "Land": "SE"},
    ]
    keys = dict(normalise(_frame(first), spec, PSEUDO).good_rows().select("country", "visit_id").rows())
    keys_again = dict(normalise(_frame(again), spec, PSEUDO).good_rows().select("country", "visit_id").rows())
    assert keys_again["SE"] == keys["SE"] and keys_again["DK"] == keys["DK"]
    assert len(set(keys_again.values())) == 3
    assert all(
        k.startswith("row-") and len(k) == 24 and not any(c.isdigit() for c in k[4:]) for k in keys.values()
    )


def test_a_generated_key_cannot_be_recomputed_without_the_pseudonymisation_key(tmp_path):
    """A row holding a personnummer (the hand-kept sheet's 'Personnummer' column): its key was the
    plain SHA-256 of the row's text, whose other columns raw and the archive give, so trying every
    possible personnummer named the person without the key. Now an HMAC with the key."""
    import hashlib

    from helpers import personnummer

    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  visit_id: {generate: row}\n'
    spec = _spec(tmp_path, profile)
    number = personnummer("19000101", 985)
    row = {"Land": "SE", "Datum": "2024-01-10", "Typ": "S", "Personnummer": number}
    [key] = normalise(_frame([row]), spec, PSEUDO).good_rows()["visit_id"].to_list()
    # what anyone could compute: the columns by name (Datum, Land, Personnummer, Typ), joined by
    # chr(31), SHA-256, the first 20 hex digits written as letters (0-9 as g-p)
    text = "\x1f".join(["2024-01-10", "SE", number, "S"])
    plain = (
        hashlib.sha256(text.encode()).hexdigest()[:20].translate(str.maketrans("0123456789", "ghijklmnop"))
    )
    assert key != f"row-{plain}"
    assert key.startswith("row-") and len(key) == 24 and not any(c.isdigit() for c in key)
    other = Pseudonymiser(b"another-key-0123456789")
    assert normalise(_frame([row]), spec, other).good_rows()["visit_id"].to_list() != [key]
    assert normalise(_frame([row]), spec, PSEUDO).good_rows()["visit_id"].to_list() == [key]  # stable


def test_a_misspelt_source_key_does_not_leave_a_file_unread(tmp_path):
    assert _error(tmp_path, {"visits.yml": BASE.replace("source: visits", "sourse: visits")}) == (
        "pipelines/visits.yml:1: no source: key; a source contract starts with `source: <name>` "
        "(the settings and table docs are nightly.yml and warehouse_tables.yml)"
    )


def test_a_profile_names_its_own_spellings_of_countries(tmp_path):
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  country: {values: {DE: [Deutschland, BRD]}}\n'
    spec = _spec(tmp_path, profile)
    row = {"Visit": "V1", "Land": "Deutschland", "Datum": "2024-01-10", "Typ": "study"}
    frame = _frame([row, {**row, "Visit": "V2", "Land": "brd"}, {**row, "Visit": "V3", "Land": "Frankreich"}])
    result = normalise(frame, spec, PSEUDO)
    assert result.good_rows().select("visit_id", "country").rows() == [("V1", "DE"), ("V2", "DE")]
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (4, "invalid country in country: 'Frankreich'")
    ]


def test_a_profiles_country_spelling_must_name_a_two_letter_code(tmp_path):
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  country: {values: {Germany: [Deutschland]}}\n'
    message = _error(tmp_path, {"visits.yml": BASE, "visits__x.yml": profile})
    assert message == (
        "pipelines/visits__x.yml:5: field country: values: 'Germany' is not a country code: list each "
        "spelling under the two-letter ISO code it means (DE: [Deutschland, Allemagne])"
    )


def test_a_date_written_as_a_month_or_a_year_names_the_fix(tmp_path):
    # it was quarantined as "invalid date" alone: whoever reads audit.quarantine had to know that a
    # field reads a coarse form only when its contract lists it and keeps the precision
    row = {"Visit": "V1", "Land": "SE", "Datum": "2024-01-10", "Typ": "study", "Slut": None}
    rows = [
        {**row, "Datum": "09-2019"},
        {**row, "Visit": "V2", "Slut": "2019/09"},
        {**row, "Visit": "V3", "Slut": "2019"},
    ]
    source = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  kind: {values: {work: [W]}}\n'
    reasons = {
        name: normalise(_frame(rows), spec, PSEUDO).quarantine.select("_row_number", "reason").rows()
        for name, spec in (("own", _spec(tmp_path)), ("profile", _spec(tmp_path, source)))
    }
    assert reasons["own"] == [
        (2, "invalid date in day: '09-2019' (a month without a day: to read it, give day formats: ['%m-%Y'] "
         "in pipelines/visits.yml)"),
        (3, "invalid date in ended: '2019/09' (a month without a day: to read it, give ended formats: "
         "['%Y/%m'] in pipelines/visits.yml and keep_precision: true)"),
        (4, "invalid date in ended: '2019' (a year without a day: to read it, give ended formats: ['%Y'] in "
         "pipelines/visits.yml and keep_precision: true)"),
    ]  # fmt: skip
    assert reasons["profile"][2] == (
        4,
        "invalid date in ended: '2019' (a year without a day: to read it, give ended formats: ['%Y'] in "
        "pipelines/visits__x.yml and keep_precision: true in pipelines/visits.yml)",
    )


def test_an_excel_serial_date_names_the_excel_form(tmp_path):
    # a date cell formatted as General gives 43629: it was "invalid date" alone
    row = {"Visit": "V1", "Land": "SE", "Datum": "43629", "Typ": "study"}
    result = normalise(_frame([row, {**row, "Visit": "V2", "Datum": "43629.5"}]), _spec(tmp_path), PSEUDO)
    hint = (
        " (an Excel serial number, a date cell formatted as a number: to read it, give day formats: "
        "['excel'] in pipelines/visits.yml, beside its other forms)"
    )
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (2, "invalid date in day: '43629'" + hint),
        (3, "invalid date in day: '43629.5'" + hint),
    ]


def test_no_hint_for_what_is_no_month_and_a_profiles_two_letter_spelling_wins(tmp_path):
    # the review's cases: '13-2008' got "a month without a day" (it is no month); a profile's GE for
    # Germany was read as Georgia (two letters were taken for a code before the profile's spellings)
    profile = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields:\n  country: {values: {DE: [GE]}}\n'
    spec = _spec(tmp_path, profile)
    row = {"Visit": "V1", "Land": "GE", "Datum": "13-2008", "Typ": "study"}
    result = normalise(
        _frame([row, {**row, "Visit": "V2", "Land": "SE", "Datum": "2024-01-10"}]), spec, PSEUDO
    )
    assert result.quarantine.select("_row_number", "reason").rows() == [(2, "invalid date in day: '13-2008'")]
    assert result.good_rows().select("visit_id", "country").rows() == [("V2", "SE")]
    ok = {**row, "Datum": "2024-01-10"}
    assert normalise(_frame([ok]), spec, PSEUDO).good_rows()["country"].to_list() == ["DE"]


def test_two_profiles_of_one_source_may_not_share_a_name(tmp_path):
    # both passed check-config: the run's notes ("read as profile x") could not tell the two apart
    first = 'source: visits\nprofile: x\npatterns: ["x*"]\nfields: {}\n'
    second = 'source: visits\nprofile: x\npatterns: ["y*"]\nfields: {}\n'
    message = _error(tmp_path, {"visits.yml": BASE, "visits__x.yml": first, "visits__y.yml": second})
    assert message == (
        "pipelines/visits__y.yml:1: profile 'x' of source visits is also pipelines/visits__x.yml's: "
        "give each profile its own name"
    )


def test_an_end_exported_as_a_month_or_a_year_is_not_before_a_start_within_it(tmp_path):
    # an end of month or year precision is stored as the period's first day; the rule not_before reads
    # it as the last day it may mean: a stay from 15 September 2014 to '09-2014' ends on or before
    # 30 September, and one from 10 March 2015 to '2015' by 31 December: neither ends before it starts
    coarse = 'keep_precision: true, formats: ["%Y-%m-%d", "%m-%Y", "%Y"],'
    base = BASE.replace(
        "ended: {type: date, open_end: true,", f"ended: {{type: date, open_end: true, {coarse}"
    )
    rule = "rules:\n  - {check: not_before, field: ended, other: day}\n"
    [spec] = load_sources(_pipelines(tmp_path, {"visits.yml": base + rule}))
    rows = [
        {"Visit": "V1", "Land": "SE", "Datum": "2014-09-15", "Slut": "09-2014", "Typ": "S"},  # to 30 Sep
        {"Visit": "V2", "Land": "SE", "Datum": "2015-03-10", "Slut": "2015", "Typ": "S"},  # to 31 Dec
        {"Visit": "V3", "Land": "SE", "Datum": "2014-09-15", "Slut": "08-2014", "Typ": "S"},  # by 31 Aug
        {"Visit": "V4", "Land": "SE", "Datum": "2015-03-10", "Slut": "2014", "Typ": "S"},  # by 31 Dec 2014
        {"Visit": "V5", "Land": "SE", "Datum": "2014-09-15", "Slut": "2014-09-14", "Typ": "S"},  # to the day
    ]
    result = normalise(_frame(rows), spec, PSEUDO)
    assert result.good_rows().select("visit_id", "ended", "ended_precision").rows() == [
        ("V1", dt.date(2014, 9, 1), "month"),  # stored as the first of the month, read so by dbt's staging
        ("V2", dt.date(2015, 1, 1), "year"),
    ]
    assert result.quarantine.select("_row_number", "reason").rows() == [
        (4, "ended before day"),
        (5, "ended before day"),
        (6, "ended before day"),
    ]
