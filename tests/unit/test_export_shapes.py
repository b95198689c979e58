"""Shapes real exports write that the sample generator does not: read through the configured contracts."""

from __future__ import annotations

import datetime as dt

import polars as pl

from helpers import personnummer
from indicators import normalise as module
from indicators.config import project_root
from indicators.identity import Pseudonymiser
from indicators.sources import load_sources

SPECS = {(s.name, s.profile): s for s in load_sources(project_root() / "pipelines")}
for _spec in list(SPECS.values()):
    SPECS |= {(p.name, p.profile): p for p in _spec.profiles}


def _normalise(columns: dict[str, list[str]], source: str = "student_mobility", profile: str | None = None):
    """The loaded rows, the quarantine's reasons by row number and the warnings of one read export."""
    frame = pl.DataFrame(columns, schema={name: pl.String for name in columns}).with_row_index(
        "_row_number", offset=2
    )
    result = module.normalise(
        frame, SPECS[source, profile], Pseudonymiser(b"test-key-not-for-production-0123")
    )
    return result.good_rows(), dict(result.quarantine.select("_row_number", "reason").rows()), result.warnings


def test_moveon_dates_with_the_months_name_read():
    # MoveON's and SoleMove's English exports write a date with its month's name: 'Sep 1, 2020',
    # '1 September 2020', an Oracle-style '01-Sep-2020', a Swedish '1 okt. 2020': each row was
    # quarantined as an invalid date though anyone reads it. A day that is none (Sep 31) or a year
    # of two digits (01-SEP-20) is still invalid
    starts = ["Sep 1, 2020", "1 September 2020", "01-Sep-2020", "1 okt. 2020", "Jan 18, 2021 12:00:00 AM"]
    starts += ["Sep 31, 2020", "01-SEP-20"]
    n = len(starts)
    rows, reasons, _ = _normalise(
        {
            "Mobility ID": [f"M{i}" for i in range(n)],
            "Student ID": [personnummer(f"190001{i + 1:02d}", 981 + i) for i in range(n)],
            "Direction": ["Outgoing"] * n,
            "Mobility type": ["Studies"] * n,
            "Host country": ["Czechia"] * n,
            "Start date": starts,
            "End date": ["Jan 31, 2021"] * n,
            "Status": ["Completed"] * n,
        }
    )
    assert rows.select("mobility_id", "start_date", "end_date").rows() == [
        ("M0", dt.date(2020, 9, 1), dt.date(2021, 1, 31)),
        ("M1", dt.date(2020, 9, 1), dt.date(2021, 1, 31)),
        ("M2", dt.date(2020, 9, 1), dt.date(2021, 1, 31)),
        ("M3", dt.date(2020, 10, 1), dt.date(2021, 1, 31)),
        ("M4", dt.date(2021, 1, 18), dt.date(2021, 1, 31)),
    ]
    assert rows["start_date_precision"].to_list() == ["day"] * 5
    assert reasons == {
        7: "invalid date in start_date: 'Sep 31, 2020'",
        8: "invalid date in start_date: '01-SEP-20'",
    }


def test_moveon_countries_by_their_iso_names_read():
    # MoveON and Mobility-Online list countries by ISO 3166's names: the qualifier in brackets or after a
    # comma, an article '(the)', the World Bank's 'Slovak Republic': each such row was quarantined as an
    # invalid country though its name is the country's own. 'Congo (the)' is Brazzaville, the
    # Democratic Republic's name says so; a name of no country stays invalid
    written = {
        "Iran (Islamic Republic of)": "IR",
        "Netherlands (the)": "NL",
        "Korea (the Republic of)": "KR",
        "United Kingdom of Great Britain and Northern Ireland (the)": "GB",
        "Bolivia (Plurinational State of)": "BO",
        "Congo, The Democratic Republic of the": "CD",
        "Congo (the)": "CG",
        "Taiwan, Province of China": "TW",
        "Palestine, State of": "PS",
        "Brunei Darussalam": "BN",
        "Slovak Republic": "SK",
        "Hong Kong SAR": "HK",
        "Holy See (Vatican City State)": "VA",
        "Atlantis (the)": None,
    }
    n = len(written)
    rows, reasons, _ = _normalise(
        {
            "Mobility ID": [f"M{i:02d}" for i in range(n)],
            "Student ID": [personnummer(f"190001{i + 1:02d}", 981 + i % 19) for i in range(n)],
            "Direction": ["Incoming"] * n,
            "Mobility type": ["Studies"] * n,
            "Host country": list(written),
            "Start date": ["2020-09-01"] * n,
            "Status": ["Completed"] * n,
        }
    )
    assert rows["partner_country"].to_list() == [code for code in written.values() if code]
    assert reasons == {n + 1: "invalid country in partner_country: 'Atlantis (the)'"}
