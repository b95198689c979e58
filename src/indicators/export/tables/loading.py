"""Reading the published warehouse (read-only, :mod:`indicators.export.read`) into a protected
:class:`~indicators.export.tables.publication.Publication`."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from indicators import academic, disclosure
from indicators.export import labels, read
from indicators.export.read import ExportError
from indicators.export.tables.publication import Publication

YEAR_PATTERN = re.compile(r"^\d{4}/\d{2}$")
KINDS = ("annual", "midterm", "final", "programme")


def load(
    warehouse: Path,
    year: str | None = None,
    kind: str = "annual",
    lang: str = "sv",
    suppression: bool = True,
    plan: str | None = None,
    protection: disclosure.Protection | None = None,
    as_of: str | None = None,
) -> Publication:
    """Read the published warehouse read-only and build the protected publication.

    ``year`` None: a follow-up reads the year marts.plans says it reads (the plan's mid-term or final
    year or, where that year has no values, the latest year before it with values); the annual one
    the latest year with final values (marts.academic_years; when no year is final yet, the latest
    with values). ``year_note`` says which was used.
    ``plan`` None: the current plan (``plans.is_current``); the final follow-up reads its final year.
    ``as_of`` (a run id or a day): the values as that publish published them (audit.published_values);
    verdicts are today's only where the value is unchanged.

    The one place where suppression is decided: every export and the report start from here. The
    pattern of a year's cells depends only on that year's values and on the cells the earlier
    publishes hid (kept hidden: :mod:`indicators.disclosure.history`), so exports of different
    years and kinds hide every cell the same way, and later publishes hide what earlier ones hid.
    """
    protection = protection or disclosure.Protection()
    if year is not None and not YEAR_PATTERN.match(year):
        raise ExportError(f"--year must be an academic year such as 2023/24, not {year!r}")
    if kind not in KINDS:
        raise ExportError(f"--kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if lang not in labels.LANGS:
        raise ExportError(f"--lang must be one of {', '.join(labels.LANGS)}, not {lang!r}")
    warehouse = Path(warehouse)
    if not warehouse.exists():
        raise ExportError(f"no warehouse at {warehouse} (run `indicators nightly` first)")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        tables = read.check_tables(con, warehouse)
        plan_row = read.plan(con, plan)
        plan_id = plan_row.get("plan_id")
        midterm_year = plan_row.get("midterm_year")
        year, year_note = read.choose_year(con, year, kind, plan_row)
        catalogue = read.catalogue(con, lang, plan_id)
        names = read.indicator_names(con, lang)
        protection = protection.with_catalogue(read.non_person_shares(con))
        as_of_run = None
        if as_of:
            from indicators import published

            if ("audit", "published_values") not in tables:
                raise ExportError("this warehouse keeps no published values yet (audit.published_values)")
            try:
                run_id, published_at = published.resolve_as_of(con, as_of)
            except published.AsOfError as exc:
                raise ExportError(str(exc)) from exc
            as_of_run = {"run_id": run_id, "published_at": published_at}
            values = published.values_as_of(con, published_at, year)
        else:
            values = read.fetch_rows(
                con,
                "select * from marts.indicator_values where academic_year <= ? "
                "order by indicator_id, academic_year, programme_code nulls first, dimension nulls first, "
                "dimension_value nulls first",
                [year],
            )
        kept = _kept(con, tables, year, as_of_run, protection) if suppression else set()
        progress = read.progress(con, year, plan_id)
        first_published = read.first_published(con) if not as_of else {}
        midterm = read.midterm(con, plan_id)
        final = read.final(con, plan_id)
        programmes = read.programmes(con, lang)
        annotations = read.annotations(con, year, lang)
        run = read.run(con)
        source_files = read.source_files(con)
        quality = read.quality(con, run)
    finally:
        con.close()

    if not any(row["academic_year"] == year for row in values):
        raise ExportError(f"the warehouse has no indicator values for {year}")
    pattern = disclosure.plan_after(values, protection, kept) if suppression else None
    flags = pattern.flags if pattern else {}
    cells = {}
    for row in values:
        key = (
            row["indicator_id"],
            row["academic_year"],
            row.get("programme_code"),
            row.get("dimension"),
            row.get("dimension_value"),
        )
        row["suppression"] = flags.get(key)
        cells[key] = row
    if not as_of_run:  # a past publish's values are shown as it published them
        _milestones_as_the_plan_reads_them(values, progress)
    if as_of_run:
        # a verdict of today stands beside a past number only where that number, and the baseline it
        # is measured from, are still today's: a change from a revised baseline gave today's baseline
        # away beside the past one (value - change)
        def past(key: tuple, year: str | None) -> object:
            return (cells.get((key[0], year, key[2], None, None)) or {}).get("value")

        progress = {
            key: row
            for key, row in progress.items()
            if past(key, key[1]) == row.get("value")
            and (
                row.get("baseline_value") is None
                or past(key, row.get("baseline_year")) == row["baseline_value"]
            )
        }
    # every year up to the one reported: history before the baseline is shown like any other year
    years = sorted({row["academic_year"] for row in values if row["academic_year"] <= year})
    return Publication(
        warehouse=warehouse,
        year=year,
        kind=kind,
        lang=lang,
        suppression=suppression,
        years=years,
        catalogue=catalogue,
        indicator_names=names,
        values=values,
        progress=progress,
        midterm=midterm,
        programmes=programmes,
        annotations=annotations,
        run=run,
        source_files=source_files,
        quality=quality,
        flags=flags,
        protection=protection,
        linked_sums=pattern.linked_sums() if pattern else [],
        linked_numerators=pattern.linked_numerators() if pattern else [],
        shared_denominators=pattern.shared_denominators() if pattern else [],
        _cells=cells,
        year_note=year_note,
        midterm_year=midterm_year,
        plan=plan_row,
        final=final,
        as_of=as_of_run,
        first_published=first_published,
    )


def _milestones_as_the_plan_reads_them(values: list[dict], progress: dict) -> None:
    """A milestone's cells as the plan judges them (marts.indicator_progress), not as indicator_values
    has them: there a milestone is done (1) from the year by whose end the register gives any date,
    a review done under an earlier plan too, while a plan counts only a date within its own period.
    I21's value (rule milestone) is the plan's; I12's and I24's measure milestone_done reads 0 where
    the plan's milestone_done_on is none or after the year's end, and I24's share programmes_reviewed
    counts the programmes whose milestone_done then reads 1. The pattern of hidden cells is decided
    before (it is the same for every plan); a 0/1 milestone, or a share of programmes, is no person
    count."""
    for row in values:
        judged = progress.get((row["indicator_id"], row["academic_year"], row.get("programme_code")))
        if judged is None or row.get("value") is None:
            continue
        if row.get("dimension") is None and judged.get("rule") == "milestone":
            row["value"] = judged.get("value")
        elif (row.get("dimension"), row.get("dimension_value")) == (
            "measure",
            "milestone_done",
        ) and judged.get("secondary_rule") == "milestone":
            done_on = judged.get("milestone_done_on")
            if done_on is None or done_on > academic.last_day(int(row["academic_year"][:4])):
                row["value"] = 0.0
    _programmes_reviewed_as_the_plan_reads_them(values, progress)


def _programmes_reviewed_as_the_plan_reads_them(values: list[dict], progress: dict) -> None:
    """I24's faculty share of programmes reviewed, from the programmes' milestone_done as the plan reads
    them (a review under an earlier plan is not this plan's), over the same active programmes."""
    done: dict[tuple, float] = {}
    for row in values:
        if row.get("programme_code") is not None and (row.get("dimension"), row.get("dimension_value")) == (
            "measure",
            "milestone_done",
        ):
            key = (row["indicator_id"], row["academic_year"])
            done[key] = done.get(key, 0.0) + (row.get("value") or 0.0)
    for row in values:
        if row.get("programme_code") is not None or (row.get("dimension"), row.get("dimension_value")) != (
            "measure",
            "programmes_reviewed",
        ):
            continue
        judged = progress.get((row["indicator_id"], row["academic_year"], None))
        denominator = row.get("denominator")
        if judged is None or judged.get("secondary_rule") != "milestone" or not denominator:
            continue
        numerator = min(done.get((row["indicator_id"], row["academic_year"]), 0.0), denominator)
        row["numerator"] = numerator
        row["value"] = 100.0 * numerator / denominator


def _kept(con, tables, year: str, as_of_run: dict | None, protection: disclosure.Protection) -> set:
    """The cells the publishes before this one hid (audit.published_values replayed)."""
    if ("audit", "published_values") not in tables:
        return set()
    if as_of_run:
        cutoff = as_of_run["published_at"]
    else:  # the marts are what the latest publish published
        cutoff = con.execute("select max(published_at) from audit.published_values").fetchone()[0]
    if cutoff is None:
        return set()
    changes = read.fetch_rows(
        con,
        "select * from audit.published_values where published_at < ? and academic_year <= ? "
        "order by published_at, run_id",
        [cutoff, year],
    )
    return disclosure.kept_cells(changes, protection)
