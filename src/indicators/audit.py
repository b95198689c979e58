"""``indicators audit EXPORT_DIR``: attack the written files as a reader would, with linear programs.

Reads back every file of a publication folder — the CSV tables (excel-sv or standard), the XLSX
workbook, the report's HTML tables and the metadata JSON — never the warehouse or the in-memory
tables. What the files publish together is combined: a cell shown in any of them is known. Then,
for every suppressed cell, its smallest and largest value is computed with scipy's HiGHS given

* every published cell of the folder,
* the sums that link them (the faculty cell is the sum of its programmes; a headline is the sum
  of one breakdown's values; numerators and denominators of shares add up the same way). A sum is
  taken as exact unless the metadata lists it as a bound (``linked_sums_not_exact``: the total is
  at least / at most the sum),
* non-negativity, a share's numerator at most its denominator, and equal to the count of the
  same line where the metadata says so (``numerators_equal_to_counts``: I07's graduates with a
  stay abroad and the same per 100 graduates),
* the public primary rule: a cell marked primary is 1..min_count-1 (shares: denominator
  1..min_denominator-1), one marked secondary at least min_count; a suppressed cell whose rule no
  file names is at least 1.

This is the LP relaxation, its bounds rounded inwards to whole persons (the sums of one indicator
and year form a tree, whose constraint matrix is totally unimodular, so the relaxation's bounds are
the integer ones). A cell whose interval keeps fewer than ``min_values`` values, or spans less
than ``min_width_pct`` % of its upper end, fails — unless the public rule alone allows no more
(a primary count cannot be hidden better than 1..4). The protection levels are read from the
metadata (``disclosure_control.protection``) unless given.

A suppressed value that a published change from the baseline gives away (value = baseline +
change) fails too. Not modelled: the status words (met / not met) of a suppressed value, which say on which side of
the target it lies; links between different indicators; the charts (images).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from indicators import disclosure
from indicators.export import labels

YEAR = re.compile(r"^\d{4}/\d{2}$")
HIDDEN = disclosure.MARKER
SHARE_UNITS = frozenset({"percent", "per_100_graduates"})

_HEADER_KEYS = {entry[lang]: key for key, entry in labels.HEADERS.items() for lang in labels.LANGS}
_UNIT_KEYS = {entry[lang]: key for key, entry in labels.UNITS.items() for lang in labels.LANGS}
_DIMENSION_KEYS = {entry[lang]: key for key, entry in labels.DIMENSIONS.items() for lang in labels.LANGS}
_FLAG_KEYS = {entry[lang]: key for key, entry in labels.SUPPRESSION.items() for lang in labels.LANGS}
_FACULTY_WORDS = {labels.WORDS["faculty"][lang] for lang in labels.LANGS}


@dataclass
class Known:
    """What the files say about one cell: numbers, :data:`HIDDEN`, or None (not shown)."""

    value: Any = None
    numerator: Any = None
    denominator: Any = None
    flag: str | None = None
    unit: str | None = None
    share: bool | None = None

    @property
    def is_share(self) -> bool:
        if self.share is not None:
            return self.share
        return self.unit in SHARE_UNITS

    def get(self, quantity: str) -> Any:
        return getattr(self, quantity)


@dataclass
class Finding:
    indicator_id: str
    academic_year: str
    programme_code: str | None
    dimension: str | None
    dimension_value: str | None
    quantity: str
    flag: str | None
    interval: tuple[float, float]
    protected: bool

    @property
    def scope(self) -> str:
        where = self.programme_code or "faculty"
        if self.dimension:
            where += f" {self.dimension}={self.dimension_value}"
        return where

    def describe(self) -> str:
        lo, hi = self.interval
        interval = "infeasible" if lo > hi else f"{lo:g}..{hi:g}"
        return (
            f"{self.indicator_id} {self.academic_year} {self.scope} {self.quantity} "
            f"({self.flag or 'rule not shown'}): {interval}"
        )


@dataclass
class AuditResult:
    folder: Path
    files: list[str]
    protection: disclosure.Protection
    findings: list[Finding] = field(default_factory=list)

    @property
    def failures(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.protected]

    @property
    def ok(self) -> bool:
        return bool(self.files) and not self.failures

    def format(self) -> str:
        lines = [
            f"audited {len(self.files)} files in {self.folder}: {len(self.findings)} suppressed values checked, "
            f"{len(self.failures)} narrowed below the protection level (at least "
            f"{self.protection.min_values} values, {self.protection.min_width_pct:g} % of the upper end)"
        ]
        if self.failures:
            lines.append(
                f"{'indicator':<10} {'year':<8} {'scope':<34} {'quantity':<12} {'rule':<10} interval"
            )
            for item in self.failures:
                lo, hi = item.interval
                interval = "infeasible" if lo > hi else f"{lo:g}..{hi:g}"
                lines.append(
                    f"{item.indicator_id:<10} {item.academic_year:<8} {item.scope:<34} {item.quantity:<12} "
                    f"{item.flag or '?':<10} {interval}"
                )
        return "\n".join(lines)


# --- reading the files -----------------------------------------------------------------------------


class Reading:
    """Everything a folder's files publish, merged."""

    def __init__(self) -> None:
        self.cells: dict[disclosure.CellKey, Known] = defaultdict(Known)
        self.relations: dict[disclosure.GroupKey, str] = {}
        self.ties: list[tuple[disclosure.CellKey, disclosure.CellKey]] = []
        self.derived: dict[disclosure.CellKey, float] = {}  # a value = baseline + published change
        self.protection: disclosure.Protection | None = None
        self.non_person_shares: frozenset[str] = frozenset()  # the catalogue's, as the files say
        self.files: list[str] = []

    def observe(self, key: disclosure.CellKey, quantity: str, raw: Any, decimal: str = ".") -> None:
        value = _parse(raw, decimal)
        if value is None:
            return
        known = self.cells[key]
        current = known.get(quantity)
        if current is None or current == HIDDEN:  # a number anywhere is known
            setattr(known, quantity, value)

    def table(self, rows: list[list[Any]], decimal: str = ".") -> None:
        """One table (header row first), recognised by its columns."""
        if not rows:
            return
        keys = [_HEADER_KEYS.get(str(name), str(name)) if name is not None else "" for name in rows[0]]
        col = {key: i for i, key in enumerate(keys)}
        years = [(i, key) for i, key in enumerate(keys) if YEAR.match(key)]
        for line in rows[1:]:
            line = list(line) + [None] * (len(keys) - len(line))

            def at(name: str, line: list[Any] = line) -> Any:
                return line[col[name]] if name in col else None

            indicator = _text(at("indicator_id"))
            if not indicator:
                continue
            if "suppression" in col and "academic_year" in col:  # the long values
                key = (
                    indicator,
                    _text(at("academic_year")),
                    _text(at("programme_code")),
                    _key(_DIMENSION_KEYS, at("dimension")),
                    _text(at("dimension_value")),
                )
                known = self.cells[key]
                known.unit = _key(_UNIT_KEYS, at("unit")) or known.unit
                flag = _key(_FLAG_KEYS, at("suppression"))
                known.flag = flag or known.flag
                if _text(at("denominator")) is not None:
                    known.share = True
                elif known.share is None:
                    known.share = False
                for quantity in ("value", "numerator", "denominator"):
                    self.observe(key, quantity, at(quantity), decimal)
                continue
            programme = _text(at("programme_code"))
            unit = _key(_UNIT_KEYS, at("unit"))
            for i, column_year in years:
                key = (indicator, column_year, programme, None, None)
                if unit and self.cells[key].unit is None:
                    self.cells[key].unit = unit
                self.observe(key, "value", line[i], decimal)
            if "baseline_year" in col and programme is None and _text(at("baseline_year")):
                self.observe(
                    (indicator, _text(at("baseline_year")), None, None, None),
                    "value",
                    at("baseline_value"),
                    decimal,
                )
            if "followup_year" in col and _text(at("followup_year")):
                self.observe(
                    (indicator, _text(at("followup_year")), None, None, None),
                    "value",
                    at("followup_value"),
                    decimal,
                )
            change, baseline = _parse(at("change_abs"), decimal), _parse(at("baseline_value"), decimal)
            if programme is None and isinstance(change, float) and isinstance(baseline, float):
                year = (
                    _text(at("followup_year"))
                    if "followup_year" in col
                    else (years[-1][1] if years else None)
                )
                if year:  # the change is the value of that year minus the baseline
                    self.derived[(indicator, year, None, None, None)] = baseline + change

    def metadata(self, meta: dict[str, Any]) -> None:
        control = meta.get("disclosure_control") or {}
        if control.get("protection"):
            self.protection = disclosure.Protection(**control["protection"])
        if control.get("shares_not_of_persons"):
            self.non_person_shares = frozenset(control["shares_not_of_persons"])
        for record in control.get("linked_sums_not_exact") or []:
            self.relations[disclosure.group_from_record(record)] = record["relation"]
        for record in control.get("numerators_equal_to_counts") or []:
            tie = disclosure.tie_from_record(record)
            if tie not in self.ties:
                self.ties.append(tie)


