"""``--as-of``: a past publish's numbers with no number of a later publish beside them."""

from __future__ import annotations

from helpers import export_fixture_warehouse
from indicators.export.tables import load

# run-old (1 October 2024) published the fixture's values with I01 2018/19 one higher (faculty 21,
# P1 6, P2 16); run-20241015 revised them to today's (20, 5, 15)
PUBLISHES = (
    "create table audit.published_values (run_id varchar, published_at timestamp, indicator_id varchar, "
    "academic_year varchar, programme_code varchar, dimension varchar, dimension_value varchar, value double, "
    "numerator double, denominator double, unit varchar, obs_status varchar, is_removed boolean)",
    "insert into audit.published_values select 'run-old', timestamp '2024-10-01 02:05:00', indicator_id, "
    "academic_year, programme_code, dimension, dimension_value, case when indicator_id = 'I01' and academic_year "
    "= '2018/19' and dimension is null then value + 1 else value end, numerator, denominator, unit, obs_status, "
    "false from marts.indicator_values where academic_year <= '2023/24'",
    "insert into audit.published_values select 'run-20241015', timestamp '2024-10-15 02:06:00', indicator_id, "
    "academic_year, programme_code, dimension, dimension_value, value, numerator, denominator, unit, obs_status, "
    "false from marts.indicator_values where indicator_id = 'I01' and academic_year = '2018/19' and dimension is null",
)


def test_an_as_of_verdict_from_a_revised_baseline_is_not_shown(tmp_path):
    """As of 2024-10-01 the faculty's I01 reads 30 in 2023/24 against the baseline 21 published then;
    the change (+10), change in % (50), status (met) and progress (on track) are today's, from the
    revised baseline 20, and stood beside them: 30 - 10 gave the later publish's 20 (had it become
    1-4, a primary cell of today) and 10 != 30 - 21. A verdict is kept only where the value and its
    baseline are both today's; here neither row is (P2: 10 against 16, today 15)."""
    path = export_fixture_warehouse(tmp_path, *PUBLISHES)
    publication = load(path, "2023/24", as_of="2024-10-01")
    shown = ("value", "baseline_value", "change_abs", "change_pct", "status", "progress")
    faculty = publication.verdict("I01", "2023/24")
    assert [faculty[key] for key in shown] == [30, 21, None, None, None, None]
    p2 = publication.verdict("I01", "2023/24", "P2")
    assert [p2[key] for key in shown] == [10, 16, None, None, None, None]
    # the I02 faculty value and baseline are today's (40 against 25): its verdict stays
    i02 = publication.verdict("I02", "2023/24")
    assert [i02[key] for key in shown] == [40, 25, 15, 60, "met", "on_track"]


def test_an_as_of_export_does_not_overwrite_the_current_export_in_its_folder(tmp_path, capsys):
    """``export --as-of`` writes the current export's file names (the stem names the year, kind and
    language, not the publish): into the current export's folder it replaced it and said "wrote 6
    files". Refused now, one line, nothing written; into a folder of its own it is written, the audit
    reads it as that publish, and a second export of the same publish may share that folder."""
    from indicators import cli
    from indicators.audit.read import read_folder

    path = export_fixture_warehouse(tmp_path, *PUBLISHES)
    base = ["export", "--warehouse", str(path), "--year", "2023/24", "--no-charts", "--out"]
    current = tmp_path / "current"
    assert cli.main([*base, str(current)]) == 0
    before = {file.name: file.read_bytes() for file in current.iterdir()}
    capsys.readouterr()

    assert cli.main([*base, str(current), "--as-of", "2024-10-01"]) == 1
    out, err = capsys.readouterr()
    assert "wrote" not in out and len(err.strip().splitlines()) == 1
    assert "indicators_2023-24_annual_sv_metadata.json" in err and "run run-old" in err
    assert "export into a folder of its own (--out)" in err
    assert {file.name: file.read_bytes() for file in current.iterdir()} == before

    past = tmp_path / "as-of"
    assert cli.main([*base, str(past), "--as-of", "2024-10-01"]) == 0
    assert cli.main([*base, str(past), "--as-of", "2024-10-14", "--lang", "en"]) == 0  # same publish
    # the current export into the as-of folder is refused as well
    assert cli.main([*base, str(past)]) == 1
    assert "holds an export of the publish of run run-old" in capsys.readouterr().err
    reading = read_folder(past)
    assert reading.as_of == "2024-10-01T02:05:00+00:00" and not reading.unread
    # the faculty's I01 2018/19 as run-old published it (21), not today's 20
    assert reading.cells[("I01", "2018/19", None, None, None)].value == 21


