"""The follow-up tables of a publication: the mid-term and the final follow-up of the plan.

Mixed into :class:`~indicators.export.tables.publication.Publication`, whose cells, words and
verdicts they read; only a midterm or final export has its table.
"""

from __future__ import annotations

from typing import Any

from indicators import academic
from indicators.export import labels
from indicators.export.tables.blocks import Table


def _done_by(done_on: str | None, year: str | None) -> str | None:
    """The milestone dates of a follow-up ('<code> <date>; <code> -') as of the last day of the academic
    year ``year``: a date after it reads '-', not done by then (the mart lists every date in the data)."""
    if not done_on or not year:
        return done_on
    last_day = academic.last_day(int(year[:4])).isoformat()
    entries = []
    for entry in done_on.split("; "):
        code, _, date = entry.rpartition(" ")
        entries.append(f"{code} -" if code and date != "-" and date > last_day else entry)
    return "; ".join(entries)


class FollowupTables:
    """The mid-term and final follow-up tables (and their rows, which the report reads) of :class:`Publication`."""

    def _read_year(self, indicator_id: str, mart_year: str | None) -> tuple[str | None, bool]:
        """The year a follow-up row reads, and whether it is the mart's: the mart's year when the
        publication shows it; a follow-up published as of an earlier year (``--year``) reads the
        latest year up to it with a faculty value, a final one first (the mart's own rule), never a
        later year, whose numbers this publication neither shows nor protects; nor the plan's
        baseline year or one before it (no follow-up: a next plan's baseline year read as its final
        value was judged "met" before the plan began)."""
        if mart_year is None or mart_year <= self.year:
            return mart_year, True
        baseline = self.indicator(indicator_id).get("baseline_year") or ""
        shown = [year for year in self.years if year > baseline and self.cell(indicator_id, year) is not None]
        final = [year for year in shown if self.obs_status(indicator_id, year) == "final"]
        return (final or shown or [None])[-1], False

    def midterm_rows(self) -> list[dict[str, Any]]:
        """One row per indicator: baseline, the value of the year marts.midterm_followup reads, change, verdict."""
        rows = []
        by_id = {row["indicator_id"]: row for row in self.midterm}
        for ind in self.catalogue:
            iid = ind["indicator_id"]
            year, is_marts = self._read_year(iid, by_id.get(iid, {}).get("followup_year"))
            mart = by_id.get(iid, {}) if is_marts else {}
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

    @staticmethod
    def _judged_year(mart: dict, ind: dict, year: str | None) -> str | None:
        """The year a final verdict judges: a target (coverage, majority, at_least) followed up after its
        deadline keeps the deadline year's verdict (marts.indicator_progress's verdict_year; a
        calendar-year deadline is the academic year that starts in it, as the marts read it)."""
        deadline = academic.of_deadline(mart.get("deadline_year") or ind.get("deadline_year"))
        rule = mart.get("rule") or ind.get("rule")
        if rule in ("coverage", "majority", "at_least") and deadline and year and year > deadline:
            return deadline
        return year

    def final_rows(self) -> list[dict[str, Any]]:
        """One row per target of the plan: baseline, mid-term and final value (protected), verdict, sentence."""
        rows = []
        by_id = {row["indicator_id"]: row for row in self.final}
        for ind in self.catalogue:
            iid = ind["indicator_id"]
            mart = by_id.get(iid, {})
            final_year, is_marts = self._read_year(iid, mart.get("followup_year"))
            midterm_year = mart.get("midterm_followup_year")
            if not is_marts:  # as of an earlier year: judged from the publication's own cells
                verdict = self.verdict(iid, final_year) if final_year else {}
                midterm_year = (
                    midterm_year if midterm_year and final_year and midterm_year <= final_year else None
                )
                mart = {
                    "deadline_year": mart.get("deadline_year"),
                    "rule": mart.get("rule"),
                    "change_abs": verdict.get("change_abs"),
                    "status": verdict.get("status"),
                    "progress": verdict.get("progress"),
                    "programmes_done_on": mart.get("programmes_done_on"),
                }
            baseline = self.cell(iid, ind["baseline_year"])
            final_value = self.cell(iid, final_year)
            midterm_value = self.cell(iid, midterm_year)
            if (
                not is_marts
                and isinstance(final_value, int | float)
                and isinstance(midterm_value, int | float)
            ):
                mart["change_since_midterm"] = final_value - midterm_value
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
                **self.protected_verdict(
                    mart.get("status") or "insufficient_data",
                    mart.get("progress") or "not_available",
                    mart.get("rule") or ind.get("rule"),
                    self.cell(iid, self._judged_year(mart, ind, final_year)),
                    baseline,
                ),
                "programmes_done_on": _done_by(mart.get("programmes_done_on"), final_year or self.year),
            }
            deadline = {"deadline_year": mart.get("deadline_year") or ind.get("deadline_year")}
            row["sentence"] = labels.verdict_sentence(row | deadline, self.lang)
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
