"""A personnummer in a seed a user edits (the annotations, a plan's targets) stops the run in one line.

dbt loads a seed as it is written into the warehouse's ``reference`` tables, and from there into the
marts and the BI files: a note 'Kontakt handläggare 19000201-98NN' in seeds/annotations.csv was
published in clear (reference.annotations, marts.annotations, bi/annotations.csv and .parquet), the
ingest's redaction never seeing it. Synthetic personnummer: 1900-02-01, serial 983, check digit by
helpers.personnummer (Luhn on 000201983: 0,0,0,2,0,1,18->9,8,6 -> 26 -> 4).
"""

from __future__ import annotations

import dataclasses

import pytest

from helpers import personnummer
from indicators.archive import Archive
from indicators.nightly import preflight


def test_a_personnummer_in_a_seed_stops_the_run_before_anything_is_loaded(tmp_path, settings_for):
    pnr = personnummer("19000201", 983)
    assert pnr == "190002019834"  # worked out by hand above
    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    (project / "seeds" / "plans.csv").write_text(  # years, a range of years, a plan's id: no personnummer
        "plan_id,name_sv,first_year,last_year\nMED-2019,Handlingsplan 2019–2024,2019/20,2024/25\n",
        encoding="utf-8",
    )
    (project / "seeds" / "annotations.csv").write_text(
        "annotation_id,academic_year_from,academic_year_to,indicator_id,kind,text_sv,text_en\n"
        "A01,2019/20,2021/22,,covid19,Pandemin,The pandemic\n"
        f"A99,2021/22,2021/22,,programme_change,Kontakt handläggare {pnr[:8]}-{pnr[8:]},Contact {pnr[2:]}\n",
        encoding="utf-8",
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    settings = dataclasses.replace(settings_for(inbox, tmp_path / "state" / "warehouse.duckdb"), root=project)
    with pytest.raises(preflight.RunStopped) as stopped:
        preflight.before_copy(settings, Archive(tmp_path / "state" / "archive"), print, False, b"k" * 32, "r")
    assert str(stopped.value) == (
        "seeds/annotations.csv line 3 holds a personnummer (A99,2021/22,2021/22,,programme_change,Kontakt "
        "handläggare [personnummer],Contact [personnummer]): a seed is published as it is written; take the "
        "number out of the file and run again. Nothing was run; the last publish stands"
    )
    assert not (tmp_path / "state" / "warehouse.duckdb").exists()


def test_the_projects_own_seeds_hold_no_personnummer(settings_for, tmp_path):
    # the plans' years, ranges of years, dates and codes: none is read as a personnummer
    settings = settings_for(tmp_path, tmp_path / "state" / "warehouse.duckdb")
    assert preflight.seed_with_personnummer(settings.root) is None


def test_a_note_with_a_date_and_a_count_is_text_and_the_night_runs(tmp_path, settings_for):
    # 'Campus stängt 2020-03-15, 1500 studenter' written without its comma: the rule's shape of a
    # personnummer written with its date as a date (2003151500), which a message redacts. Its check
    # digit does not hold (Luhn on 200315150: 4,0,0,3,2,5,2,5,0 -> 21 -> 9, the text has 0): no person's
    # number, so the seed stops nothing. A reserve number (19000101-TF10, letters in its serial) still
    # stops it: it has no check digit to hold.
    project = tmp_path / "project"
    (project / "seeds").mkdir(parents=True)
    notes = project / "seeds" / "annotations.csv"
    header = "annotation_id,academic_year_from,academic_year_to,indicator_id,kind,text_sv,text_en\n"
    notes.write_text(
        header + "A01,2019/20,2019/20,,covid19,Campus stängt 2020-03-15 1500 studenter,Campus closed\n",
        encoding="utf-8",
    )
    assert preflight.seed_with_personnummer(project) is None
    notes.write_text(header + "A02,2019/20,2019/20,,other,Reservnummer 19000101-TF10,Reserve number\n")
    assert preflight.seed_with_personnummer(project).startswith(
        "seeds/annotations.csv line 2 holds a personnummer"
    )
