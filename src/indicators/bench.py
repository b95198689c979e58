"""The benchmark: a full nightly and an unchanged nightly, timed per stage, against bare-DuckDB floors.

Floors are measured in the same process and the same run, on the same files, right before and
right after the nightlies (the mean of the two is the floor):
* ``ingest`` against bare DuckDB loading every CSV of the inbox (``read_csv`` into a table, no checks);
* ``dbt_build`` against the build's own compiled SQL (every model and data test, in DAG order) run
  straight in DuckDB (:func:`indicators.floors.transform_floor`);
* ``quality`` against the GX suites' expectations as SQL aggregates over the same rows
  (:func:`indicators.floors.quality_floor`);
* ``nightly_total`` against the sum of the three floors.

A last nightly is the usual production night: one export delivered again (the smallest CSV the
production night loaded, one line longer) into the published warehouse, with the dbt state and the
parse kept (``nightly_next``; its build leaves the seeds as the last publish left them). It has no
floor: the floors above are of the whole inbox.

The full nightly runs twice: first with no dbt state (a fresh install: dbt parses the whole project),
then, after the warehouse and archive are removed, again with the dbt state the first run left (the
production case: partial parsing). ``dbt_build`` and ``nightly_total`` are the production run;
``*_fresh`` the first. In the nightly GX validates beside the build, both on the same cores, so
each of the two stages' times holds part of the other's; ``dbt_build_alone`` and ``quality_alone``
time each with nothing beside it (:func:`stages_alone`), against the same floors. Above scale 1
the sample generator writes the large sources as UTF-8 CSV so that the floors exist.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from indicators import floors as floor_sql
from indicators import nightly, transform
from indicators.config import KEY_ENV, load_settings
from indicators.quality import shutdown as shutdown_gx_worker
from indicators.sources import load_sources

I01_FLOOR_SQL = """
    with latest as (
        select *
        from student_mobility
        qualify row_number() over (partition by mobility_id order by _file_order desc) = 1
    )
    select
        case when month(try_cast(start_date as date)) >= 7 then year(try_cast(start_date as date))
             else year(try_cast(start_date as date)) - 1 end as start_year,
        count(distinct student_id) as outgoing_students
    from latest
    where lower(direction) in ('outgoing', 'out', 'utresande')
      and lower(status) not in ('withdrawn', 'återbud')
      and lower(mobility_type) not in ('virtual')
    group by all
    order by 1
