"""The annual tables of a publication: the scoreboard, the table per programme and the long values.

Mixed into :class:`~indicators.export.tables.publication.Publication`, whose cells, words and
verdicts they read; every export kind has these three tables.
"""

from __future__ import annotations

from indicators.export import labels
from indicators.export.tables.blocks import SUPPRESSED, Table


class AnnualTables:
    """The scoreboard, per programme and long values tables of :class:`Publication`."""

    def _mark_years(self, table: Table, indicator_id: str, programme: str | None, first_column: int) -> None:
        row_index = len(table.rows) - 1
        for offset, year in enumerate(self.years):
            status = self.obs_status(indicator_id, year, programme)
            if status and status != "final":
                table.marks[(row_index, first_column + offset)] = status

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
        # (indicator, programme) with a value of some year, without a breakdown: one pass over the cells
        # (a scan of every cell per programme and indicator was a third of an export's time)
        with_values = {(key[0], key[2]) for key in self._cells if key[3] is None}
        for code in sorted(
            {row["programme_code"] for row in self.values if row["programme_code"] is not None}
        ):
            for ind in programme_indicators:
                iid = ind["indicator_id"]
                if (iid, code) not in with_values:
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
        names = {**self.indicator_names, **{ind["indicator_id"]: ind["name"] for ind in self.catalogue}}
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