def test_as_of_programme_reports_do_not_overwrite_the_current_reports_in_their_folder(tmp_path, capsys):
    """``report --kind programme --all-programmes --as-of DAY`` wrote today's numbers (the --as-of was
    not passed on) under the current reports' names into their folder, "wrote 4 programme reports",
    and no report carried its publish for the folder check to read. Now each report's
    indicators-disclosure comment names it; into the current reports' folder the as-of reports are
    refused, one line, nothing written; into a folder of their own they show run-old's numbers (by
    hand: P1's I01 2018/19 5 + 1 = 6) and the audit reads the folder as that publish."""
    from indicators import cli
    from indicators.audit.read import read_folder

    path = export_fixture_warehouse(tmp_path, *PUBLISHES)
    base = [
        "report",
        "--warehouse",
        str(path),
        "--kind",
        "programme",
        "--all-programmes",
        "--year",
        "2023/24",
    ]
    base += ["--no-charts", "--out"]
    current = tmp_path / "current"
    assert cli.main([*base, str(current)]) == 0
    before = {file.name: file.read_bytes() for file in current.iterdir()}
    capsys.readouterr()

    assert cli.main([*base, str(current), "--as-of", "2024-10-01"]) == 1
    out, err = capsys.readouterr()
    assert "wrote" not in out and len(err.strip().splitlines()) == 1
    assert (
        "holds a report of the latest publish (programme_P1_2023-24_sv.html)" in err and "run run-old" in err
    )
    assert {file.name: file.read_bytes() for file in current.iterdir()} == before

    past = tmp_path / "as-of"
    assert cli.main([*base, str(past), "--as-of", "2024-10-01"]) == 0
    assert cli.main([*base, str(current)]) == 0  # the current reports replace the current ones
    assert cli.main([*base, str(past)]) == 1  # and not the as-of ones
    assert "holds a report of the publish of run run-old" in capsys.readouterr().err
    reading = read_folder(past)
    assert reading.as_of == "2024-10-01T02:05:00+00:00" and not reading.unread
    assert reading.cells[("I01", "2018/19", "P1", None, None)].value == 6
    assert read_folder(current).cells[("I01", "2018/19", "P1", None, None)].value == 5


def test_an_as_of_exports_metadata_gives_the_publishs_time_with_its_offset(tmp_path):
    """The metadata JSON gives every time in ISO 8601 with its offset ('run_finished_at':
    '2024-10-15T02:06:00+00:00'), but the --as-of publish's time as the warehouse keeps it, UTC
    without a zone ('2024-10-01 02:05:00'): a reader takes it for local time, 04:05 in Sweden read as
    02:05. By hand: run-old published at 02:05 UTC on 1 October 2024."""
    import json

    from indicators.export import export

    path = export_fixture_warehouse(tmp_path, *PUBLISHES)
    export(path, tmp_path / "out", "2023/24", as_of="2024-10-01", charts=False)
    meta = json.loads(
        (tmp_path / "out" / "indicators_2023-24_annual_sv_metadata.json").read_text(encoding="utf-8")
    )
    assert meta["as_of"] == {"run_id": "run-old", "published_at": "2024-10-01T02:05:00+00:00"}
    assert meta["data"]["run_finished_at"].endswith("+00:00")  # as every other time of the file


def test_an_as_of_report_is_not_written_into_a_folder_of_another_publish(tmp_path, capsys):
    """``report --as-of 2024-10-01 --out current/report.html`` beside the current export replaced a
    current report of that name with run-old's numbers, or left a folder the audit reads as one
    publish holding two, exit 0. Refused now, one line, nothing written; into a folder of its own
    it is written, and the current report still goes beside the current export."""
    from indicators import cli

    path = export_fixture_warehouse(tmp_path, *PUBLISHES)
    current = tmp_path / "current"
    export_args = [
        "export",
        "--warehouse",
        str(path),
        "--year",
        "2023/24",
        "--no-charts",
        "--out",
        str(current),
    ]
    assert cli.main(export_args) == 0
    base = ["report", "--warehouse", str(path), "--kind", "annual", "--year", "2023/24", "--no-charts"]
    assert cli.main([*base, "--out", str(current / "report.html")]) == 0
    before = {file.name: file.read_bytes() for file in current.iterdir()}
    capsys.readouterr()
    assert cli.main([*base, "--as-of", "2024-10-01", "--out", str(current / "report.html")]) == 1
    out, err = capsys.readouterr()
    assert "wrote" not in out and len(err.strip().splitlines()) == 1 and "run run-old" in err
    assert {file.name: file.read_bytes() for file in current.iterdir()} == before
    assert cli.main([*base, "--as-of", "2024-10-01", "--out", str(tmp_path / "as-of" / "report.html")]) == 0


