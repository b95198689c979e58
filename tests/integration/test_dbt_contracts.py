"""The enforced model contracts stop the dbt build, one test per constraint kind (real dbt runs).

The tables' checks are constraints of their contracts (``not_null``, ``primary_key``, ``check``):
DuckDB refuses the insert, the model fails, the models after it are skipped and the run publishes
nothing. Each case builds on a copy of one nightly's working copy (real ingest, GX and dbt), and
the failure must be a failed check ``contract_<model>`` naming the constraint, with the rows that
break it (what the nightly shows after ``e.g.``).

The staging keys and the seeds' own tests would catch a duplicate or an unknown value before the
mart's contract does (that is where those facts are checked first), so the primary-key and check
cases build a copy of the project whose seed has the bad row and lacks the seed's own test: then
the contract is the only guard, and it holds.
"""

from __future__ import annotations

import csv
import os
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml

from helpers import personnummer
from indicators import build_skip, nightly, transform
from indicators.config import load_settings

# one worker builds the module's fixture (--dist loadgroup), not both
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("dbt_contracts")]

HEADER = "Utbytes-ID;Personnummer;Riktning;Programkod;Typ av utbyte;Land;Startdatum;Slutdatum;Status\n"
PROGRAMMES = "Programkod;Benämning;Nivå;Första läsår\nPA;Program A;grundnivå;2016/17\n"


@pytest.fixture(scope="module")
def published(tmp_path_factory, module_key):
    """One nightly on a programme catalogue and ten stays; its published warehouse. No nightly here
    runs GX: every test reads dbt's checks, the build and the seeds (GX's: test_quality_gate)."""
    root = tmp_path_factory.mktemp("contracts")
    inbox = root / "inbox"
    inbox.mkdir()
    (inbox / "programmes.csv").write_text(PROGRAMMES, encoding="utf-8")
    rows = "".join(
        f"M{i};{personnummer('19960606', i)};ut;PA;studier;GB;2020-09-01;2021-01-15;avslutad\n"
        for i in range(10)
    )
    (inbox / "student_mobility_1.csv").write_text(HEADER + rows, encoding="utf-8")
    settings = load_settings().with_paths(inbox=inbox, warehouse=root / "state" / "warehouse.duckdb")
    outcome = nightly.run(settings, with_quality=False, quiet=True)
    assert outcome.published, (outcome.message, outcome.errors)
    return settings


def build(settings, database: Path, parsed: transform.ParseAhead | None = None):
    os.environ["INDICATORS_RUN_ID"] = "contract-test"
    return transform.build(settings, database, parsed=parsed)


def failed_contract(built, model: str, also: tuple[str, ...] = ()):
    """The build failed, on the contract of ``model`` (and of the models in ``also``, which read the
    same bad rows): those checks and nothing else failed first; returns ``model``'s."""
    assert not built.success
    failed = [c for c in built.checks if not c.success and c.details != "skipped"]
    expected = sorted(f"contract_{name}" for name in (model, *also))
    assert sorted(c.check_name for c in failed) == expected, [(c.check_name, c.details) for c in failed]
    [check] = [c for c in failed if c.check_name == f"contract_{model}"]
    assert check.severity == "error" and check.table_name == model
    # the models that read it were not built, and say so
    assert built.failed_nodes and all(line.endswith(": skipped") for line in built.failed_nodes)
    return check


def broken(settings, work: Path, model: str, also: tuple[str, ...] = (), parsed=None):
    """Build ``work`` (from ``parsed``, a :class:`~indicators.transform.ParseAhead`, as the nightly
    does); the failed contract check of ``model`` and the offending rows it shows."""
    built = build(settings, work, parsed)
    check = failed_contract(built, model, also)
    con = duckdb.connect(str(work), read_only=True)
    try:
        return check, transform.offending_examples(con, built.failed_sql[check.check_name])
    finally:
        con.close()


