"""What a rebuild from the archive gives back of the dated deliveries without rows of their own:
a loaded export delivered again, byte for byte, under a later dated name (``skipped``) and a
monthly delta's empty month (header only: ``rejected``, 'no data rows'). The coverage reads their
dates (stg_audit__deliveries, int_sources_bounded: the latest extraction date of a source's dated
deliveries is its coverage end), so a rebuild that forgot them moved the coverage end back.

The runs here are the real ingest and rebuild without dbt (``nightly.run``, ``stop_after="ingest"``);
the coverage end is read from the restored ``audit.loaded_files`` by stg_audit__deliveries' own
filter, written out below. Every expected value is worked out by hand from the files written here.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from helpers import personnummer
from helpers import query as query_warehouse
from indicators import nightly
from privacy_scan import identifiers_in, scan

ACTIVITIES_HEADER = "Activity ID,Date,Category,Program,Title,Students\n"
STAFF_HEADER = "UtbytesID;Personnummer;Riktning;Personalkategori;Typ av utbyte;Programkod;Land;Startdatum;Slutdatum;Status\n"
STAFF = (
    STAFF_HEADER
    + f"S1;{personnummer('19000101', 981)};utresande;lärare;undervisning;PA;FI;2023-10-02;2023-10-06;genomförd\n"
)
# a header-only export whose name a user gave a personnummer (the person who took it): recorded redacted
NAMED = f"aktivitetslogg_{personnummer('19000102', 982)}_2024-08-31.csv"

# stg_audit__deliveries: a loaded file, or a dated file without rows of its own
DELIVERIES = """
    select source, max(extraction_date) from audit.loaded_files
    where status = 'loaded' or (extraction_date is not null and source is not null
        and (status = 'skipped' or (status = 'rejected' and starts_with(reason, 'no data rows'))))
    group by source order by source
"""


def run(settings_for, inbox: Path, warehouse: Path, rebuild: bool = False):
    settings = settings_for(inbox, warehouse)
    outcome = nightly.run(
        settings, with_dbt=False, with_quality=False, stop_after="ingest", quiet=True, rebuild=rebuild
    )
    assert outcome.published, (outcome.message, outcome.errors)


def write_inbox(inbox: Path) -> None:
    inbox.mkdir()
    # activities as monthly deltas: January's holds one activity, June's and August's are empty months
    (inbox / "activities_2024-01-31.csv").write_text(
        ACTIVITIES_HEADER + "H1,2023-11-15,iah_activity,PA,Global health day,30\n", encoding="utf-8"
    )
    (inbox / "activities_2024-06-30.csv").write_text(ACTIVITIES_HEADER, encoding="utf-8")
    (inbox / NAMED).write_text(ACTIVITIES_HEADER, encoding="utf-8")
    # staff mobility as whole exports: May's is March's again, byte for byte (nothing new)
    (inbox / "staff_mobility_2024-03-01.csv").write_text(STAFF, encoding="utf-8")
    (inbox / "staff_mobility_2024-05-31.csv").write_text(STAFF, encoding="utf-8")


def test_a_rebuild_keeps_the_dated_deliveries_without_rows_that_move_the_coverage_end(settings_for, tmp_path):
    inbox = tmp_path / "inbox"
    write_inbox(inbox)
    identifiers = identifiers_in(inbox)
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    run(settings_for, inbox, warehouse)
    run(settings_for, inbox, warehouse)  # the loaded exports are still in the inbox: skipped again

    # by hand: activities reach 31 August 2024 (the empty month named with a personnummer), staff
    # mobility 31 May 2024 (March's rows delivered again); both exports with rows reach less far
    expected = [("activities", dt.date(2024, 8, 31)), ("staff_mobility", dt.date(2024, 5, 31))]
    assert query_warehouse(warehouse, DELIVERIES) == expected
    files = "select file_id, file_name, status, extraction_date from audit.loaded_files order by file_id"
    before = query_warehouse(warehouse, files)
    assert [(status, day) for _, _, status, day in before[:5]] == [
        ("loaded", dt.date(2024, 1, 31)),
        ("rejected", dt.date(2024, 6, 30)),
        ("rejected", dt.date(2024, 8, 31)),
        ("loaded", dt.date(2024, 3, 1)),
        ("skipped", dt.date(2024, 5, 31)),
    ]
    # the second night recorded all five again (files 6 to 10), each under its same date and bytes:
    # nothing the coverage reads anew; the archive keeps one line per source, identity and date
    assert len(before) == 10
    distinct = "select count(distinct (source, sha256, extraction_date)) from audit.loaded_files"
    assert query_warehouse(warehouse, distinct) == [(5,)]

    run(settings_for, inbox, warehouse, rebuild=True)

    assert query_warehouse(warehouse, DELIVERIES) == expected  # old code: 2024-01-31 and 2024-03-01
    assert query_warehouse(warehouse, files) == before[:5]  # the same file ids, names (redacted), dates
    run(settings_for, inbox, warehouse)  # the next night's files are numbered after every restored one
    assert query_warehouse(warehouse, files) == before
    archive = warehouse.parent / "archive"
    lines = [json.loads(line) for line in (archive / "manifest.jsonl").read_text().splitlines()]
    assert sorted((line["file_id"], line.get("kind", "rows")) for line in lines) == [
        (1, "rows"), (2, "delivery"), (3, "delivery"), (4, "rows"), (5, "delivery")
    ]  # fmt: skip
    # nothing in clear: the name with a personnummer is redacted there as in the warehouse
    findings = scan([archive, warehouse.parent], identifiers, skip=[warehouse.parent / "rejected"])
    assert not findings, "\n".join(map(str, findings[:10]))


def test_an_archive_from_before_its_delivery_lines_gets_them_from_the_published_warehouse(
    settings_for, tmp_path, capsys
):
    inbox = tmp_path / "inbox"
    write_inbox(inbox)
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    run(settings_for, inbox, warehouse)
    manifest = warehouse.parent / "archive" / "manifest.jsonl"
    lines = manifest.read_text().splitlines()
    manifest.write_text("".join(f"{line}\n" for line in lines if '"kind": "delivery"' not in line))
    assert len(manifest.read_text().splitlines()) == 2  # as an archive written before them holds
    settings = settings_for(inbox, warehouse)
    outcome = nightly.run(settings, with_dbt=False, with_quality=False, stop_after="ingest")
    assert outcome.published, (outcome.message, outcome.errors)
    # the three of the first night (files 2, 3, 5); the second night's repeat them: no line more
    assert (
        "archive: 3 dated deliveries without rows of their own (a re-delivery, an empty month) of the "
        "published warehouse were not archived yet; archived now"
    ) in capsys.readouterr().out
    assert sorted(json.loads(line)["file_id"] for line in manifest.read_text().splitlines()) == [
        1,
        2,
        3,
        4,
        5,
    ]
