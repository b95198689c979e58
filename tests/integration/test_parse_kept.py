"""dbt's parse is kept for the process's next nightly while nothing it was parsed from changed.

Each nightly below has a state folder of its own, where dbt's partial parsing has no file to start
from (its profile check names the database's path): a run that parses writes
``dbt/target/partial_parse.msgpack`` there, a run that reuses the process's manifest writes none.
"""

from __future__ import annotations

import types
from pathlib import Path

import pytest

from helpers import personnummer, query
from indicators import nightly, transform
from indicators.config import ConfigError

pytestmark = pytest.mark.slow

HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status\n"
PROGRAMMES = "Programkod;Benämning;Nivå;Första läsår\nPA;Program A;grundnivå;2016/17\n"


def night(settings_for, tmp_path: Path, name: str, stays: int):
    inbox = tmp_path / name / "inbox"
    inbox.mkdir(parents=True)
    (inbox / "programmes.csv").write_text(PROGRAMMES, encoding="utf-8")
    rows = "".join(
        f"M{i};{personnummer('19950505', 980 + i)};ut;PA;studier;GB;2020-09-01;2021-01-15;avslutad\n"
        for i in range(stays)
    )
    (inbox / "student_mobility_2021-06-30.csv").write_text(HEADER + rows, encoding="utf-8")
    settings = settings_for(inbox, tmp_path / name / "state" / "warehouse.duckdb")
    outcome = nightly.run(settings, with_quality=False, quiet=True)
    if not outcome.published:
        return outcome
    parsed = (settings.warehouse.parent / "dbt" / "target" / "partial_parse.msgpack").exists()
    outgoing = query(
        settings.warehouse,
        "select max(value) from marts.indicator_values where indicator_id = 'I01' "
        "and academic_year = '2020/21' and programme_code is null and dimension is null",
    )
    return parsed, outgoing


def test_the_next_nightly_of_the_process_reuses_the_parse(settings_for, tmp_path, monkeypatch):
    transform.forget_parse()  # whatever an earlier test of this worker parsed
    monkeypatch.delenv("INDICATORS_RUN_DATE", raising=False)
    assert night(settings_for, tmp_path, "first", 12) == (True, [(12,)])
    # other rows, another warehouse, the same project and vars: no parse, its own numbers
    assert night(settings_for, tmp_path, "second", 7) == (False, [(7,)])
    # another run date (read when the SQL is compiled): no parse either (a day on or after the
    # export's, 2021-06-30: a name dated after the run's date is rejected)
    monkeypatch.setenv("INDICATORS_RUN_DATE", "2021-07-02")
    assert night(settings_for, tmp_path, "third", 5) == (False, [(5,)])
    # a date that is not YYYY-MM-DD is refused with the settings, before a run starts ...
    monkeypatch.setenv("INDICATORS_RUN_DATE", "2021-03-01' as date) --")
    with pytest.raises(ConfigError, match="^INDICATORS_RUN_DATE=.* is not a date YYYY-MM-DD"):
        night(settings_for, tmp_path, "fourth", 3)

    def settings_read_before_it_was_set(inbox: Path, warehouse: Path):
        with monkeypatch.context() as unset:
            unset.delenv("INDICATORS_RUN_DATE")
            return settings_for(inbox, warehouse)

    # ... and a build that gets it all the same stops with one line: it never reaches the SQL
    stopped = night(settings_read_before_it_was_set, tmp_path, "fifth", 3)
    assert not stopped.published and stopped.exit_code == 1
    assert stopped.errors[0].startswith("model int_sources_bounded: Compilation Error"), stopped.errors[:1]
    assert "INDICATORS_RUN_DATE is not a date YYYY-MM-DD: set it as 2021-03-01" in stopped.errors[0]
    # (other vars, another project file or a changed environment: parsed again, see the next test)


def test_a_kept_parse_is_stale_when_an_environment_variable_it_read_changed(monkeypatch, tmp_path):
    key = ("root", "{}", "in-progress", ())
    manifest = types.SimpleNamespace(
        env_vars={
            "INDICATORS_TEST_PARSED_WITH": "a",
            "INDICATORS_RUN_ID": "run-1",
            "INDICATORS_RUN_DATE": "2021-03-01",
        }
    )
    monkeypatch.setattr(transform, "_KEPT", [(key, manifest)])
    monkeypatch.setenv("INDICATORS_TEST_PARSED_WITH", "a")
    # read when compiled, not parsed: still fresh
    monkeypatch.setenv("INDICATORS_RUN_ID", "run-2")
    monkeypatch.setenv("INDICATORS_RUN_DATE", "2021-07-02")
    assert transform._kept_manifest(key) is manifest
    assert transform._kept_manifest(("root", '{"first_year": 2019}', "in-progress", ())) is None  # other vars
    assert transform._kept_manifest(("root", "{}", "in-progress", (("models/a.sql", 10, 1),))) is None
    monkeypatch.setenv("INDICATORS_TEST_PARSED_WITH", "b")
    assert transform._kept_manifest(key) is None


def test_the_key_holds_what_dbt_project_yml_reads_from_the_environment(monkeypatch, tmp_path):
    import dataclasses

    from indicators.config import load_settings

    (tmp_path / "dbt_project.yml").write_text(
        "name: x\nvars:\n  plan: \"{{ env_var('INDICATORS_TEST_PLAN_VAR', 'a') }}\"\n", encoding="utf-8"
    )
    settings = dataclasses.replace(load_settings(), root=tmp_path)
    monkeypatch.setenv("INDICATORS_TEST_PLAN_VAR", "a")
    first = transform._parse_key(settings, tmp_path / "in-progress.duckdb")
    assert transform._parse_key(settings, tmp_path / "elsewhere" / "in-progress.duckdb") == first
    monkeypatch.setenv("INDICATORS_TEST_PLAN_VAR", "b")
    assert transform._parse_key(settings, tmp_path / "in-progress.duckdb") != first


def test_a_few_parses_are_kept_the_least_recently_used_go_first(monkeypatch):
    # a process that runs nightlies of a few configurations in turn keeps each one's parse
    monkeypatch.setattr(transform, "_KEPT", [])
    monkeypatch.setattr(transform, "KEPT_PARSES", 2)
    a, b, c = (("root", f'{{"first_year": {year}}}', "in-progress", ()) for year in (2017, 2018, 2019))
    parsed = {key: types.SimpleNamespace(env_vars={}) for key in (a, b, c)}
    transform._keep(a, parsed[a])
    transform._keep(b, parsed[b])
    assert transform._kept_manifest(a) is parsed[a]  # b's parse did not drop a's; a is now the most recent
    transform._keep(c, parsed[c])  # a third: the least recently used (b) goes
    assert transform._kept_manifest(b) is None
    assert transform._kept_manifest(a) is parsed[a] and transform._kept_manifest(c) is parsed[c]