def with_seed(published, tmp_path: Path, edit_seed, drop_seed_test: tuple[str, str, str]):
    """Settings for a project copy with one seed edited, and a copy of the published warehouse."""
    root = project_copy(tmp_path, edit_seed, drop_seed_test)
    work = tmp_path / "work.duckdb"
    shutil.copy(published.warehouse, work)
    return load_settings(root).with_paths(warehouse=tmp_path / "state" / "warehouse.duckdb"), work


def copy_project(root: Path) -> Path:
    """Every part of the dbt project that shapes the marts (build_skip.PROJECT_PARTS) copied to ``root``."""
    for part in build_skip.PROJECT_PARTS:
        source = Path(load_settings().root) / part
        if source.is_dir():
            shutil.copytree(source, root / part)
        else:
            (root / part).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, root / part)
    return root


def project_copy(tmp_path: Path, edit_seed, drop_seed_test: tuple[str, str, str]) -> Path:
    """The dbt project copied to ``tmp_path/project``, one seed edited and one of its tests left out."""
    root = copy_project(tmp_path / "project")
    seed_name, column, test = drop_seed_test
    path = root / "seeds" / f"{seed_name}.csv"
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rows = edit_seed(rows)
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    properties = yaml.safe_load((root / "seeds" / "_seeds.yml").read_text(encoding="utf-8"))
    [seed] = [s for s in properties["seeds"] if s["name"] == seed_name]
    [described] = [c for c in seed["columns"] if c["name"] == column]
    tests = described.get("data_tests") or []
    kept = [t for t in tests if (t if isinstance(t, str) else next(iter(t))) != test]
    if len(kept) == len(tests) - 1:
        described["data_tests"] = kept
    else:  # the seed's row rules are one row_checks test: leave out the column's rule
        rule = f"{column}_{'accepted' if test == 'accepted_values' else test}"
        [rules] = [t["row_checks"]["arguments"]["rules"] for t in seed["data_tests"] if "row_checks" in t]
        del rules[rule]
    (root / "seeds" / "_seeds.yml").write_text(
        yaml.safe_dump(properties, allow_unicode=True), encoding="utf-8"
    )
    return root


def test_a_passing_build_records_each_contract_as_a_passed_check(published):
    con = duckdb.connect(str(published.warehouse), read_only=True)
    try:
        rows = dict(
            con.execute(
                "select check_name, success from audit.dq_results where engine = 'dbt' and check_name like 'contract_%'"
            ).fetchall()
        )
    finally:
        con.close()
    assert rows["contract_indicator_values"] is True
    assert rows["contract_stg_student_mobility__mobilities"] is True
    assert all(rows.values())


def test_a_build_from_the_parse_started_ahead_is_a_build_that_parses_itself(published, tmp_path):
    """The nightly starts dbt's parse once the ingest is done and builds from its manifest: the same
    checks, passing, as a build that parses on its own; a parse made for another file is not used."""
    con = duckdb.connect(str(published.warehouse), read_only=True)
    try:
        ahead = dict(
            con.execute("select check_name, success from audit.dq_results where engine = 'dbt'").fetchall()
        )
    finally:
        con.close()
    # named as the nightly names its working copy, so the process's parse of the fixture's night
    # serves both lookups below while the process keeps it
    work = tmp_path / "in-progress.duckdb"
    shutil.copy(published.warehouse, work)
    # a parse made for a file of the same name in another folder is not used for this one
    (tmp_path / "elsewhere").mkdir()
    assert transform.ParseAhead(published, tmp_path / "elsewhere" / work.name).manifest(work) is None
    manifest = transform.ParseAhead(published, work).manifest(work)
    assert manifest is not None and "model.indicators.indicator_values" in manifest.nodes
    itself = build(published, work)
    assert itself.success, itself.failed_nodes
    assert {c.check_name: c.success for c in itself.checks} == ahead
    assert "contract_indicator_values" in ahead and "row_checks_plan_targets" in ahead


