"""A delivered file's identity is keyed (indicators.fileid): the plain sha256 of an export is stored
nowhere, and a warehouse and archive made when it was (the old form, made here by hand from a new
one: the plain digests put back, the marker dropped) are migrated once, without the exports, and go
on recognising their files.

Why it matters: a one-row delta file (a header and one row) is named by its plain sha256: hashing the
row's text with each plausible personnummer (about 40 million) finds the one that gives the digest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from conftest import TEST_KEY
from helpers import cli_in_process, ingest_args, personnummer, query

HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Status\n"


def plain(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def keyed(digest: str) -> str:
    """The identity worked out by hand: HMAC-SHA256(key, "file:" + the file's sha256 in hex)."""
    return hmac.new(TEST_KEY.encode(), f"file:{digest}".encode(), hashlib.sha256).hexdigest()


def one_row_inbox(folder: Path) -> Path:
    """A one-row delta file (the shape the attack needs), a file with a quarantined row (a wrong check
    digit: the archive's _quarantine part) and a rejected file (the rejected-before map)."""
    folder.mkdir(parents=True)
    (folder / "student_mobility_2024-01-01.csv").write_text(
        HEADER + f"K1;{personnummer('19000101', 981)};ut;MAMED;studier;GB;2019-09-01;avslutad\n",
        encoding="utf-8",
    )
    bad = personnummer("19000102", 982)
    bad = bad[:11] + str((int(bad[11]) + 1) % 10)
    (folder / "student_mobility_2024-02-01.csv").write_text(
        HEADER
        + f"K2;{personnummer('19000103', 983)};ut;MAMED;studier;GB;2019-09-01;avslutad\n"
        + f"K3;{bad};ut;MAMED;studier;GB;2019-09-01;avslutad\n",
        encoding="utf-8",
    )
    (folder / "student_mobility_broken.csv").write_text("Utbytes-ID;Land\nK9;GB\n", encoding="utf-8")
    return folder


def ingest(inbox: Path, warehouse: Path, **env: str):
    return cli_in_process(
        *ingest_args(inbox, warehouse), env={"INDICATORS_PSEUDONYMISATION_KEY": TEST_KEY, **env}
    )


def stored(warehouse: Path) -> dict[str, set[str]]:
    rows = query(warehouse, "select file_name, sha256 from audit.loaded_files where sha256 <> ''")
    found: dict[str, set[str]] = {}
    for name, digest in rows:
        found.setdefault(name, set()).add(digest)
    return found


def files_holding(root: Path, text: str) -> list[str]:
    """Every file under ``root`` whose name or bytes hold ``text``."""
    return [
        str(path)
        for path in root.rglob("*")
        if path.is_file() and (text in path.name or text.encode() in path.read_bytes())
    ]


def downgrade(state: Path, plains: set[str]) -> None:
    """The warehouse and archive as the code before the keyed identity left them: plain sha256s in
    audit.loaded_files, the archive's names and its manifest lines, no audit.warehouse_meta."""
    back = {keyed(d): d for d in plains}
    con = duckdb.connect(str(state / "warehouse.duckdb"))
    try:
        for identity, digest in back.items():
            con.execute("update audit.loaded_files set sha256 = ? where sha256 = ?", [digest, identity])
        con.execute("drop table if exists audit.warehouse_meta")
    finally:
        con.close()
    archive = state / "archive"
    lines = []
    for line in (archive / "manifest.jsonl").read_text().splitlines():
        entry = json.loads(line)
        digest = back.get(entry["sha256"], entry["sha256"])
        entry.pop("file_identity", None)
        entry["sha256"] = entry["loaded_file"]["sha256"] = digest
        for part in ("rows", "quarantine"):
            if entry.get(part):
                old = archive / entry[part]["path"]
                entry[part]["path"] = str(Path(entry[part]["path"]).with_name(f"{digest}.parquet"))
                old.rename(archive / entry[part]["path"])
        lines.append(json.dumps(entry, sort_keys=True) + "\n")
    (archive / "manifest.jsonl").write_text("".join(lines))


def archive_problems(archive: Path) -> list[str]:
    from indicators.archive import Archive

    return Archive(archive).verify()


def test_no_stored_identity_of_a_one_row_file_is_its_plain_sha256(tmp_path):
    inbox = one_row_inbox(tmp_path / "inbox")
    warehouse = tmp_path / "state" / "warehouse.duckdb"
    done = ingest(inbox, warehouse)
    assert done.returncode == 2, done.stdout + done.stderr  # the rejected file: a warning
    one_row = inbox / "student_mobility_2024-01-01.csv"
    digests = {path.name: plain(path) for path in inbox.iterdir()}
    assert stored(warehouse) == {name: {keyed(digest)} for name, digest in digests.items()}
    for name, digest in digests.items():  # no table, archive name, manifest line or log holds it
        assert files_holding(tmp_path / "state", digest) == [], name
    entry = next(
        json.loads(line)
        for line in (tmp_path / "state" / "archive" / "manifest.jsonl").read_text().splitlines()
        if one_row.name in line
    )
    assert entry["rows"]["path"] == f"student_mobility/{keyed(digests[one_row.name])}.parquet"
    # the identity still recognises the same bytes: skipped under another name, and the rejected
    # file's reason found again (kept once)
    shutil.copyfile(one_row, inbox / "student_mobility_2024-03-01.csv")
    again = ingest(inbox, warehouse)
    assert "0 loaded, 3 skipped, 1 rejected" in again.stdout, again.stdout
    assert "the same bytes)" in again.stdout, again.stdout


def old_form(tmp_path: Path) -> tuple[Path, Path, dict[str, str]]:
    """The inbox of :func:`one_row_inbox` ingested, then put in the old form: (inbox, state, the
    files' plain sha256 by name)."""
    inbox = one_row_inbox(tmp_path / "inbox")
    state = tmp_path / "state"
    assert ingest(inbox, state / "warehouse.duckdb").returncode == 2
    digests = {path.name: plain(path) for path in inbox.iterdir()}
    downgrade(state, set(digests.values()))
    return inbox, state, digests


def test_an_archive_and_warehouse_of_plain_sha256s_are_migrated_once_and_still_know_their_files(tmp_path):
    inbox, state, digests = old_form(tmp_path)
    warehouse = state / "warehouse.duckdb"
    assert stored(warehouse) == {name: {digest} for name, digest in digests.items()}  # the old form
    assert archive_problems(state / "archive") == []

    # an identical re-delivery under another name, the night after the upgrade
    shutil.copyfile(inbox / "student_mobility_2024-01-01.csv", inbox / "student_mobility_2024-03-01.csv")
    migrated = ingest(inbox, warehouse)
    assert migrated.returncode == 2, migrated.stdout + migrated.stderr
    assert "0 loaded, 3 skipped" in migrated.stdout, migrated.stdout  # known by the mapped identities
    assert "the same bytes)" in migrated.stdout  # the rejected-before map, mapped too
    names = {name: {keyed(digest)} for name, digest in digests.items()}
    assert stored(warehouse) == names | {
        "student_mobility_2024-03-01.csv": names["student_mobility_2024-01-01.csv"]
    }
    lines = [json.loads(line) for line in (state / "archive" / "manifest.jsonl").read_text().splitlines()]
    # the re-delivery's date reaches the coverage end: a line of its own (no Parquet), keyed too
    assert [(e["file_name"], e["sha256"]) for e in lines if e.get("kind") == "delivery"] == [
        ("student_mobility_2024-03-01.csv", keyed(digests["student_mobility_2024-01-01.csv"]))
    ]
    manifest = [e for e in lines if e.get("kind") != "delivery"]
    assert sorted(e["sha256"] for e in manifest) == sorted(
        keyed(digests[n]) for n in ("student_mobility_2024-01-01.csv", "student_mobility_2024-02-01.csv")
    )
    assert all(e["loaded_file"]["sha256"] == e["sha256"] for e in lines)
    assert sorted(
        str(p.relative_to(state / "archive"))
        for p in (state / "archive").rglob("*.parquet")
        if "_history" not in p.parts
    ) == sorted(
        f"{part}student_mobility/{e['sha256']}.parquet"
        for e in manifest
        for part, item in (("", e["rows"]), ("_quarantine/", e["quarantine"]))
        if item
    )
    assert archive_problems(state / "archive") == []
    for digest in digests.values():
        assert files_holding(state, digest) == []
    assert query(warehouse, "select name, run_id is not null from audit.warehouse_meta") == [
        ("file_identity", True)
    ]
    assert "renamed to their keyed identity" in migrated.stdout + _log_text(state)

    # once: the next run maps nothing again (a second HMAC would lose every file)
    before = (state / "archive" / "manifest.jsonl").read_bytes()
    again = ingest(inbox, warehouse)
    assert "0 loaded, 3 skipped, 1 rejected" in again.stdout, again.stdout
    assert (state / "archive" / "manifest.jsonl").read_bytes() == before
    assert stored(warehouse)["student_mobility_2024-01-01.csv"] == names["student_mobility_2024-01-01.csv"]


def _log_text(state: Path) -> str:
    return "".join(path.read_text() for path in (state / "log").glob("*.log"))


@pytest.mark.parametrize("stop_at", ["archive_linked", "archive_renamed"])
def test_a_migration_stopped_halfway_loses_no_file_and_the_next_run_finishes_it(tmp_path, stop_at):
    inbox, state, digests = old_form(tmp_path)
    warehouse = state / "warehouse.duckdb"
    stopped = ingest(inbox, warehouse, INDICATORS_FAIL_AT=stop_at, INDICATORS_FAIL_ERRNO="EIO")
    assert stopped.returncode == 1, stopped.stdout
    # whichever manifest is there names files that are all there, with their checksums
    assert archive_problems(state / "archive") == []
    assert stored(warehouse)["student_mobility_2024-01-01.csv"] == {
        digests["student_mobility_2024-01-01.csv"]
    }
    done = ingest(inbox, warehouse)
    assert "0 loaded, 2 skipped" in done.stdout, done.stdout
    assert archive_problems(state / "archive") == []
    for digest in digests.values():  # the old names left by the stop are gone too
        assert files_holding(state, digest) == [], stop_at


def loaded(warehouse: Path) -> dict[str, list[tuple]]:
    """What a rebuild restores and every mart is built from: each raw table, the loaded files' rows
    (their identities among them) and the quarantine, row for row."""
    names = [
        f'raw."{row[0]}"'
        for row in query(warehouse, "select table_name from duckdb_tables() where schema_name = 'raw'")
    ]
    tables = {name: f"select * from {name}" for name in names}
    tables["audit.loaded_files"] = "select * from audit.loaded_files where status = 'loaded'"
    tables["audit.quarantine"] = "select * from audit.quarantine"
    return {name: sorted(query(warehouse, sql), key=repr) for name, sql in tables.items()}


@pytest.mark.xdist_group("audit_bundled")
def test_a_rebuild_from_a_migrated_archive_gives_the_published_rows(published_warehouse, tmp_path, key_env):
    """The bundled sample's published warehouse and archive, put back in the old form, rebuilt (without
    dbt: the marts are built from these rows and seeds alone, and a rebuild's dbt build is
    test_archive's)."""
    from indicators import nightly
    from indicators.config import load_settings

    sample = Path(__file__).parents[2] / "samples" / "inbox"
    published = published_warehouse("bundled")
    state = tmp_path / "state"
    shutil.copytree(published.parent, state)
    digests = {path.name: plain(path) for path in sample.iterdir() if path.is_file()}
    downgrade(state, set(digests.values()))
    old_form = set().union(*stored(state / "warehouse.duckdb").values())
    assert old_form <= set(digests.values())  # the old form, to begin with
    settings = load_settings().with_paths(inbox=tmp_path / "no-inbox", warehouse=state / "warehouse.duckdb")
    rebuilt = nightly.run(
        settings, with_dbt=False, with_quality=False, stop_after="ingest", quiet=True, rebuild=True
    )
    assert rebuilt.published, (rebuilt.message, rebuilt.errors)
    expected = loaded(published)
    assert len(expected["audit.loaded_files"]) == 11 and all(expected.values())
    assert loaded(state / "warehouse.duckdb") == expected  # every row, the keyed identities too
    for name, digest in digests.items():
        assert files_holding(state, digest) == [], name
    # and the sample delivered again is known, file by file
    again = ingest(sample, state / "warehouse.duckdb")
    assert "0 loaded, 11 skipped" in again.stdout, again.stdout


def test_the_free_space_check_counts_the_migrations_second_copy_of_the_warehouse(tmp_path, monkeypatch):
    """The first run after the upgrade writes its working copy anew beside the copy: with room for one
    copy of the warehouse and not two it stops before it copies, with the usual line."""
    import shutil as shell

    from indicators import disk

    inbox, state, _ = old_form(tmp_path)
    size = (state / "warehouse.duckdb").stat().st_size
    real = shell.disk_usage
    monkeypatch.setattr(
        disk.shutil, "disk_usage", lambda path: real(path)._replace(free=size + size // 2)
    )  # the inbox's files are all known: the run needs the warehouse (twice) and the headroom
    stopped = ingest(inbox, state / "warehouse.duckdb", INDICATORS_DISK_HEADROOM_MB="0")
    assert stopped.returncode == 1 and "not enough free space" in stopped.stdout, stopped.stdout
    assert f"need {disk.human(2 * size)}" in stopped.stdout, stopped.stdout
