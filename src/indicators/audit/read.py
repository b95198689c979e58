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
_FLAG_KEYS = {
    entry[lang]: key
    for words in (labels.OLD_SUPPRESSION, labels.SUPPRESSION)
    for key, entry in words.items()
    for lang in labels.LANGS
}


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
        self.shared: list[tuple[tuple, tuple]] = []  # share series of the same persons (metadata)
        self.derived: dict[disclosure.CellKey, float] = {}  # a value = baseline + published change
        self.protection: disclosure.Protection | None = None
        self.non_person_shares: frozenset[str] = frozenset()  # the catalogue's, as the files say
        self.files: list[str] = []
        self.unread: list[tuple[str, str]] = []  # (file, why): a file the audit could not read in full
        self.hidden_read = (
            0  # hidden markers taken into a cell (or, where a column repeats one, accounted for)
        )
        self.as_of: str | None = None  # the publish the files show (metadata ``as_of``), for joint audits

    def observe(self, key: disclosure.CellKey, quantity: str, raw: Any, decimal: str = ".") -> None:
        value = _parse(raw, decimal)
        if value is None:
            return
        if value == HIDDEN:
            self.hidden_read += 1
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
        if "followup_year" in col and "midterm_value" in col and "midterm_year" not in col:
            # the mid-term table's value has the words of the final table's mid-term value
            col["followup_value"] = col.pop("midterm_value")
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
            # a hidden change, growth rate, target or a programme's baseline repeats a hidden cell (the change: the
            # value minus the baseline), so it tells nothing of its own: accounted for, not a variable
            for repeated in (
                "change_abs",
                "change_pct",
                "change_since_midterm",
                "cagr_pct",
                "required_cagr_pct",
                "target_value",
                "baseline_value",
            ):
                observed = repeated == "baseline_value" and programme is None and _text(at("baseline_year"))
                if repeated in col and not observed and _parse(at(repeated), decimal) == HIDDEN:
                    self.hidden_read += 1
            if "baseline_year" in col and programme is None and _text(at("baseline_year")):
                self.observe(
                    (indicator, _text(at("baseline_year")), None, None, None),
                    "value",
                    at("baseline_value"),
                    decimal,
                )
            # a follow-up's value (the final table's: its final and its mid-term value)
            for year_column, value_column in (
                ("followup_year", "followup_value"),
                ("followup_year", "final_value"),
                ("midterm_year", "midterm_value"),
            ):
                if value_column in col and _text(at(year_column)):
                    self.observe(
                        (indicator, _text(at(year_column)), None, None, None),
                        "value",
                        at(value_column),
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
        as_of = meta.get("as_of") or {}
        if isinstance(as_of, dict) and as_of.get("published_at"):
            self.as_of = str(as_of["published_at"])
        control = meta.get("disclosure_control") or {}
        if control.get("protection"):
            self.protection = disclosure.Protection(**control["protection"])
        if control.get("shares_not_of_persons"):
            self.non_person_shares = frozenset(control["shares_not_of_persons"])
        for record in control.get("linked_sums_not_exact") or []:
            self.relations[disclosure.group_from_record(record)] = record["relation"]
        for record in control.get("denominators_shared") or []:
            pair = tuple(
                (
                    side["indicator_id"],
                    record["academic_year"],
                    side.get("dimension"),
                    side.get("dimension_value"),
                )
                for side in record["series"]
            )
            if pair not in self.shared:
                self.shared.append(pair)
        for record in control.get("numerators_equal_to_counts") or []:
            tie = disclosure.tie_from_record(record)
            if tie not in self.ties:
                self.ties.append(tie)


CHART_SUFFIXES = (".png", ".svg")  # images: not attacked (see the package docstring), not refused


def read_folder(folder: Path, reading: Reading | None = None) -> Reading:
    """Every file of ``folder`` read into one :class:`Reading`.

    A file the audit cannot read is listed in :attr:`Reading.unread` (the audit then fails): one of
    a kind it does not know, one it cannot parse, and one whose hidden markers (``..``) were not all
    taken into a cell it attacks."""
    reading = reading or Reading()
    folder = Path(folder)
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            if path.name != "charts":
                reading.unread.append((f"{path.name}/", "a folder the audit does not read"))
            continue
        if path.suffix in CHART_SUFFIXES:
            continue
        before = reading.hidden_read
        try:
            present = _read_file(path, reading)
        except Exception as exc:  # noqa: BLE001 - any file it cannot parse is refused, with its reason
            reading.unread.append((path.name, f"cannot be read ({type(exc).__name__}: {str(exc)[:80]})"))
            continue
        if present is None:
            reading.unread.append(
                (
                    path.name,
                    "not a kind of file the audit reads (CSV, XLSX, HTML, metadata, datapackage.json)",
                )
            )
            continue
        missed = present - (reading.hidden_read - before)
        if missed > 0:
            reading.unread.append((path.name, f"{missed} of its {present} hidden cells were not read"))
        reading.files.append(path.name)
    return reading


def _read_file(path: Path, reading: Reading) -> int | None:
    """Read one file into ``reading``; returns how many hidden markers it holds (None: not a kind read)."""
    if path.suffix == ".csv":
        raw = path.read_bytes()
        if raw.startswith(b"\xef\xbb\xbf"):
            text, delimiter, decimal = raw.decode("utf-8-sig"), ";", ","
        else:
            text = raw.decode("utf-8")
            first = text.split("\n", 1)[0]
            delimiter = ";" if first.count(";") > first.count(",") else ","
            decimal = "," if delimiter == ";" else "."
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
        reading.table(rows, decimal)
        return _markers(rows)
    if path.suffix == ".xlsx":
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        try:
            present = 0
            for sheet in book.worksheets:
                rows = [list(row) for row in sheet.iter_rows(values_only=True)]
                reading.table(rows)
                present += _markers(rows)
        finally:
            book.close()
        return present
    if path.suffix == ".html":
        return _read_html(path.read_text(encoding="utf-8"), reading)
    if path.name.endswith("_metadata.json"):
        reading.metadata(json.loads(path.read_text(encoding="utf-8")))
        return 0
    if path.name.endswith("_metadata.md"):  # definitions and the run, written beside the JSON: no cells
        return 0
    if path.name.endswith("datapackage.json"):  # the Frictionless descriptor: the files' schemas, no cells
        descriptor = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(descriptor, dict) or not isinstance(descriptor.get("resources"), list):
            raise ValueError("not a Data Package descriptor (no resources)")
        return 0
    return None


def _markers(rows: list[list[Any]]) -> int:
    return sum(1 for row in rows for cell in row if isinstance(cell, str) and cell.strip() == HIDDEN)


class _Tables(HTMLParser):
    """The report's tables: (section id, text before the table, heading, rows of cell texts).

    Stable markers read: ``<section id=...>`` (scoreboard, programmes, programme) and a programme
    report's ``data-programme`` (its code), the first ``<h2>`` of a section, ``<table>`` rows of
    ``<td>``/``<th>``. Ignored: attributes, captions,
    the observation marks (``<sup>``) and what follows a ``<br>`` in a cell (the first-published
    value)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[tuple[str, str, str, list[list[str]]]] = []
        self.section = ""
        self.programmes: dict[int, str] = {}  # a table (its index in tables) → its section's data-programme
        self.programme = ""
        self.before = ""
        self.heading = ""
        self.in_heading = False
        self.rows: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.skip = 0  # inside a <sup> or <caption>
        self.disclosure: dict[str, Any] | None = None
        self.markers = 0  # cells reading exactly the hidden marker

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "section":
            self.section, self.before, self.heading = attrs.get("id") or "", "", ""
            self.programme = attrs.get("data-programme") or ""
        elif tag == "h2" and not self.heading:
            self.in_heading = True
        elif tag in ("sup", "caption"):
            self.skip += 1
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
        if tag in ("sup", "caption") and self.skip:
            self.skip -= 1
        elif tag == "h2":
            self.in_heading = False
        elif tag in ("td", "th") and self.cell is not None and self.rows:
            text = "".join(self.cell).split("\n")[0].strip()
            self.markers += text == HIDDEN
            self.rows[-1].append(text)
            self.cell = None
        elif tag == "table" and self.rows is not None:
            if self.programme:
                self.programmes[len(self.tables)] = self.programme
            self.tables.append((self.section, self.before, self.heading, self.rows))
            self.rows = None

    def handle_comment(self, data):
        data = data.strip()
        if data.startswith("indicators-disclosure "):
            self.disclosure = json.loads(data.removeprefix("indicators-disclosure "))

    def handle_data(self, data):
        if self.skip:
            return
        if self.in_heading:
            self.heading += data
        if self.cell is not None:
            self.cell.append(data)
        elif self.rows is None:
            self.before += data


def _read_html(text: str, reading: Reading) -> int:
    """The report's tables into ``reading``; returns the hidden markers in its tables.

    The scoreboard (``section#scoreboard``) is read like the wide CSV table; the per-programme
    table (``section#programmes``) of the year its note names; a programme report
    (``section#programme``: the programme code is its ``data-programme``, whole, a code with a space
    too; in a report written before it carried one, the first word of its ``<h2>``) by its header:
    an indicator per row, a column per academic year, the faculty's value of the report's year."""
    parser = _Tables()
    parser.feed(text)
    if parser.disclosure:
        # a report names its publish (as_of) where it was written --as-of, as an export's metadata does
        reading.metadata({"disclosure_control": parser.disclosure, "as_of": parser.disclosure.get("as_of")})
    decimal = "," if 'lang="sv"' in text[:500] else "."
    for number, (section, before, heading, rows) in enumerate(parser.tables):
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
        elif section == "programme" and (parser.programmes.get(number) or heading.split()):
            code = parser.programmes.get(number) or heading.split()[0]
            _programme_board(code, rows, reading, decimal)
    return parser.markers


def _programme_board(code: str, rows: list[list[str]], reading: Reading, decimal: str) -> None:
    header = [_HEADER_KEYS.get(name, name) for name in rows[0]]
    faculty_words = tuple(labels.HEADERS["faculty_value"].values())  # "<label> <year>"
    for line in rows[1:]:
        indicator = _text(line[0]) if line else None
        if not indicator:
            continue
        unit = _key(_UNIT_KEYS, line[header.index("unit")]) if "unit" in header else None
        for i, name in enumerate(header[: len(line)]):
            if YEAR.match(name):
                key = (indicator, name, code, None, None)
                reading.observe(key, "value", line[i], decimal)
            elif name.startswith(faculty_words) and YEAR.match(name.split(" ")[-1]):
                key = (indicator, name.split(" ")[-1], None, None, None)
                reading.observe(key, "value", line[i], decimal)
            elif name == "baseline_value" and _parse(line[i], decimal) == HIDDEN:
                reading.hidden_read += 1  # the baseline year's column repeats it
                continue
            else:
                continue
            if unit and reading.cells[key].unit is None:
                reading.cells[key].unit = unit


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