# the seeds of seeds/ (examples/ only with the demo's example plan) and, counted by hand from
# seeds/_seeds.yml, the data tests on them alone: 9 row_checks (one per seed), 10 unique (annotations 1,
# country_regions 1, indicator_catalogue 2, partner_networks 2, plan_targets 2, plans 2), 9 relationships
# (indicator_lookbacks 1, indicator_measure_sources 1), 3 unique_combination (plan_indicators,
# indicator_lookbacks, indicator_measure_sources) and the singular
# tests/dbt/assert_lookbacks_match_the_windows.sql (it reads indicator_lookbacks alone) and
# tests/dbt/assert_plan_deadlines_after_their_baseline.sql (plans and plan_indicators alone)
SEEDS = (
    "annotations",
    "country_regions",
    "indicator_catalogue",
    "indicator_lookbacks",
    "indicator_measure_sources",
    "partner_networks",
    "plan_indicators",
    "plan_targets",
    "plans",
)
SEED_CHECKS = 9 + 10 + 9 + 3 + 2


def test_a_build_may_leave_the_seeds_and_their_checks_as_a_publish_of_the_same_project_left_them(
    published, tmp_path
):
    """A night with new rows and the project unchanged leaves the seeds as they are: their tables
    are there and every test on them alone stops a publish when it fails (so the publish passed it).
    The build then runs without them, and every other check as before."""
    con = duckdb.connect(str(published.warehouse), read_only=True)
    try:
        published_checks = dict(
            con.execute("select check_name, table_name from audit.dq_results where engine = 'dbt'").fetchall()
        )
        seeded = con.execute("select * from reference.plan_targets order by all").fetchall()
    finally:
        con.close()
    on_seeds = sorted(name for name, table in published_checks.items() if table in SEEDS)
    assert len(on_seeds) == SEED_CHECKS and "row_checks_plan_targets" in on_seeds
    work = tmp_path / "in-progress.duckdb"
    shutil.copy(published.warehouse, work)
    # the process's parse of the fixture's night (as the nightly's build starts from its parse)
    parsed = transform.ParseAhead(published, work)
    manifest = parsed.manifest(work)
    assert build_skip.seeds_standing(manifest, work) == (len(SEEDS), SEED_CHECKS)

    built = transform.build(published, work, parsed=parsed, without_seeds=True)
    assert built.success, built.failed_nodes
    assert sorted(c.check_name for c in built.checks) == sorted(set(published_checks) - set(on_seeds))
    con = duckdb.connect(str(work), read_only=True)
    try:
        assert con.execute("select * from reference.plan_targets order by all").fetchall() == seeded
    finally:
        con.close()

    # a seed's table missing (a working copy started from nothing, as a rebuild's is): loaded again
    con = duckdb.connect(str(work))
    try:
        con.execute("drop table reference.plans cascade")
    finally:
        con.close()
    assert build_skip.seeds_standing(manifest, work) is None


def test_the_seeds_are_loaded_again_unless_their_every_test_stops_a_publish(published, tmp_path):
    work = tmp_path / "in-progress.duckdb"
    shutil.copy(published.warehouse, work)
    manifest = transform.ParseAhead(published, work).manifest(work)
    [test] = [
        node
        for node in manifest.nodes.values()
        if node.resource_type == "test" and node.name == "row_checks_plan_targets"
    ]
    severity, parents = test.config.severity, list(test.depends_on.nodes)
    try:
        # a test on a seed that only warns: a publish may have passed with it failing, so it runs again
        test.config.severity = "warn"
        assert build_skip.seeds_standing(manifest, work) is None
        test.config.severity = severity
        # a threshold lets a failing test pass as a warning (error_if: ">10"), and the publish with it
        error_if = test.config.error_if
        test.config.error_if = ">10"
        assert build_skip.seeds_standing(manifest, work) is None
        test.config.error_if = error_if
        # a test that reads a seed and a model, or a source: leaving the seeds out would leave it out too
        for other in ("model.indicators.indicator_values", next(iter(manifest.sources))):
            test.depends_on.nodes[:] = [*parents, other]
            assert build_skip.seeds_standing(manifest, work) is None, other
    finally:  # the manifest is the process's kept parse: as it was
        test.config.severity, test.config.error_if = severity, "!= 0"
        test.depends_on.nodes[:] = parents
    assert build_skip.seeds_standing(manifest, work) == (len(SEEDS), SEED_CHECKS)