"""


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> float:
    """Peak resident set size of this process (Linux reports kilobytes)."""
    return resource.getrusage(who).ru_maxrss / 1024


class BenchError(RuntimeError):
    """A night of the benchmark did not publish, or its build failed: one line for the command."""


class MemorySampler:
    """The peak of the resident memory of this process and all its children together, sampled.

    ``ru_maxrss`` gives each process's own peak; the machine has to hold the processes that run at
    the same time (the nightly and its GX worker) together, which only sampling their sum shows.
    """

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak_bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        import psutil

        me = psutil.Process()
        while True:
            total = 0
            for process in [me, *me.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):  # a child that just ended
                    total += process.memory_info().rss
            self.peak_bytes = max(self.peak_bytes, total)
            if self._stop.wait(self.interval):
                return

    @property
    def peak_mb(self) -> float:
        return self.peak_bytes / 2**20


def measure_floors(inbox: Path, scratch: Path) -> dict[str, float | None]:
    """Bare DuckDB: load every CSV of the inbox, then compute I01 for every year with one query."""
    database = scratch / "floor.duckdb"
    database.unlink(missing_ok=True)
    con = duckdb.connect(str(database))
    try:
        loaded: dict[str, list[str]] = {}
        skipped: list[str] = []
        load_seconds = 0.0
        for number, path in enumerate(sorted(inbox.glob("*.csv"))):
            table = f"f{number}"
            clock = time.perf_counter()
            try:
                con.execute(
                    f"create table {table} as select *, {number} as _file_order from read_csv(?, all_varchar = true)",
                    [str(path)],
                )
            except duckdb.Error:
                skipped.append(path.name)  # e.g. Windows-1252, which DuckDB cannot read: no floor for it
                continue
            load_seconds += time.perf_counter() - clock
            loaded.setdefault(path.name.split("_2")[0].split(".")[0], []).append(table)
        mobility_tables = [
            t for name, tables in loaded.items() if name.startswith("student_mobility") for t in tables
        ]
        query_seconds = None
        if mobility_tables:
            union = " union all by name ".join(f"select * from {t}" for t in mobility_tables)
            con.execute(f"create view student_mobility as {union}")
            clock = time.perf_counter()
            try:
                con.execute(I01_FLOOR_SQL).fetchall()
                query_seconds = time.perf_counter() - clock
            except duckdb.Error:
                query_seconds = None  # the CSV headers are not canonical at this scale: no floor
        return {"load": load_seconds, "i01": query_seconds, "skipped": skipped}
    finally:
        con.close()
        database.unlink(missing_ok=True)


def _mean_floors(before: dict, after: dict) -> dict:
    def mean(key: str) -> float | None:
        values = [f[key] for f in (before, after) if f[key] is not None]
        return sum(values) / len(values) if values else None

    return {"load": mean("load"), "i01": mean("i01"), "skipped": before["skipped"]}


def _stage(name: str, seconds: float | None, floor: float | None) -> dict:
    ratio = None if seconds is None or not floor else round(seconds / floor, 2)
    return {
        "name": name,
        "seconds": None if seconds is None else round(seconds, 3),
        "floor_seconds": None if floor is None else round(floor, 3),
        "ratio": ratio,
    }


def run_bench(
    scale: float,
    seed: int = 2019,
    work_dir: Path | None = None,
    keep: bool = False,
    progress: Callable[[str], None] = print,
) -> dict:
    from indicators.sample import generate

    scratch = Path(work_dir or tempfile.mkdtemp(prefix="indicators-bench-"))
    inbox = scratch / "inbox"
    warehouse = scratch / "state" / "warehouse.duckdb"
    if inbox.exists():
        shutil.rmtree(inbox)
    if warehouse.parent.exists():
        shutil.rmtree(warehouse.parent)
    os.environ.setdefault(KEY_ENV, "benchmark-key-not-for-production-0123456789")
    # the largest export is 1.4 MB a scale (1.4 GB at 1000): more than max_file_mb's 1024 lets in
    os.environ.setdefault("INDICATORS_MAX_FILE_MB", f"{max(1024, 2 * scale):g}")
    try:
        progress(f"bench: generating scale {scale} into {inbox}")
        clock = time.perf_counter()
        generate(inbox, scale=scale, seed=seed, large_as_csv=True if scale > 1 else None)
        progress(f"bench: generated in {time.perf_counter() - clock:.1f}s")

        # the floors are measured right before and right after the nightlies and averaged: this
        # machine's speed drifts by a third within minutes, which a floor on one side only would
        # lend to the ratio
        progress("bench: floors before the nightly (bare DuckDB)")
        floors_before = measure_floors(inbox, scratch)
        settings = load_settings().with_paths(inbox=inbox, warehouse=warehouse)
        progress("bench: full nightly, no dbt state (fresh)")
        # as in a process of its own, also when run_bench is called in a process that ran nightlies
        # before (a test): no parse kept in the process, no GX worker up
        shutdown_gx_worker()
        transform.forget_parse()
        clock = time.perf_counter()
        fresh = nightly.run(settings, quiet=True)
        fresh_seconds = time.perf_counter() - clock
        if not fresh.published:
            raise BenchError(f"the benchmark's nightly did not publish: {fresh.message}; {fresh.errors[:3]}")
        progress("bench: nightly with nothing new")
        clock = time.perf_counter()
        unchanged = nightly.run(settings, quiet=True)
        unchanged_seconds = time.perf_counter() - clock
        progress("bench: full nightly again, dbt state kept (production)")
        _forget_loads(settings)
        # a production night is a process of its own: its GX worker imports GX again, as here
        shutdown_gx_worker()
        transform.forget_parse()  # and its dbt parses again (partially: the state folder is kept)
        clock = time.perf_counter()
        with MemorySampler() as sampled:
            full = nightly.run(settings, quiet=True)
        gx_worker_peak = full.memory.get("gx_worker_peak_mb", 0.0)
        full_seconds = time.perf_counter() - clock
        if not full.published:
            raise BenchError(f"the benchmark's nightly did not publish: {full.message}; {full.errors[:3]}")

        loaded_sources = list(full.ingest.sources_loaded) if full.ingest is not None else None
        loaded_sources = loaded_sources or [s.name for s in load_sources(settings.pipelines_dir)]
        progress("bench: the build and GX each alone (in the nightly they share the cores)")
        alone = stages_alone(settings, warehouse, loaded_sources)

        progress("bench: transform floor (the compiled SQL straight in DuckDB)")
        transform_floor = floor_sql.transform_floor(settings, warehouse, scratch)
        progress("bench: quality floor (the expectations as SQL aggregates)")
        quality = floor_sql.quality_floor(settings, warehouse, loaded_sources)

        progress("bench: floors after the nightly (bare DuckDB)")
        floors_after = measure_floors(inbox, scratch)
        floors = _mean_floors(floors_before, floors_after)

        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            rows = {
                spec.name: con.execute(f'select count(*) from raw."{spec.name}"').fetchone()[0]
                for spec in load_sources(settings.pipelines_dir)
            }
        finally:
            con.close()

        # the production night's files, before the next night adds to them
        archive_mb = round(sum(p.stat().st_size for p in settings.archive_dir.rglob("*.parquet")) / 1e6, 1)
        warehouse_mb = round(warehouse.stat().st_size / 1e6, 1)

        progress("bench: the next night (one export delivered again, the warehouse kept)")
        again = redeliver(inbox, full)
        shutdown_gx_worker()
        transform.forget_parse()  # a new process each night: dbt's partial parse from its state folder
        clock = time.perf_counter()
        try:
            following = nightly.run(settings, quiet=True)
        finally:
            again.unlink()
        next_seconds = time.perf_counter() - clock
        if not following.published:
            raise BenchError(
                f"the benchmark's next nightly did not publish: {following.message}; {following.errors[:3]}"
            )
        t, tf = full.timings, fresh.timings
        floor_total = floors["load"] + transform_floor["seconds"] + quality["seconds"]
        stages = [
            _stage("check", t.get("check"), None),
            _stage("ingest", t.get("ingest"), floors["load"]),
            *[
                _stage(f"ingest.{step}", t.get(f"ingest.{step}"), None)
                for step in ("hash", "read", "normalise", "pseudonymise", "load")
            ],
            _stage("archive", t.get("archive"), None),
            _stage("quality", t.get("quality"), quality["seconds"]),
            _stage("quality_alone", alone["quality"], quality["seconds"]),
            _stage("quality.on_path", t.get("quality.on_path"), None),
            _stage("quality.wait", t.get("quality.wait"), None),
            _stage("dbt_build", t.get("dbt_build"), transform_floor["seconds"]),
            _stage("dbt_build_alone", alone["dbt_build"], transform_floor["seconds"]),
            _stage("dbt_build_fresh", tf.get("dbt_build"), transform_floor["seconds"]),
            _stage("publish", t.get("publish"), None),
            _stage("publish.bi", t.get("bi"), None),
            _stage("nightly_total", full_seconds, floor_total),
            _stage("nightly_total_fresh", fresh_seconds, floor_total),
            _stage("nightly_unchanged", unchanged_seconds, None),
            *[
                _stage(f"unchanged.{name}", seconds, None)
                for name, seconds in unchanged.timings.items()
                if "." not in name
            ],
            _stage("nightly_next", next_seconds, None),
            *[
                _stage(f"next.{name}", seconds, None)
                for name, seconds in following.timings.items()
                if "." not in name or name == "quality.wait"
            ],
        ]
        return {
            "scale": scale,
            "rows": rows,
            "inbox_mb": round(sum(p.stat().st_size for p in inbox.iterdir()) / 1e6, 1),
            # the pseudonymised raw archive the full nightly wrote (Parquet, zstd), beside the warehouse
            "archive_mb": archive_mb,
            "warehouse_mb": warehouse_mb,
            "warehouse_mb_after_next": round(warehouse.stat().st_size / 1e6, 1),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "peak_rss_gx_worker_mb": round(gx_worker_peak, 1),
            "peak_rss_together_mb": round(sampled.peak_mb, 1),
            "floor_files_skipped": floors["skipped"],
            "floor_transform": transform_floor,
            "floor_quality": quality,
            "floor_i01_seconds": floors["i01"],
            "floor_load_seconds_before_after": [
                round(floors_before["load"], 3),
                round(floors_after["load"], 3),
            ],
            "stages": stages,
        }
    finally:
        if not keep and work_dir is None:
            shutil.rmtree(scratch, ignore_errors=True)


def stages_alone(settings, warehouse: Path, sources: list[str]) -> dict[str, float]:
    """GX's reading and validating, then ``dbt build``, each alone on a copy of the published
    ``warehouse`` with nothing beside it: in the nightly the two run side by side on the same cores,
    and each stage's time there holds the other's share. GX runs in the process's worker (GX already
    imported, as in the nightly once the worker is up) on the archive's rows; the build starts from a
    finished parse (in the nightly dbt parses beside the archive)."""
    from indicators import quality
    from indicators import warehouse as wh
    from indicators.archive import Archive
    from indicators.nightly.checks import QualityWorker
    from indicators.quality.frames import archived_rows

    work = settings.work_dir / "in-progress.duckdb"  # the nightly's name: dbt's kept parse is keyed on it
    spill = QualityWorker.spill_dir_of(work)
    shutil.copyfile(warehouse, work)
    try:
        con = wh.connect(work, read_only=True)
        try:
            archived = archived_rows(con, Archive(settings.archive_dir), [], sources)
        finally:
            con.close()
        prepared = quality.prepare(settings, work, sources, spill_dir=spill, archived=archived)
        _rows, _lines, quality_seconds, _peak = quality.execute_in_worker(prepared).get()
        transform.forget_parse()  # the nightly's process parses partially, from dbt's state folder
        parsed = transform.ParseAhead(settings, work)
        parsed.manifest(work)
        clock = time.perf_counter()
        built = transform.build(settings, work, parsed=parsed)
        build_seconds = time.perf_counter() - clock
        if not built.success:
            raise BenchError(f"the benchmark's build alone failed: {built.message or built.failed_nodes[:3]}")
        return {"quality": quality_seconds, "dbt_build": build_seconds}
    finally:
        shutil.rmtree(spill, ignore_errors=True)
        for path in (work, Path(str(work) + ".wal")):
            path.unlink(missing_ok=True)


def redeliver(inbox: Path, outcome) -> Path:
    """The smallest CSV export ``outcome`` loaded, delivered again: the same rows, one empty line more
    (new bytes, so it loads), under a name of the same source, modified an hour ago (a delivery that
    landed before the night, not one still being copied)."""
    loaded = [
        inbox / f.file_name
        for f in (outcome.ingest.files if outcome.ingest is not None else [])
        if f.status == "loaded" and f.file_name.lower().endswith(".csv") and (inbox / f.file_name).is_file()
    ]
    if not loaded:
        raise BenchError("the benchmark's nightly loaded no CSV export to deliver again")
    smallest = min(loaded, key=lambda path: path.stat().st_size)
    again = smallest.with_name(f"{smallest.stem}_redelivered{smallest.suffix}")
    again.write_bytes(smallest.read_bytes() + b"\n")
    an_hour_ago = time.time() - 3600
    os.utime(again, (an_hour_ago, an_hour_ago))
    return again


def _forget_loads(settings) -> None:
    """Remove the published warehouse and its archive, keep dbt's state: the next nightly loads
    everything again, as a production night would, with a partial parse."""
    for path in (settings.warehouse, Path(str(settings.warehouse) + ".wal")):
        path.unlink(missing_ok=True)
    shutil.rmtree(settings.archive_dir, ignore_errors=True)


def format_table(result: dict) -> str:
    lines = [
        f"scale {result['scale']}: {sum(result['rows'].values()):,} raw rows, inbox {result['inbox_mb']} MB, "
        f"peak RSS {result['peak_rss_mb']:.0f} MB (GX worker {result['peak_rss_gx_worker_mb']:.0f} MB; "
        f"both together, sampled every 0.2 s, {result['peak_rss_together_mb']:.0f} MB)",
        f"archive {result.get('archive_mb', 0)} MB of Parquet beside a warehouse of {result.get('warehouse_mb', 0)} MB",
        f"{'stage':<26}{'seconds':>10}{'floor':>10}{'ratio':>8}",
    ]
    for stage in result["stages"]:

        def show(value, width, fmt):
            return f"{'-':>{width}}" if value is None else f"{value:>{width}{fmt}}"

        lines.append(
            f"{stage['name']:<26}{show(stage['seconds'], 10, '.2f')}{show(stage['floor_seconds'], 10, '.2f')}"
            f"{show(stage['ratio'], 8, '.1f')}"
        )
    return "\n".join(lines)


def write_json(result: dict, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
