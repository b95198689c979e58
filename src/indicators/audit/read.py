"""Reading a publication folder back: the CSV tables (excel-sv or standard), the XLSX workbook, the
report's HTML tables and the metadata JSON, merged into one :class:`Reading` (a cell shown in any
file is known)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import defaultdict
from dataclasses import dataclass
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
# the XLSX shows breakdown values as words ("kvinna"): read back to their codes ("female")
_VALUE_KEYS = {entry[lang]: key for key, entry in labels.DIMENSION_VALUES.items() for lang in labels.LANGS}
_FLAG_KEYS = {entry[lang]: key for key, entry in labels.SUPPRESSION.items() for lang in labels.LANGS}


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
                    _key(_VALUE_KEYS, at("dimension_value")),
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