def test_a_project_changed_during_a_run_is_built_whole_by_the_next(tmp_path, monkeypatch, module_key):
    """A seed edited while a run builds (a deployment at the wrong moment): the run publishes what it
    built but records no fingerprint, so the next night loads the seeds and runs their checks."""
    from indicators.nightly import stages

    root = copy_project(tmp_path / "project")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "programmes.csv").write_text(PROGRAMMES, encoding="utf-8")
    (inbox / "student_mobility_1.csv").write_text(
        HEADER + f"M1;{personnummer('19960606', 981)};ut;PA;studier;GB;2020-09-01;2021-01-15;avslutad\n",
        encoding="utf-8",
    )
    settings = load_settings(root).with_paths(inbox=inbox, warehouse=tmp_path / "state" / "warehouse.duckdb")
    assert nightly.run(settings, with_quality=False, quiet=True).published

    seed = root / "seeds" / "annotations.csv"
    original = stages.checkpoint

    def deploy_during_the_build(stage: str) -> None:
        if stage == "after_dbt":
            seed.write_bytes(seed.read_bytes() + b"\n")
        original(stage)

    (inbox / "student_mobility_2.csv").write_text(
        HEADER + f"M2;{personnummer('19960607', 982)};ut;PA;studier;GB;2020-09-01;2021-01-15;avslutad\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(stages, "checkpoint", deploy_during_the_build)
    during = nightly.run(settings, with_quality=False, quiet=True)
    monkeypatch.setattr(stages, "checkpoint", original)
    assert during.published, during.errors
    (inbox / "student_mobility_3.csv").write_text(
        HEADER + f"M3;{personnummer('19960608', 983)};ut;PA;studier;GB;2020-09-01;2021-01-15;avslutad\n",
        encoding="utf-8",
    )
    after = nightly.run(settings, with_quality=False, quiet=True)
    assert after.published, after.errors
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        fingerprints = dict(
            con.execute("select run_id, build_fingerprint from audit.pipeline_runs").fetchall()
        )
        seed_checks = dict(
            con.execute(
                f"select run_id, count(*) from audit.dq_results where engine = 'dbt' "
                f"and table_name in {SEEDS} group by run_id"
            ).fetchall()
        )
    finally:
        con.close()
    # the run during the deployment: the seeds stood (the project was the first night's as it
    # began), its fingerprint is not recorded; the next night's project differs from the first's
    assert fingerprints[during.run_id] is None and during.run_id not in seed_checks
    assert fingerprints[after.run_id] is not None and seed_checks[after.run_id] == SEED_CHECKS


def test_the_project_fingerprint_moves_with_a_seed_and_only_then(tmp_path):
    """The seeds stand only while the last publish's fingerprint is this project's: one byte of a seed
    changes it; a copy of the same files does not."""
    root = project_copy(tmp_path, lambda rows: rows, ("plans", "plan_id", "unique"))
    again = project_copy(tmp_path / "again", lambda rows: rows, ("plans", "plan_id", "unique"))
    first = build_skip.project_fingerprint(load_settings(root))
    assert build_skip.project_fingerprint(load_settings(again)) == first
    seed = root / "seeds" / "plan_targets.csv"
    seed.write_bytes(seed.read_bytes() + b"\n")
    assert build_skip.project_fingerprint(load_settings(root)) != first


def test_a_null_where_the_contract_says_not_null_stops_the_build(published, tmp_path):
    # named as the nightly names its working copy: the build starts from the process's parse of
    # the fixture's night (the same project and vars) instead of a full parse of its own
    work = tmp_path / "in-progress.duckdb"
    shutil.copy(published.warehouse, work)
    con = duckdb.connect(str(work))
    try:
        # a stay without a start date has no academic year; the ingest quarantines such a row, so
        # it is written past the ingest here (as a hand-edited or foreign raw table could hold it)
        con.execute(
            """
            insert into raw.student_mobility
                (mobility_id, student_id, direction, mobility_type, status, start_date,
                 _file_id, _file_name, _row_number, _loaded_at, _run_id)
            values ('MNULL', repeat('ab', 32), 'outgoing', 'studies', 'completed', null,
                    999, 'by_hand.csv', 1, now(), 'by-hand')
            """
        )
    finally:
        con.close()
    settings = load_settings().with_paths(warehouse=tmp_path / "state" / "warehouse.duckdb")
    check, example = broken(
        settings, work, "stg_student_mobility__mobilities", parsed=transform.ParseAhead(settings, work)
    )
    assert "NOT NULL constraint failed" in check.details and "academic_year" in check.details
    assert example.startswith("(mobility_id=MNULL, ") and "academic_year=None" in example
    assert "abab" not in example  # the pseudonym is left out of what is shown
    # the table is replaced inside the model's transaction (macros/materializations.sql): the failed
    # build rolled back, and last night's table still holds the fixture's ten stays M0..M9
    con = duckdb.connect(str(work), read_only=True)
    try:
        kept = con.execute("select mobility_id from staging.stg_student_mobility__mobilities").fetchall()
    finally:
        con.close()
    assert sorted(kept) == [(f"M{i}",) for i in range(10)]


def test_a_duplicate_key_stops_the_build(published, tmp_path):
    def duplicate_i01(rows):
        again = dict(rows[0], sort_order="999")  # I01 twice; only the key repeats
        return [*rows, again]

    drop = ("indicator_catalogue", "indicator_id", "unique")
    settings, work = with_seed(published, tmp_path, duplicate_i01, drop)
    # the plan's indicator catalogue reads the same seed and keys on (plan, indicator): it fails too
    check, example = broken(settings, work, "marts_indicator_catalogue", also=("plan_indicator_catalogue",))
    assert "PRIMARY KEY or UNIQUE constraint violation" in check.details and '"I01"' in check.details
    assert example.count("indicator_id=I01,") == 2 and "indicator_id=I02" not in example


def test_a_value_outside_the_check_stops_the_build(published, tmp_path):
    def per_programme_maybe(rows):
        return [dict(row, per_programme="maybe") if row["indicator_id"] == "I05" else row for row in rows]

    drop = ("indicator_catalogue", "per_programme", "accepted_values")
    settings, work = with_seed(published, tmp_path, per_programme_maybe, drop)
    check, example = broken(settings, work, "marts_indicator_catalogue")
    assert "CHECK constraint failed" in check.details and "per_programme" in check.details
    assert example.startswith("(indicator_id=I05, ") and "per_programme=maybe" in example
    assert example.count("(indicator_id=") == 1


def test_every_check_of_the_project_is_listed_in_docs_checks(tmp_path):
    """docs/checks.md lists every dbt test, contract constraint, dbt unit test and GX expectation."""
    import json

    settings = load_settings().with_paths(warehouse=tmp_path / "warehouse.duckdb")
    # the project parsed as the nightly parses it (dbt parse, the nightly's arguments), or the
    # process's kept parse of the same project, vars and file name (the module's nightly made one)
    work = tmp_path / "in-progress.duckdb"
    manifest = transform.ParseAhead(settings, work).manifest(work)
    assert manifest is not None, "dbt parse of the project failed: run indicators nightly to see why"
    doc = (settings.root / "docs" / "checks.md").read_text(encoding="utf-8")
    listed = [line for line in doc.splitlines() if line.startswith("- `")]
    missing = []
    for node in manifest.nodes.values():
        if node.resource_type == "test" and f"| `{node.name}` |" not in doc:
            missing.append(f"dbt test {node.name}")
        if node.resource_type == "model" and node.config.contract.enforced:
            constraints = [(c.type.value, list(c.columns or []), c.expression) for c in node.constraints]
            constraints += [
                (c.type.value, [name], c.expression)
                for name, col in node.columns.items()
                for c in col.constraints
            ]
            for kind, columns, expression in constraints:
                words = [kind, expression] if kind == "check" else [kind, *columns]
                if not any(
                    line.startswith(f"- `{node.name}") and all(w in line for w in words) for line in listed
                ):
                    missing.append(f"constraint {node.name} {kind} {expression or columns}")
    missing += [f"unit test {u.name}" for u in manifest.unit_tests.values() if f"| `{u.name}` |" not in doc]
    for path in sorted((settings.root / "expectations").glob("raw_*.json")):
        suite = json.loads(path.read_text(encoding="utf-8"))
        for expectation in suite["expectations"]:
            kwargs = expectation["kwargs"]
            columns = [kwargs["column"]] if "column" in kwargs else list(kwargs.get("column_list") or [])
            lines = [
                line
                for line in doc.splitlines()
                if line.startswith(f"| {suite['name']} | `{expectation['type']}(")
            ]
            if not any(all(c in line for c in columns) for line in lines):
                missing.append(f"GX {suite['name']} {expectation['type']} {columns}")
    assert missing == [], "\n".join(missing)


def test_a_typo_in_a_next_plan_added_as_seeds_stops_the_build(published, tmp_path):
    """A next plan added by editing the seeds, with the typos one makes: its baseline written
    2024-25, a deadline 2029/03, and an at_least target without its target value. Before, all
    three loaded: the baseline joined no year (every verdict insufficient_data, no word why), the
    deadline read as 30 June 2030 only by the first four digits, and the at_least target was judged
    met against 100 (status) while its required growth ran to 50."""
    root = copy_project(tmp_path / "project")
    seeds = root / "seeds"

    def append(name: str, text: str) -> None:
        with (seeds / f"{name}.csv").open("a", encoding="utf-8") as f:
            f.write(text)

    append(
        "plans",
        "NEXT-2025,Nästa (fiktiv),Next (fictitious),2025/26,2029/30,2024-25,2027/28,2029/30,Ingen,,false,9\n",
    )
    append(
        "plan_targets",
        "NEXT-2025,NX-G,goal,,NX-G,Mål,Goal,901\n"
        "NEXT-2025,NX-1,delivery_target,NX-G,NX-G,Minst,At least,902\n"
        "NEXT-2025,NX-2,delivery_target,NX-G,NX-G,Alla,All,903\n",
    )
    append(
        "plan_indicators",
        "NEXT-2025,NX-1,I01,at_least,,,2029/30,901,\nNEXT-2025,NX-2,I04,coverage,,100,2029/03,902,\n",
    )
    work = tmp_path / "work.duckdb"
    shutil.copy(published.warehouse, work)
    settings = load_settings(root).with_paths(warehouse=tmp_path / "state" / "warehouse.duckdb")
    built = build(settings, work)
    assert not built.success
    con = duckdb.connect(str(work), read_only=True)
    try:  # what the nightly shows after "e.g.": the failing rules
        failed = {
            c.check_name: transform.offending_examples(con, built.failed_sql[c.check_name])
            for c in built.checks
            if not c.success and c.details != "skipped"  # the models and checks after them: skipped
        }
    finally:
        con.close()
    assert set(failed) == {"row_checks_plans", "row_checks_plan_indicators"}, failed
    assert "(rule=baseline_year_is_an_academic_year, failing_rows=1)" in failed["row_checks_plans"]
    assert "years_in_order" not in failed["row_checks_plans"]
    indicators = failed["row_checks_plan_indicators"]
    assert "(rule=deadline_year_is_an_academic_or_calendar_year, failing_rows=1)" in indicators
    assert "(rule=at_least_has_a_target_value, failing_rows=1)" in indicators