def test_a_report_written_before_reports_named_their_publish_is_judged_by_its_page(tmp_path, capsys):
    """Reports written before the indicators-disclosure comment named their publish (before 6
    December 2026) were not judged at all: the current report went into a folder holding an old
    --as-of report of run-old, exit 0, and the audit then read the two publishes as one. Such a
    report says its publish on its page ("Siffrorna som körning run-old publicerade dem (...)"), and
    one without that sentence is of the latest publish, as every report without --as-of. The
    fixtures are this code's reports with the comment's as_of taken out, as the older code wrote it."""
    import json
    import re

    from indicators import cli

    path = export_fixture_warehouse(tmp_path, *PUBLISHES)
    base = [
        "report",
        "--warehouse",
        str(path),
        "--kind",
        "annual",
        "--year",
        "2023/24",
        "--no-charts",
        "--out",
    ]

    def as_written_before(report):
        text = report.read_text(encoding="utf-8")
        comment = re.search(r"<!-- indicators-disclosure (\{.*?\}) -->", text)
        links = json.loads(comment.group(1))
        links.pop("as_of")
        report.write_text(text.replace(comment.group(1), json.dumps(links)), encoding="utf-8")

    past, current = tmp_path / "past", tmp_path / "current"
    assert cli.main([*base, str(past / "annual_old.html"), "--as-of", "2024-10-01"]) == 0
    assert cli.main([*base, str(current / "annual_old.html")]) == 0
    as_written_before(past / "annual_old.html")
    as_written_before(current / "annual_old.html")
    before = {file.name: file.read_bytes() for file in past.iterdir()}
    capsys.readouterr()

    # the current report beside run-old's old one: refused, one line naming it and its run
    assert cli.main([*base, str(past / "annual.html")]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert "holds a report of the publish of run run-old" in err and "(annual_old.html)" in err
    assert {file.name: file.read_bytes() for file in past.iterdir()} == before
    # another report of run-old beside it is of the same publish: written
    assert cli.main([*base, str(past / "annual_en.html"), "--as-of", "2024-10-01", "--lang", "en"]) == 0
    # an old report of the latest publish: run-old's does not go beside it, the current one does
    capsys.readouterr()
    assert cli.main([*base, str(current / "annual_as_of.html"), "--as-of", "2024-10-01"]) == 1
    assert "holds a report of the latest publish (annual_old.html)" in capsys.readouterr().err
    assert cli.main([*base, str(current / "annual.html")]) == 0


def test_an_as_of_reports_note_and_refusal_give_the_publishs_time_with_its_offset(tmp_path, capsys):
    """``report --as-of`` said "the numbers as run run-old published them (2024-10-01 02:05:00)" and,
    refused beside the current report, "the publish of run run-old (2024-10-01 02:05:00, --as-of)":
    the warehouse's UTC without a zone, which a reader in Sweden takes for 02:05 of their clock (it
    was 04:05). Both now give it as the metadata does, with its offset. By hand: run-old published
    at 02:05 UTC on 1 October 2024."""
    from indicators import cli

    path = export_fixture_warehouse(tmp_path, *PUBLISHES)
    base = [
        "report",
        "--warehouse",
        str(path),
        "--kind",
        "annual",
        "--year",
        "2023/24",
        "--no-charts",
        "--out",
    ]
    assert cli.main([*base, str(tmp_path / "annual.html")]) == 0
    capsys.readouterr()
    assert cli.main([*base, str(tmp_path / "annual_old.html"), "--as-of", "2024-10-01"]) == 1
    out, err = capsys.readouterr()
    assert "the numbers as run run-old published them (2024-10-01T02:05:00+00:00)" in out
    assert "and this one is of the publish of run run-old (2024-10-01T02:05:00+00:00, --as-of)" in err
