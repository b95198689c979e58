"""A publication: its cells, read once from the warehouse and protected, and the tables built from them.

:func:`~indicators.export.tables.loading.load` builds it; the tables of each kind are built by
:mod:`.annual` and :mod:`.followup`, mixed in here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from indicators import disclosure
from indicators.export import labels
from indicators.export.tables.annual import AnnualTables
from indicators.export.tables.blocks import SUPPRESSED, Column, Table
from indicators.export.tables.followup import FollowupTables

HIDDEN_VERDICT = labels.HIDDEN_VERDICT  # a status or progress that would tell a suppressed value


@dataclass
class Publication(AnnualTables, FollowupTables):
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
    shared_denominators: list[dict[str, Any]] = field(
        default_factory=list
    )  # share series of the same persons
    # every indicator's name (marts.indicator_catalogue): the values hold indicators the plan does not follow
    indicator_names: dict[str, str] = field(default_factory=dict)
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

    def first_published_value(self, indicator_id: str, year: str | None, programme: str | None = None) -> Any:
        """The headline value as first published when it has been revised since, else None. Shown only
        where neither the value now nor the value then would be hidden by the primary rule."""
        key = (indicator_id, year, programme)
        if key not in self.first_published or self.cell(indicator_id, year, programme) is SUPPRESSED:
            return None
        old = self.first_published[key]
        row = self._cells.get((indicator_id, year, programme, None, None), {})
        denominator = row.get("denominator")
        # a share's numerator then, as far as the value then and the denominator now give it (both
        # units, percent and per 100 graduates, are per hundred)
        numerator = None if old is None or denominator is None else round(old * denominator / 100)
        if old is None or disclosure.primary_flag(
            indicator_id, row.get("unit"), old, denominator, self.protection, numerator
        ):
            return None
        return old

    def derived(self, value: Any, *inputs: Any) -> Any:
        """A number computed from cells (change, growth rate): suppressed if any input is; none (not
        the hidden marker) where there is no number to hide (no baseline: no change)."""
        if value is None:
            return None
        if any(item is SUPPRESSED for item in inputs):
            return SUPPRESSED
        return value

    def protected_verdict(
        self, status: str | None, progress: str | None, rule: str | None, value: Any, baseline: Any
    ) -> dict[str, str | None]:
        """Status and progress as published: ``hidden`` where they would tell something of a
        suppressed value. The plan's rule compares the value judged (a coverage, majority or
        at_least target after its deadline: the deadline year's) with its target, or with the
        baseline (increase); progress reads the growth from the baseline. Where that value is hidden
        neither is shown; where the baseline is hidden, an increase's status and any progress but
        "target achieved" (the value alone) and "not available" are not. A word, not the ``..``
        of a hidden number: no new cell to attack, and the reader sees why there is no verdict."""
        if status in (None, "provisional", "insufficient_data") or rule == "milestone":
            return {"status": status, "progress": progress}
        if value is SUPPRESSED:
            return {"status": HIDDEN_VERDICT, "progress": HIDDEN_VERDICT}
        if baseline is SUPPRESSED:
            if rule == "increase":
                status = HIDDEN_VERDICT
            if progress not in ("target_achieved", "not_available"):
                progress = HIDDEN_VERDICT
        return {"status": status, "progress": progress}

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
            **self.protected_verdict(
                found.get("status"),
                found.get("progress"),
                ind.get("rule"),
                self.cell(indicator_id, found.get("verdict_year") or year, programme),
                baseline,
            ),
            "obs_status": self.obs_status(indicator_id, year, programme),
            "no_verdict_reason": found.get("no_verdict_reason"),
        }