def read_folder(folder: Path) -> Reading:
    reading = Reading()
    folder = Path(folder)
    for path in sorted(folder.iterdir()):
        if not path.is_file():
            continue
        if path.suffix == ".csv":
            raw = path.read_bytes()
            if raw.startswith(b"\xef\xbb\xbf"):
                text, delimiter, decimal = raw.decode("utf-8-sig"), ";", ","
            else:
                text = raw.decode("utf-8")
                delimiter = (
                    ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
                )
                decimal = "," if delimiter == ";" else "."
            reading.table(list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)), decimal)
        elif path.suffix == ".xlsx":
            import openpyxl

            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
            try:
                for sheet in book.worksheets:
                    reading.table([list(row) for row in sheet.iter_rows(values_only=True)])
            finally:
                book.close()
        elif path.suffix == ".html":
            _read_html(path.read_text(encoding="utf-8"), reading)
        elif path.name.endswith("_metadata.json"):
            reading.metadata(json.loads(path.read_text(encoding="utf-8")))
        else:
            continue
        reading.files.append(path.name)
    return reading


class _Tables(HTMLParser):
    """The report's tables: (section id, text before the table, rows of cell texts)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, str, list[list[str]]]] = []
        self.section = ""
        self.before = ""
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.disclosure: dict[str, Any] | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.section, self.before = attrs.get("id") or "", ""
        elif tag == "table":
            self.rows = []
        elif tag == "tr" and self.rows is not None:
            self.rows.append([])
        elif tag in ("td", "th") and self.rows is not None:
            self.cell = []
            if attrs.get("rowspan") and self.rows:  # the mid-term table's target column
                self.cell.append("")
        elif tag == "br" and self.cell is not None:
            self.cell.append("\n")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None and self.rows:
            self.rows[-1].append("".join(self.cell).split("\n")[0].strip())
            self.cell = None
        elif tag == "table" and self.rows is not None:
            self.tables.append((self.section, self.before, self.rows))
            self.rows = None

    def handle_comment(self, data):
        data = data.strip()
        if data.startswith("indicators-disclosure "):
            self.disclosure = json.loads(data.removeprefix("indicators-disclosure "))

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)
        elif self.rows is None:
            self.before += data


def _read_html(text: str, reading: Reading) -> None:
    parser = _Tables()
    parser.feed(text)
    if parser.disclosure:
        reading.metadata({"disclosure_control": parser.disclosure})
    decimal = "," if 'lang="sv"' in text[:500] else "."
    for section, before, rows in parser.tables:
        if not rows:
            continue
        if section == "scoreboard":
            reading.table(rows, decimal)
        elif section == "programmes":
            found = re.findall(r"\d{4}/\d{2}", before)
            if not found:
                continue
            year = found[-1]
            header = rows[0]
            for line in rows[1:]:
                code = line[0] if line else None
                for i, indicator in enumerate(header[2:], start=2):
                    if i < len(line) and code:
                        reading.observe((indicator, year, code, None, None), "value", line[i], decimal)


def _parse(raw: Any, decimal: str) -> Any:
    if raw is None:
        return None
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    text = str(raw).strip()
    if text == HIDDEN:
        return HIDDEN
    if text in ("", "–", "-"):
        return None
    try:
        return float(text.replace(decimal, ".") if decimal != "." else text)
    except ValueError:
        return None


def _text(raw: Any) -> str | None:
    if raw is None:
        return None
    text = str(raw).strip()
    return text or None


def _key(table: dict[str, str], raw: Any) -> str | None:
    text = _text(raw)
    if text is None:
        return None
    return table.get(text, text)


# --- the linear programs ---------------------------------------------------------------------------

_CACHE: dict[tuple, list[tuple[disclosure.CellKey, str, tuple[float, float]]]] = {}


def audit(folder: Path, protection: disclosure.Protection | None = None) -> AuditResult:
    """Audit every file in ``folder`` (see the module docstring)."""
    reading = read_folder(Path(folder))
    # the levels given or the files'; which shares count no persons is always the files' (their catalogue)
    protection = (protection or reading.protection or disclosure.Protection()).with_catalogue(
        reading.non_person_shares
    )
    result = AuditResult(Path(folder), reading.files, protection)
    blocks: dict[tuple[str, str], dict[disclosure.CellKey, Known]] = defaultdict(dict)
    for key, known in reading.cells.items():
        if known.unit is None and known.share is None:  # a programme cell of the report: the headline's unit
            known.unit = reading.cells.get((key[0], key[1], None, None, None), Known()).unit
        if (
            not disclosure.is_protected_kind(key[0], known.unit, known.is_share, protection)
            or known.value is None
        ):
            continue
        blocks[(key[0], key[1])][key] = known
    for key, value in sorted(reading.derived.items()):
        known = reading.cells.get(key)
        if (
            known is not None
            and known.value == HIDDEN
            and disclosure.is_protected_kind(key[0], known.unit, known.is_share, protection)
        ):
            result.findings.append(Finding(*key, "value", known.flag, (value, value), False))
    for block_key in sorted(blocks):
        block = blocks[block_key]
        if not any(known.value == HIDDEN for known in block.values()):
            continue
        ties = [tie for tie in reading.ties if tie[0] in block and tie[1] in block]
        for key, quantity, interval in block_intervals(block, reading.relations, protection, ties):
            known = block[key]
            prior = disclosure.hidden_bounds(known.flag, quantity, protection)
            protected = interval[0] <= interval[1] and disclosure.is_protected(interval, prior, protection)
            result.findings.append(Finding(*key, quantity, known.flag, interval, protected))
    return result


def block_intervals(
    block: dict[disclosure.CellKey, Known],
    relations: dict[disclosure.GroupKey, str],
    protection: disclosure.Protection,
    ties: list | None = None,
) -> list[tuple[disclosure.CellKey, str, tuple[float, float]]]:
    """Each suppressed quantity's (min, max) given the block's published cells, by HiGHS."""
    groups = [
        group
        for group in disclosure.groups_of(block, is_share=lambda known: known.is_share)
        if group.total is not None
    ]
    signature = (
        tuple(
            sorted(
                (
                    _sig(key),
                    known.is_share,
                    _sig(known.value),
                    _sig(known.numerator),
                    _sig(known.denominator),
                    known.flag or "",
                )
                for key, known in block.items()
            )
        ),
        tuple(
            sorted(
                (_sig(group.key), quantity, relations[(group.key, quantity)])
                for group in groups
                for quantity in disclosure.quantities(group.is_share)
                if (group.key, quantity) in relations
            )
        ),
        protection,
        tuple(sorted(_sig(tie) for tie in ties or [])),
    )
    if signature in _CACHE:
        return _CACHE[signature]
    _CACHE[signature] = found = _solve(block, groups, relations, protection, ties or [])
    return found


def _sig(value: Any) -> str:
    return repr(value)


def _solve(block, groups, relations, protection, ties):
    import numpy as np
    from scipy.optimize import linprog

    index: dict[tuple[disclosure.CellKey, str], int] = {}
    bounds: list[tuple[float, float | None]] = []
    checked: list[tuple[disclosure.CellKey, str]] = []

    def term(key: disclosure.CellKey, quantity: str) -> tuple[int | None, float]:
        """(variable index, None) for an unknown quantity, (None, value) for a published one."""
        known = block[key]
        value = known.get(quantity)
        if isinstance(value, float):
            return None, value
        if (key, quantity) not in index:
            index[(key, quantity)] = len(bounds)
            if value == HIDDEN:
                lo, hi = disclosure.hidden_bounds(known.flag, quantity, protection)
                checked.append((key, quantity))
            else:  # not shown anywhere (e.g. a share's numerator in the report): any count
                lo, hi = 0.0, disclosure.INF
            bounds.append((lo, None if hi == disclosure.INF else hi))
        return index[(key, quantity)], 0.0

    eq_rows: list[tuple[dict[int, float], float]] = []
    ub_rows: list[tuple[dict[int, float], float]] = []

    def row(terms: list[tuple[float, disclosure.CellKey, str]], target: list, rhs: float = 0.0) -> None:
        coefficients: dict[int, float] = defaultdict(float)
        for coefficient, key, quantity in terms:
            position, value = term(key, quantity)
            if position is None:
                rhs -= coefficient * value
            else:
                coefficients[position] += coefficient
        if coefficients:
            target.append((dict(coefficients), rhs))

    for group in groups:
        members = [*group.parts, group.total]
        if not any(
            HIDDEN in (block[key].value, block[key].numerator, block[key].denominator) for key in members
        ):
            continue
        for quantity in disclosure.quantities(group.is_share):
            if block[group.total].get(quantity) is None and block[group.total].value != HIDDEN:
                continue
            relation = relations.get((group.key, quantity), disclosure.EXACT)
            parts = [(1.0, key, quantity) for key in group.parts]
            total = (-1.0, group.total, quantity)
            if relation == disclosure.EXACT:
                row([*parts, total], eq_rows)
            elif relation == disclosure.AT_LEAST:  # total >= sum of parts
                row([*parts, total], ub_rows)
            else:  # total <= sum of parts, every part <= total
                row([(-1.0, key, quantity) for key in group.parts] + [(1.0, group.total, quantity)], ub_rows)
                for key in group.parts:
                    row([(1.0, key, quantity), total], ub_rows)
    for key, known in block.items():
        if known.is_share and known.value == HIDDEN:
            row([(1.0, key, "numerator"), (-1.0, key, "denominator")], ub_rows)
    for count, share in ties:  # a share's numerator that is the count of the same line
        if block[share].is_share and not block[count].is_share:
            row([(1.0, count, "value"), (-1.0, share, "numerator")], eq_rows)
    for key, known in block.items():  # every hidden quantity is a variable, even outside any sum
        if known.value == HIDDEN:
            for quantity in disclosure.quantities(known.is_share):
                term(key, quantity)

    n = len(bounds)

    def matrix(rows):
        if not rows:
            return None, None
        a = np.zeros((len(rows), n))
        for r, (coefficients, _) in enumerate(rows):
            for position, coefficient in coefficients.items():
                a[r, position] = coefficient
        return a, np.array([rhs for _, rhs in rows])

    a_eq, b_eq = matrix(eq_rows)
    a_ub, b_ub = matrix(ub_rows)
    found = []
    for key, quantity in checked:
        position = index[(key, quantity)]
        ends = []
        for sign in (1.0, -1.0):
            c = np.zeros(n)
            c[position] = sign
            solved = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
            if solved.status == 2:  # infeasible: the published numbers contradict the sums
                ends = [disclosure.INF, -disclosure.INF]
                break
            if solved.status == 3:
                ends.append(-disclosure.INF if sign > 0 else disclosure.INF)
            else:
                ends.append(sign * solved.fun)
        lo, hi = ends
        if lo <= hi:
            lo, hi = disclosure.integer_interval(lo, hi)
        found.append((key, quantity, (lo, hi)))
    return found
