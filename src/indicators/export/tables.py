"""What a publication holds, read once from the published warehouse (read-only, :mod:`.read`) and protected.

:func:`load` reads the marts, applies disclosure control (:mod:`indicators.disclosure`) to every
value, and returns a :class:`Publication`: the tables of an export (scoreboard, per programme,
long values, mid-term follow-up) in one language, plus what the metadata and the report need
(catalogue, annotations, the run, source files, data-quality notes). The CSV/XLSX writers and the
HTML report both start from it, so a suppressed cell is suppressed the same way everywhere.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from indicators import disclosure
from indicators.export import labels, read
from indicators.export.read import ExportError

YEAR_PATTERN = re.compile(r"^\d{4}/\d{2}$")
KINDS = ("annual", "midterm", "final", "programme")


class Suppressed:
    """A cell hidden by disclosure control; prints as ``..``."""

    _instance: Suppressed | None = None

    def __new__(cls) -> Suppressed:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return disclosure.MARKER

    __repr__ = __str__


SUPPRESSED = Suppressed()


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text (from data or catalogue), number, label (words the export wrote)


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    # (row index, column index) → obs_status of a number that is not final: the XLSX marks it
    marks: dict[tuple[int, int], str] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip([c.key for c in self.columns], row, strict=True)) for row in self.rows]


@dataclass
class Publication:
    warehouse: Path
    year: str
    kind: str
    lang: str
    suppression: bool
    years: list[str]  # the years shown as columns: every year with values up to ``year`` (history included)
    catalogue: list[dict[str, Any]]
    values: list[dict[str, Any]]  # every published row (years up to ``year``), with 'suppression'
    progress: dict[tuple[str, str, str | None], dict[str, Any]]
    midterm: list[dict[str, Any]]
    programmes: dict[str, dict[str, Any]]  # marts.programmes: code → name (in lang) and is_in_catalogue
    annotations: list[dict[str, Any]]
    run: dict[str, Any] | None
    source_files: list[dict[str, Any]]
    quality: dict[str, Any]
    flags: dict[disclosure.CellKey, str] = field(default_factory=dict)
    year_note: str | None = None  # how the year was chosen when it was not given
    midterm_year: str | None = None  # the plan's mid-term year (the follow-up reads it or the latest before)
    plan: dict[str, Any] = field(
        default_factory=dict
    )  # the plan followed (plans seed row), {} in old warehouses
    final: list[dict[str, Any]] = field(default_factory=list)  # marts.final_followup rows of the plan
    as_of: dict[str, Any] | None = None  # {run_id, published_at}: the numbers as that publish published them
    # (indicator, year, programme) → the faculty or programme headline value as first published, where revised
    first_published: dict[tuple[str, str, str | None], float | None] = field(default_factory=dict)
    protection: disclosure.Protection = field(default_factory=disclosure.Protection)
    linked_sums: list[dict[str, Any]] = field(default_factory=list)  # the sums that are not exact
    linked_numerators: list[dict[str, Any]] = field(default_factory=list)  # shares whose numerator is a count
    _cells: dict[disclosure.CellKey, dict[str, Any]] = field(default_factory=dict, repr=False)

    # --- cells -------------------------------------------------------------------------------
    def cell(
        self,
        indicator_id: str,
        year: str | None,
        programme: str | None = None,
        dimension: str | None = None,
        dimension_value: str | None = None,
    ) -> Any:
        """The published value of one cell: a float, :data:`SUPPRESSED` or None (no value)."""
        if year is None:
            return None
        key = (indicator_id, year, programme, dimension, dimension_value)
        if key in self.flags:
            return SUPPRESSED
        row = self._cells.get(key)
        return None if row is None else row.get("value")

    def obs_status(
        self,
        indicator_id: str,
        year: str | None,
        programme: str | None = None,
        dimension: str | None = None,
        dimension_value: str | None = None,
    ) -> str | None:
        """final, provisional or incomplete for a cell with a value; None when there is none."""
        row = self._cells.get((indicator_id, year, programme, dimension, dimension_value)) if year else None
        return None if row is None else row.get("obs_status")

    def obs_mark(self, indicator_id: str, year: str | None, programme: str | None = None) -> str | None:
        """``p`` (provisional) or ``i`` (incomplete) for a value that is not final, else None."""
        return labels.OBS_MARKS.get(self.obs_status(indicator_id, year, programme) or "")

    def obs_word(self, status: str | None) -> str | None:
        return labels.text(labels.OBS_STATUS, status, self.lang)

    def _mark_years(self, table: Table, indicator_id: str, programme: str | None, first_column: int) -> None:
        row_index = len(table.rows) - 1
        for offset, year in enumerate(self.years):
            status = self.obs_status(indicator_id, year, programme)
            if status and status != "final":
                table.marks[(row_index, first_column + offset)] = status

    def first_published_value(self, indicator_id: str, year: str | None, programme: str | None = None) -> Any:
        """The headline value as first published when it has been revised since, else None. Shown only
        where neither the value now nor the value then would be hidden by the primary rule."""
        key = (indicator_id, year, programme)
        if key not in self.first_published or self.cell(indicator_id, year, programme) is SUPPRESSED:
            return None
        old = self.first_published[key]
        row = self._cells.get((indicator_id, year, programme, None, None), {})
        if old is None or disclosure.primary_flag(
            indicator_id, row.get("unit"), old, row.get("denominator"), self.protection
        ):
            return None
        return old

    def derived(self, value: Any, *inputs: Any) -> Any:
        """A number computed from cells (change, growth rate): suppressed if any input is."""
        if any(item is SUPPRESSED for item in inputs):
            return SUPPRESSED
        return value

    def indicator(self, indicator_id: str) -> dict[str, Any]:
        return next(row for row in self.catalogue if row["indicator_id"] == indicator_id)

    def word(self, table: dict, key: str | None) -> str | None:
        return labels.text(table, key, self.lang)

    def programme_name(self, code: str | None) -> str | None:
        """The programme's name in the publication's language; None for the faculty and ``unknown``."""
        return (self.programmes.get(code) or {}).get("name") if code is not None else None

    def programme_label(self, code: str | None) -> str:
        if code is None:
            return labels.WORDS["faculty"][self.lang]
        return self.programme_name(code) or code

    @property
    def programme_codes(self) -> list[str]:
        """The programmes of the catalogue with values (``unknown``, the codes missing from it, left out)."""
        return sorted(
            {
                row["programme_code"]
                for row in self.values
                if row["programme_code"] is not None
                and (self.programmes.get(row["programme_code"]) or {}).get("is_in_catalogue")
            }
        )

    @property
    def plan_name(self) -> str | None:
        return self.plan.get(f"name_{self.lang}") or self.plan.get("name_en")

    @property
    def stem(self) -> str:
        plan = "" if not self.plan or self.plan.get("is_current") else f"{self.plan['plan_id']}_"
        return f"indicators_{plan}{self.year.replace('/', '-')}_{self.kind}_{self.lang}"

    # --- tables ------------------------------------------------------------------------------
    def tables(self) -> list[Table]:
        tables = [self.scoreboard(), self.per_programme(), self.long_values()]
        if self.kind == "midterm":
            tables.append(self.midterm_table())
        if self.kind == "final":
            tables.append(self.final_table())
        return tables

    def _columns(self, keys: list[tuple[str, str]]) -> list[Column]:
        return [Column(key, labels.header(key, self.lang), kind) for key, kind in keys]

    def _title(self, name: str) -> str:
        return labels.TABLE_TITLES[name][self.lang]

    def scoreboard(self) -> Table:
        keys = [
            ("goal_id", "text"),
            ("goal_text", "text"),
            ("target_id", "text"),
            ("target_text", "text"),
            ("indicator_id", "text"),
            ("indicator_name", "text"),
            ("unit", "label"),
            ("rule", "label"),
            ("baseline_year", "text"),
            ("baseline_value", "number"),
        ]
        first_year_column = len(keys)
        keys += [(year, "number") for year in self.years]
        keys += [
            ("year_obs_status", "label"),
            ("target_value", "number"),
            ("change_abs", "number"),
            ("change_pct", "number"),
            ("status", "label"),
            ("progress", "label"),
            ("cagr_pct", "number"),
            ("required_cagr_pct", "number"),
        ]
        table = Table("scoreboard", self._title("scoreboard"), self._columns(keys))
        for ind in self.catalogue:
            verdict = self.verdict(ind["indicator_id"], self.year)
            row = [
                ind["goal_id"],
                ind["goal_text"],
                ind["target_id"],
                ind["target_text"],
                ind["indicator_id"],
                ind["name"],
                self.word(labels.UNITS, ind["unit"]),
                self.word(labels.RULES, ind["rule"]),
                ind["baseline_year"],
                verdict["baseline_value"],
            ]
            row += [self.cell(ind["indicator_id"], year) for year in self.years]
            row += [
                self.obs_word(verdict["obs_status"]),
                ind["target_value"],
                verdict["change_abs"],
                verdict["change_pct"],
                self.word(labels.STATUS, verdict["status"]),
                self.word(labels.PROGRESS, verdict["progress"]),
                verdict["cagr_pct"],
                verdict["required_cagr_pct"],
            ]
            table.rows.append(row)
            self._mark_years(table, ind["indicator_id"], None, first_year_column)
        return table

    def verdict(self, indicator_id: str, year: str, programme: str | None = None) -> dict[str, Any]:
        """Value, baseline, change, status and progress of one indicator in one year, protected."""
        ind = self.indicator(indicator_id)
        found = self.progress.get((indicator_id, year, programme), {})
        baseline_year = found.get("baseline_year") or ind["baseline_year"]
        value = self.cell(indicator_id, year, programme)
        baseline = self.cell(indicator_id, baseline_year, programme)
        if baseline is None and not self.suppression:  # unprotected: trust the progress mart's copy
            baseline = found.get("baseline_value")
        inputs = (value, baseline)
        return {
            "year": year,
            "value": value,
            "baseline_year": baseline_year,
            "baseline_value": baseline,
            "change_abs": self.derived(found.get("change_abs"), *inputs),
            "change_pct": self.derived(found.get("change_pct"), *inputs),
            "cagr_pct": self.derived(found.get("cagr_pct"), *inputs),
            "required_cagr_pct": self.derived(found.get("required_cagr_pct"), baseline),
            "status": found.get("status"),
            "progress": found.get("progress"),
            "obs_status": self.obs_status(indicator_id, year, programme),
        }

    def per_programme(self) -> Table:
        keys = [
            ("programme_code", "text"),
            ("programme_name", "text"),
            ("indicator_id", "text"),
            ("indicator_name", "text"),
            ("unit", "label"),
            ("baseline_value", "number"),
        ]
        first_year_column = len(keys)
        keys += [(year, "number") for year in self.years]
        keys += [("year_obs_status", "label"), ("status", "label"), ("progress", "label")]
        table = Table("programmes", self._title("programmes"), self._columns(keys))
        programme_indicators = [ind for ind in self.catalogue if ind.get("per_programme") in ("yes", "flag")]
        for code in sorted(
            {row["programme_code"] for row in self.values if row["programme_code"] is not None}
        ):
            for ind in programme_indicators:
                iid = ind["indicator_id"]
                has_values = any(key[0] == iid and key[2] == code and key[3] is None for key in self._cells)
                if not has_values:
                    continue
                verdict = self.verdict(iid, self.year, code)
                row = [
                    code,
                    self.programme_name(code),
                    iid,
                    ind["name"],
                    self.word(labels.UNITS, ind["unit"]),
                    verdict["baseline_value"],
                ]
                row += [self.cell(iid, year, code) for year in self.years]
                row += [
                    self.obs_word(verdict["obs_status"]),
                    self.word(labels.STATUS, verdict["status"]),
                    self.word(labels.PROGRESS, verdict["progress"]),
                ]
                table.rows.append(row)
                self._mark_years(table, iid, code, first_year_column)
        return table

    def long_values(self) -> Table:
        keys = [
            ("indicator_id", "text"),
            ("indicator_name", "text"),
            ("academic_year", "text"),
            ("programme_code", "text"),
            ("programme_name", "text"),
            ("dimension", "label"),
            ("dimension_value", "text"),
            ("value", "number"),
            ("numerator", "number"),
            ("denominator", "number"),
            ("unit", "label"),
            ("obs_status", "label"),
            ("suppression", "label"),
        ]
        table = Table("values", self._title("values"), self._columns(keys))
        names = {ind["indicator_id"]: ind["name"] for ind in self.catalogue}
        for row in self.values:
            flag = row["suppression"]
            hidden = flag is not None
            share_hidden = hidden and row.get("denominator") is not None
            table.rows.append(
                [
                    row["indicator_id"],
                    names.get(row["indicator_id"]),
                    row["academic_year"],
                    row["programme_code"],
                    self.programme_name(row["programme_code"]),
                    self.word(labels.DIMENSIONS, row["dimension"]),
                    row["dimension_value"],
                    SUPPRESSED if hidden else row["value"],
                    SUPPRESSED if share_hidden else row.get("numerator"),
                    SUPPRESSED if share_hidden else row.get("denominator"),
                    self.word(labels.UNITS, row["unit"]),
                    self.obs_word(row.get("obs_status")),
                    self.word(labels.SUPPRESSION, flag),
                ]
            )
            if row.get("obs_status") not in (None, "final"):
                table.marks[(len(table.rows) - 1, 7)] = row["obs_status"]
        return table

    def midterm_rows(self) -> list[dict[str, Any]]:
        """One row per indicator: baseline, the value of the year marts.midterm_followup reads, change, verdict."""
        rows = []
        by_id = {row["indicator_id"]: row for row in self.midterm}
        for ind in self.catalogue:
            iid = ind["indicator_id"]
            mart = by_id.get(iid, {})
            year = mart.get("followup_year")
            verdict = (
                self.verdict(iid, year)
                if year
                else {
                    "value": None,
                    "baseline_value": self.cell(iid, ind["baseline_year"]),
                    "change_abs": None,
                    "change_pct": None,
                    "status": None,
                    "progress": None,
                }
            )
            for key in ("change_abs", "change_pct", "status", "progress"):
                if mart.get(key) is not None and verdict.get(key) is None:
                    verdict[key] = mart[key]
            inputs = (verdict["value"], verdict["baseline_value"])
            rows.append(
                {
                    "goal_id": ind["goal_id"],
                    "goal_text": ind["goal_text"],
                    "target_id": ind["target_id"],
                    "target_text": ind["target_text"],
                    "indicator_id": iid,
                    "indicator_name": ind["name"],
                    "unit": ind["unit"],
                    "baseline_year": ind["baseline_year"],
                    "baseline_value": verdict["baseline_value"],
                    "followup_year": year,
                    "followup_value": verdict["value"],
                    "followup_obs_status": verdict.get("obs_status"),
                    "change_abs": self.derived(verdict["change_abs"], *inputs),
                    "change_pct": self.derived(verdict["change_pct"], *inputs),
                    "status": verdict["status"],
                    "progress": verdict["progress"],
                }
            )
        return rows

    def midterm_table(self) -> Table:
        keys = [
            ("goal_id", "text"),
            ("goal_text", "text"),
            ("target_id", "text"),
            ("target_text", "text"),
            ("indicator_id", "text"),
            ("indicator_name", "text"),
            ("unit", "label"),
            ("baseline_year", "text"),
            ("baseline_value", "number"),
            ("followup_year", "text"),
            ("followup_value", "number"),
            ("followup_obs_status", "label"),
            ("change_abs", "number"),
            ("change_pct", "number"),
            ("status", "label"),
            ("progress", "label"),
        ]
        return self._followup_table("midterm", keys, self.midterm_rows(), "followup")

    def final_rows(self) -> list[dict[str, Any]]:
        """One row per target of the plan: baseline, mid-term and final value (protected), verdict, sentence."""
        rows = []
        by_id = {row["indicator_id"]: row for row in self.final}
        for ind in self.catalogue:
            iid = ind["indicator_id"]
            mart = by_id.get(iid, {})
            final_year = mart.get("followup_year")
            midterm_year = mart.get("midterm_followup_year")
            baseline = self.cell(iid, ind["baseline_year"])
            final_value = self.cell(iid, final_year)
            midterm_value = self.cell(iid, midterm_year)
            row = {
                "goal_id": ind["goal_id"],
                "goal_text": ind["goal_text"],
                "target_id": ind["target_id"],
                "target_text": ind["target_text"],
                "indicator_id": iid,
                "indicator_name": ind["name"],
                "unit": ind["unit"],
                "rule": ind.get("rule"),
                "target_value": ind.get("target_value"),
                "baseline_year": ind["baseline_year"],
                "baseline_value": baseline,
                "midterm_year": midterm_year,
                "midterm_value": midterm_value,
                "followup_year": final_year,
                "final_value": final_value,
                "final_obs_status": self.obs_status(iid, final_year),
                "change_abs": self.derived(mart.get("change_abs"), final_value, baseline),
                "change_since_midterm": self.derived(
                    mart.get("change_since_midterm"), final_value, midterm_value
                ),
                "status": mart.get("status") or "insufficient_data",
                "progress": mart.get("progress") or "not_available",
                "programmes_done_on": mart.get("programmes_done_on"),
            }
            row["sentence"] = labels.verdict_sentence(row, self.lang)
            rows.append(row)
        return rows

    def final_table(self) -> Table:
        keys = [
            ("goal_id", "text"),
            ("goal_text", "text"),
            ("target_id", "text"),
            ("target_text", "text"),
            ("indicator_id", "text"),
            ("indicator_name", "text"),
            ("unit", "label"),
            ("baseline_year", "text"),
            ("baseline_value", "number"),
            ("midterm_year", "text"),
            ("midterm_value", "number"),
            ("followup_year", "text"),
            ("final_value", "number"),
            ("final_obs_status", "label"),
            ("change_abs", "number"),
            ("change_since_midterm", "number"),
            ("status", "label"),
            ("progress", "label"),
            ("programmes_done_on", "text"),
            ("sentence", "label"),
        ]
        return self._followup_table("final", keys, self.final_rows(), "final")

    def _followup_table(self, name: str, keys, rows, read: str) -> Table:
        """A follow-up's table: its words in the language, and its value marked where the value
        read at the follow-up (``<read>_value``, status ``<read>_obs_status``) is not final."""
        table = Table(name, self._title(name), self._columns(keys))
        value_column = [key for key, _ in keys].index(f"{read}_value")
        for row in rows:
            status = row[f"{read}_obs_status"]
            row = dict(
                row,
                unit=self.word(labels.UNITS, row["unit"]),
                status=self.word(labels.STATUS, row["status"]),
                progress=self.word(labels.PROGRESS, row["progress"]),
                **{f"{read}_obs_status": self.obs_word(status)},
            )
            table.rows.append([row[key] for key, _ in keys])
            if status not in (None, "final"):
                table.marks[(len(table.rows) - 1, value_column)] = status
        return table


# --- reading the warehouse -----------------------------------------------------------------------


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
    pattern of a year's cells depends only on that year's values (see :func:`disclosure.plan`), so
    exports of different years and kinds hide every cell the same way.
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
    pattern = disclosure.plan(values, protection) if suppression else None
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
    if as_of_run:
        # a verdict of today stands beside a past number only where that number is still today's
        progress = {
            key: row
            for key, row in progress.items()
            if (cells.get((key[0], key[1], key[2], None, None)) or {}).get("value") == row.get("value")
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
        _cells=cells,
        year_note=year_note,
        midterm_year=midterm_year,
        plan=plan_row,
        final=final,
        as_of=as_of_run,
        first_published=first_published,
    )
