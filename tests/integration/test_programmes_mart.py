"""The programme dimension (marts.programmes) through the real nightly, and the exports reading it.

Hand-made exports dated 2025-06-30 (2024/25 is final): the catalogue holds PA and PB (PB closed
after 2020/21); student mobility in 2024/25 has two outgoing students in PA, one in ZZ (a code
missing from the catalogue) and one exported without a code. Worked out by hand: I01 2024/25 is
4 for the faculty, 2 for PA and 2 for `unknown` (ZZ and the missing code); marts.programmes is PA,
PB and `unknown`, which has no name and is no programme of the catalogue.
"""

from __future__ import annotations

import csv
import dataclasses
import io

import pytest

from helpers import personnummer
from helpers import query as query_warehouse
from indicators import nightly
from indicators.export import ExportError, export
from indicators.report import report, report_all_programmes

# one worker builds the module's fixture (--dist loadgroup), not both
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("programmes_mart")]

PROGRAMMES = """Programkod;Benämning;Name;Nivå;Första läsår;Sista läsår
PA;Program A;Programme A;grundnivå;2016/17;
PB;Program B;;avancerad nivå;2016/17;2020/21
"""


def mobility() -> str:
    header = (
        "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status;ECTS\n"
    )
    codes = ["PA", "PA", "ZZ", ""]
    rows = [
        f"M{k};{personnummer(f'1996{k + 1:02d}12', 981 + k)};utresande;{code};studier;DE;2024-09-01;2025-01-15;"
        "avslutad;30"
        for k, code in enumerate(codes)
    ]
    return header + "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def built(tmp_path_factory, module_key):
    root = tmp_path_factory.mktemp("programmes")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "programmes.csv").write_text(PROGRAMMES, encoding="utf-8")
    (inbox / "student_mobility_2025-06-30.csv").write_text(mobility(), encoding="utf-8")
    from indicators.config import load_settings

    settings = load_settings().with_paths(inbox=inbox, warehouse=root / "state" / "warehouse.duckdb")
    # half the stays have no programme of the catalogue: the error-level limit (5 %) is for real nights
    settings = dataclasses.replace(settings, unknown_programme_error_pct=100.0)
    outcome = nightly.run(settings, with_quality=False, quiet=True)
    assert outcome.published, (outcome.message, outcome.errors)
    return settings


def test_the_dimension_is_the_catalogue_and_unknown(built):
    rows = query_warehouse(built.warehouse, "select * from marts.programmes order by programme_code")
    assert rows == [
        ("PA", "Program A", "Programme A", "first_cycle", "2016/17", None, True),
        (
            "PB",
            "Program B",
            "Program B",
            "second_cycle",
            "2016/17",
            "2020/21",
            True,
        ),  # no English name: the Swedish
        ("unknown", None, None, None, None, None, False),
    ]


def test_a_code_missing_from_the_catalogue_counts_under_unknown(built):
    rows = query_warehouse(
        built.warehouse,
        """
        select programme_code, value from marts.indicator_values
        where indicator_id = 'I01' and academic_year = '2024/25' and dimension is null
        order by programme_code nulls first""",
    )
    assert rows == [(None, 4.0), ("PA", 2.0), ("unknown", 2.0)]
    # every programme code of the marts has its row in the dimension
    missing = query_warehouse(
        built.warehouse,
        """
        select distinct programme_code from marts.indicator_values
        where programme_code is not null
            and programme_code not in (select programme_code from marts.programmes)""",
    )
    assert missing == []


def test_the_exports_name_programmes_from_the_dimension(built, tmp_path):
    export(built.warehouse, tmp_path, "2024/25", lang="en", dialect="standard", charts=False)
    text = (tmp_path / "indicators_2024-25_annual_en_values.csv").read_text(encoding="utf-8")
    names = {
        (row["Programme code"], row["Programme"])
        for row in csv.DictReader(io.StringIO(text, newline=""))
        if row["Indicator"] == "I01"
    }
    assert ("PA", "Programme A") in names and ("unknown", "") in names
    assert {code for code, _ in names} == {"", "PA", "unknown"}


def test_the_programme_reports_are_for_programmes_of_the_catalogue(built, tmp_path):
    # which reports are written, and for whom: the charts (seconds to draw) are left out
    written = report_all_programmes(built.warehouse, tmp_path, "2024/25", lang="en", charts=False)
    assert [path.name for path in written] == ["programme_PA_2024-25_en.html"]
    assert "Programme A" in written[0].read_text(encoding="utf-8")
    with pytest.raises(ExportError, match=r"no programme 'unknown' with values \(the programmes: PA\)"):
        report(
            built.warehouse, tmp_path / "unknown.html", kind="programme", year="2024/25", programme="unknown"
        )
