"""GX on Parquet chunks gives the same results as on the whole frame (counts added up, uniqueness whole)."""

from __future__ import annotations

from dataclasses import astuple

import pyarrow.parquet as pq

from helpers import personnummer
from indicators import quality
from indicators.config import load_settings
from indicators.quality import gx


def above(warehouse, values: dict[str, float]) -> None:
    """ECTS above the range in raw rows, as an ingest bug would leave them."""
    import duckdb

    con = duckdb.connect(str(warehouse))
    try:
        for mobility_id, ects in values.items():
            con.execute(
                "update raw.student_mobility set credits_ects = ? where mobility_id = ?", [ects, mobility_id]
            )
    finally:
        con.close()


HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status;ECTS\n"


def test_chunked_validation_matches_whole_frame_validation(tmp_path, ingest, monkeypatch):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [
        f"C{i};{personnummer('19970303', 980 + i)};ut;PA;studier;GB;2019-09-01;2020-01-15;avslutad;{ects}"
        for i, ects in enumerate([30, 30, 30, 30, 15, 30, 7.5])
    ]
    (inbox / "student_mobility_1.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    _, warehouse = ingest(inbox)
    # two above the 0-120 range, as an ingest bug would leave them (in the file, the ingest
    # quarantines such a row: thresholds.yml's error-level range)
    above(warehouse, {"C1": 150, "C3": 200})
    settings = load_settings().with_paths(inbox=inbox, warehouse=warehouse)

    whole = quality.execute(quality.prepare(settings, warehouse, ["student_mobility"]), lambda line: None)
    monkeypatch.setattr(gx, "CHUNK_ROWS", 2)  # 7 rows: four chunks
    spilled = quality.prepare(settings, warehouse, ["student_mobility"], spill_dir=tmp_path / "spill")
    chunked = quality.execute(spilled, lambda line: None)

    def key(row):
        return (row.check_name, row.success, row.failing_count)

    assert sorted(map(key, chunked)) == sorted(map(key, whole))
    [ects] = [
        row
        for row in chunked
        if row.check_name.startswith("expect_column_values_to_be_between")
        and "credits_ects" in row.check_name
    ]
    assert (ects.success, ects.failing_count) == (False, 2)
    assert "150" in ects.details and "200" in ects.details


def test_a_duplicated_key_is_named_by_its_value_not_its_hash(tmp_path):
    from types import SimpleNamespace

    import duckdb

    path = tmp_path / "rows.parquet"
    duckdb.sql(
        "select *, hash(mobility_id) as h from (values ('M1'), ('M2'), ('M2'), ('M3')) as t(mobility_id)"
    ).write_parquet(str(path))
    duplicated = duckdb.sql("select hash('M2')").fetchall()[0][0]
    result = SimpleNamespace(result={"partial_unexpected_counts": [{"value": duplicated, "count": 2}]})
    gx.show_keys_for_hashes(result, path, "h", ["mobility_id"])
    assert result.result["partial_unexpected_counts"] == [{"value": "M2", "count": 2}]


def test_no_chunk_stays_in_memory_after_it_is_validated(tmp_path, ingest, monkeypatch):
    # GX's execution engine caches every batch and metric it ever saw; left alone, memory grew with
    # every chunk (6 GB at scale 1000). After validation no frame of a chunk's size may remain alive.
    import gc

    import pandas as pd

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    rows = [  # 600 distinct ECTS values: current_values has 600 rows
        f"K{i};{personnummer('19970303', 900 + i % 99)};ut;PA;studier;GB;2019-09-01;2020-01-15;avslutad;{i / 10}"
        for i in range(600)
    ]
    (inbox / "student_mobility_1.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    _, warehouse = ingest(inbox)
    settings = load_settings().with_paths(inbox=inbox, warehouse=warehouse)
    monkeypatch.setattr(gx, "CHUNK_ROWS", 100)  # six chunks
    seen: list[int] = []
    validate = gx.validate_frame

    def counting(frames, plan, frame_name, frame, expectations, asset):
        result = validate(frames, plan, frame_name, frame, expectations, asset)
        if len(seen) < 7:  # the schema frame and the six chunks; a full collection costs 0.25 CPU-s
            gc.collect()
            seen.append(sum(1 for o in gc.get_objects() if isinstance(o, pd.DataFrame) and len(o) == 100))
        return result

    monkeypatch.setattr(gx, "validate_frame", counting)
    quality.execute(
        quality.prepare(settings, warehouse, ["student_mobility"], spill_dir=tmp_path / "spill"),
        lambda line: None,
    )
    chunk_counts = seen[1:7]  # after the schema frame: the six chunks of current_values
    assert len(chunk_counts) == 6
    assert max(chunk_counts) <= 1  # at most the chunk the loop still holds, never the earlier ones


def test_examples_are_counted_as_gx_summary_counts_them():
    # BASIC gives the first unexpected values; their counts are made as SUMMARY makes them: most
    # frequent first, ties by value; a multicolumn example (a dict) counts as the tuple of its values
    from types import SimpleNamespace

    result = SimpleNamespace(result={"partial_unexpected_list": ["XX", "QQ", "XX", "AB", "QQ", "XX"]})
    gx._count_examples(result)
    assert result.result["partial_unexpected_counts"] == [
        {"value": "XX", "count": 3},
        {"value": "QQ", "count": 2},
        {"value": "AB", "count": 1},
    ]
    pairs = SimpleNamespace(result={"partial_unexpected_list": [{"a": 1, "b": 2}, {"a": 1, "b": 2}]})
    gx._count_examples(pairs)
    assert pairs.result["partial_unexpected_counts"] == [{"value": (1, 2), "count": 2}]
    counted_by_gx = SimpleNamespace(
        result={
            "partial_unexpected_list": ["XX", "QQ"],
            "partial_unexpected_counts": [{"value": "XX", "count": 9}],
        }
    )
    gx._count_examples(counted_by_gx)
    assert counted_by_gx.result["partial_unexpected_counts"] == [{"value": "XX", "count": 9}]
    table_level = SimpleNamespace(result={"observed_value": 7})
    gx._count_examples(table_level)
    assert table_level.result == {"observed_value": 7}


def test_value_checks_on_distinct_values_count_rows(tmp_path, ingest, monkeypatch):
    # current_values holds each distinct value once with its number of rows: the counts GX reports
    # must still be rows. Seven rows: ECTS 150 three times and 200 once (above 0-120), 30 twice, one
    # empty; partner country GB five times, "gb" twice (the ingest writes both GB).
    from indicators.quality import frames

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    cells = [
        ("150", "GB"),
        ("150", "gb"),
        ("150", "GB"),
        ("200", "GB"),
        ("30", "gb"),
        ("30", "GB"),
        ("", "GB"),
    ]
    rows = [  # 30 where the cell says 150 or 200: those are set after the ingest, which quarantines them
        f"V{i};{personnummer('19970303', 980 + i)};ut;PA;studier;{country};2019-09-01;2020-01-15;avslutad;"
        + (ects if ects in ("30", "") else "30")
        for i, (ects, country) in enumerate(cells)
    ]
    (inbox / "student_mobility_1.csv").write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    _, warehouse = ingest(inbox)
    above(warehouse, {f"V{i}": float(ects) for i, (ects, _) in enumerate(cells) if ects in ("150", "200")})
    settings = load_settings().with_paths(inbox=inbox, warehouse=warehouse)

    def checks(spill_dir=None):
        prepared = quality.prepare(settings, warehouse, ["student_mobility"], spill_dir=spill_dir)
        by_name = {row.check_name: row for row in quality.execute(prepared, lambda line: None)}
        return prepared.plans[0], by_name

    plan, on_values = checks()
    values = plan.frames[quality.VALUES]
    assert len(values) == 4  # the longest column, ECTS: 150, 30, 200 and null
    ects = on_values["expect_column_values_to_be_between(credits_ects)"]
    assert (ects.success, ects.failing_count) == (False, 4)
    assert ects.observed_value == "4 of 7 rows unexpected (1 null, not counted)"
    assert ects.details == "4 rows, e.g. 150 (3), 200 (1)"
    country = on_values["expect_column_values_to_match_regex(partner_country)"]
    assert (country.success, country.observed_value) == (True, "0 of 7 rows unexpected")
    assert on_values["expect_column_values_to_not_be_null(partner_country)"].observed_value == (
        "0 of 7 rows unexpected"
    )
    # the same words as GX on the rows themselves (every value check sent to the current rows)
    monkeypatch.setattr(frames, "VALUE_CHECKS", frozenset())
    plan, on_rows = checks()
    assert quality.VALUES not in plan.frames and len(plan.frames["current"]) == 7
    assert {name: astuple(row) for name, row in on_rows.items()} == {
        name: astuple(row) for name, row in on_values.items()
    }


def test_a_shortened_list_of_unexpected_values_is_read_from_the_frame():
    # weigh takes the values from GX's unexpected_list; if GX gave fewer values than row indexes,
    # they are read from the frame at those rows. Rows b (2) and c (4) unexpected: 6 of 9.
    from types import SimpleNamespace

    import pandas as pd

    frame = pd.DataFrame({"c": ["AA", "b", "c", "AA"], quality.weight_column("c"): [3, 2, 4, 0]})
    result = SimpleNamespace(
        result={
            "element_count": 4,
            "unexpected_count": 2,
            "missing_count": 0,
            "unexpected_index_list": [1, 2],
            "unexpected_list": ["b"],
        }
    )
    data = gx.weigh(result, frame, "c").result
    assert (data["element_count"], data["unexpected_count"], data["missing_count"]) == (9, 6, 0)
    assert data["partial_unexpected_counts"] == [{"value": "c", "count": 4}, {"value": "b", "count": 2}]


def _same_stay_checks(rows) -> dict[str, tuple[bool, int]]:
    return {
        row.check_name.rsplit(" ", 1)[1]: (row.success, row.failing_count)
        for row in rows
        if row.check_name.startswith("expect_compound_columns_to_be_unique(student_id")
    }


def test_stays_delivered_again_under_new_ids_are_a_warning_and_above_5_percent_an_error(tmp_path, ingest):
    # 39 stays of 39 persons; then one of them again under a new mobility id (2 of 40 rows are the
    # same stay: 5 %, a warning), or all 39 again (78 of 78 rows: every count of stays doubled, an error)
    stays = [
        f"{personnummer(f'199703{1 + i // 2:02d}', 980 + i % 2)};ut;PA;studier;GB;2019-09-{1 + i % 28:02d};"
        f"2020-01-15;avslutad;30"
        for i in range(39)
    ]
    first = HEADER + "".join(f"C{i};{stay}\n" for i, stay in enumerate(stays))
    found = {}
    for case, again in {"one": stays[:1], "all": stays}.items():
        inbox = tmp_path / case / "inbox"
        inbox.mkdir(parents=True)
        (inbox / "student_mobility_2019-10-01.csv").write_text(first, encoding="utf-8")
        (inbox / "studentutbyte_export_2019-10-02.csv").write_text(
            HEADER + "".join(f"MO-{i};{stay}\n" for i, stay in enumerate(again)), encoding="utf-8"
        )
        _, warehouse = ingest(inbox, tmp_path / case / "state" / "warehouse.duckdb")
        settings = load_settings().with_paths(inbox=inbox, warehouse=warehouse)
        # as the nightly reads them: from Parquet files, uniqueness on a hash of the columns
        spilled = quality.prepare(
            settings, warehouse, ["student_mobility"], spill_dir=tmp_path / case / "spill"
        )
        found[case] = _same_stay_checks(quality.execute(spilled, lambda line: None))
        # one hash column per key: mobility_id's, and one for the two same_stay checks together
        hashed = pq.ParquetFile(
            tmp_path / case / "spill" / "student_mobility__keys.parquet"
        ).schema_arrow.names
        assert len([name for name in hashed if name.startswith("__unique_")]) == 2
    assert found["one"] == {"same_stay": (False, 2), "same_stay_share": (True, 2)}
    assert found["all"] == {"same_stay": (False, 78), "same_stay_share": (False, 78)}
    severities = {
        e["meta"]["label"]: e["meta"]["severity"]
        for e in quality.load_suite(load_settings().root / "expectations" / "raw_student_mobility.json")[
            "expectations"
        ]
        if e["meta"].get("label", "").startswith("same_stay")
    }
    assert severities == {"same_stay": "warn", "same_stay_share": "error"}
