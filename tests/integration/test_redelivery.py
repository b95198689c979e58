"""A sheet without ids delivered again: rows of the earlier delivery it no longer holds are named.

The hand-kept teacher sheet (profile handkept: mobility_id generated from the whole row) is delivered
twice through the real `indicators ingest`. The second delivery repeats the Wien row, corrects the
Helsinki row's end (45730 → 45731, with a note) and adds a Prague row. The corrected row gets a new
key, the earlier version keeps its own: both are in raw, both count. By hand: earlier keys 2 (Wien,
Helsinki), shared with the new file 1 (Wien), missing from it 1 (Helsinki, 45730) → one warning,
exit 2. A file of other rows only (another period's sheet) shares no key: no warning.
"""

from __future__ import annotations

from pathlib import Path

from conftest import TEST_KEY
from helpers import cli_in_process, query

ROOT = Path(__file__).resolve().parents[2]
TITLE = "Lärarutbyten\nUppdaterad av IA\nPersonnummer;Riktning;Kategori;Aktivitet;Partner;Land;Från;Till;Anteckning"
# fictitious persons: born 1900-01-01, serial numbers 980-982, Luhn check digits
WIEN = "19000101-9801;Utresande;Lärare;Undervisning;Universität Wien;AT;2024-10-07;45576;"
HELSINKI = "19000101-9819;Utresande;Lärare;Undervisning;University of Helsinki;FI;2025-03-10;45730;"
HELSINKI_FIXED = (
    "19000101-9819;Utresande;Lärare;Undervisning;University of Helsinki;FI;2025-03-10;45731;rättad"
)
PRAGUE = "19000101-9827;Inresande;Lärare;Undervisning;Charles University;CZ;2025-04-22;45772;"
ROME = "19000101-9827;Inresande;Lärare;Undervisning;Sapienza;IT;2025-05-12;45793;"


def _deliver(tmp_path: Path, name: str, rows: list[str]):
    inbox = tmp_path / name.split(".")[0]
    inbox.mkdir()
    (inbox / name).write_text("\n".join([TITLE, *rows]) + "\n", encoding="utf-8")
    env = {
        "INDICATORS_HOME": str(ROOT),
        "INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY,
        "INDICATORS_SETTLE_SECONDS": "0",
    }
    warehouse = tmp_path / "wh" / "warehouse.duckdb"
    return cli_in_process(
        "ingest", "--inbox", str(inbox), "--warehouse", str(warehouse), "-q", env=env
    ), warehouse


def test_a_redelivery_without_ids_names_the_earlier_rows_it_no_longer_holds(tmp_path):
    first, _ = _deliver(tmp_path, "lärarutbyten_manuell_2025-06-30.csv", [WIEN, HELSINKI])
    assert first.returncode == 0, first.stdout + first.stderr
    second, warehouse = _deliver(
        tmp_path, "lärarutbyten_manuell_2025-09-30.csv", [WIEN, HELSINKI_FIXED, PRAGUE]
    )
    assert second.returncode == 2, second.stdout + second.stderr
    warning = (
        "warning: lärarutbyten_manuell_2025-09-30.csv: 1 rows of earlier deliveries of this export "
        "(lärarutbyten_manuell_2025-06-30.csv) are not in this file and still count"
    )
    assert warning in second.stdout
    # both Helsinki versions are loaded (distinct keys) and the file's reason says so
    stays = query(warehouse, "select count(distinct mobility_id) from raw.staff_mobility")
    assert stays == [(4,)]
    reason = query(warehouse, "select reason from audit.loaded_files where file_name like '%09-30%'")[0][0]
    assert "1 rows of earlier deliveries" in reason and "generate: row" in reason
    # another period's sheet: no row shared with the earlier deliveries, nothing to say
    third, _ = _deliver(tmp_path, "lärarutbyten_manuell_2025-12-31.csv", [ROME])
    assert third.returncode == 0, third.stdout + third.stderr
    assert "earlier deliveries" not in third.stdout


def test_a_person_read_as_a_uid_by_an_earlier_reading_is_named_when_delivered_again(tmp_path):
    # a personnummer typed with '_' (19000101_9801) was read as a system's uid until the reading took the
    # redaction rule's separators (476e477): last year's rows hold the uid's pseudonym, HMAC of
    # 'uid:19000101_9801' (set below as the earlier ingest wrote it). Delivered again as the same text
    # this year it is read as the personnummer: another pseudonym, the person counted twice across the
    # years without a word. By hand: 1 person of the second file (19000101_9801; 19000101-9819 was read
    # alike by both readings) with 1 earlier row under the uid's pseudonym -> one warning, exit 2. Only
    # rows that still count are named: a row this file replaces (its key) is not
    from indicators.identity import Pseudonymiser

    first, warehouse = _deliver(
        tmp_path, "lärarutbyten_manuell_2025-06-30.csv", [WIEN.replace("-", "_", 1), HELSINKI]
    )
    assert first.returncode == 0, first.stdout + first.stderr
    import duckdb

    pseudonyms = Pseudonymiser(TEST_KEY.encode())
    con = duckdb.connect(str(warehouse))
    con.execute(
        "update raw.staff_mobility set staff_id = ? where staff_id = ?",
        [pseudonyms.digest("uid:19000101_9801"), pseudonyms.digest("190001019801")],
    )
    con.close()
    second, _ = _deliver(
        tmp_path,
        "lärarutbyten_manuell_2025-12-31.csv",
        [PRAGUE.replace("19000101-9827", "19000101_9801"), ROME.replace("19000101-9827", "19000101-9819")],
    )
    assert second.returncode == 2, second.stdout + second.stderr
    warning = (
        "warning: lärarutbyten_manuell_2025-12-31.csv: staff_id: 1 persons of this file are read otherwise "
        "than earlier deliveries read the same text (a personnummer or T-number written with '_', '.', ':' or "
        "a small 't' (19000101_NNNN, 000101-tNNN), read as a system's id before the reading took these "
        "forms): their 1 earlier rows (raw.staff_mobility 1) keep that other pseudonym"
    )
    assert warning in second.stdout
    # the first file's row delivered again as it was (the same generated key): this file replaces it,
    # staging reads its new version only, and the person's other row holds the new pseudonym: no word
    third, _ = _deliver(tmp_path, "lärarutbyten_manuell_2026-03-31.csv", [WIEN.replace("-", "_", 1)])
    assert "read otherwise than earlier deliveries" not in third.stdout, third.stdout
