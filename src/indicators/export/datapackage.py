"""``datapackage.json``: the export folder described for machines (Frictionless Data Package, Table Schema).

Every column an export can write is declared once in :data:`FIELDS` (its Table Schema type, and
for words the export writes, the table of words its values come from); a year column
(``2019/20``) is a number. :func:`describe` builds, for the tables written, one resource per file
with the dialect (field separator, decimal mark, encoding), the missing values (an empty cell and
the ``..`` of a hidden one), each column's type and allowed values, the primary key, the foreign
keys to the scoreboard (:data:`FOREIGN_KEYS`), and a link
to the metadata file. A column without a declaration is an error, so a new column cannot be
written undescribed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from indicators import disclosure
from indicators.export import labels
from indicators.export.tables import Table

YEAR_COLUMN = re.compile(r"^\d{4}/\d{2}$")
YEAR_PATTERN = r"\d{4}/\d{2}"
FILE = "datapackage.json"
PROFILE = "tabular-data-package"


@dataclass(frozen=True)
class Field:
    type: str  # Table Schema type: string or number
    words: dict[str, dict[str, str]] | None = None  # the allowed values, in the export's language
    pattern: str | None = None


TEXT = Field("string")
NUMBER = Field("number")
YEAR = Field("string", pattern=YEAR_PATTERN)

FIELDS: dict[str, Field] = {
    "goal_id": TEXT,
    "goal_text": TEXT,
    "target_id": TEXT,
    "target_text": TEXT,
    "indicator_id": TEXT,
    "indicator_name": TEXT,
    "unit": Field("string", labels.UNITS),
    "rule": Field("string", labels.RULES),
    "baseline_year": YEAR,
    "baseline_value": NUMBER,
    "target_value": NUMBER,
    "change_abs": NUMBER,
    "change_pct": NUMBER,
    "cagr_pct": NUMBER,
    "required_cagr_pct": NUMBER,
    "status": Field("string", labels.STATUS),
    "progress": Field("string", labels.PROGRESS),
    "programme_code": TEXT,
    "programme_name": TEXT,
    "academic_year": YEAR,
    "dimension": Field("string", labels.DIMENSIONS),
    "dimension_value": TEXT,
    "value": NUMBER,
    "numerator": NUMBER,
    "denominator": NUMBER,
    "suppression": Field("string", labels.SUPPRESSION),
    "obs_status": Field("string", labels.OBS_STATUS),
    "year_obs_status": Field("string", labels.OBS_STATUS),
    "followup_year": YEAR,
    "followup_value": NUMBER,
    "followup_obs_status": Field("string", labels.OBS_STATUS),
    "midterm_year": YEAR,
    "midterm_value": NUMBER,
    "final_value": NUMBER,
    "final_obs_status": Field("string", labels.OBS_STATUS),
    "change_since_midterm": NUMBER,
    "programmes_done_on": TEXT,
    "sentence": TEXT,
}

PRIMARY_KEYS = {
    "scoreboard": ["indicator_id"],
    "programmes": ["programme_code", "indicator_id"],
    "values": ["indicator_id", "academic_year", "programme_code", "dimension", "dimension_value"],
    "midterm": ["indicator_id"],
    "final": ["indicator_id"],
}


# a table's column that names a row of another table of the same export: every indicator of the
# per-programme table and of the follow-ups is one of the plan's, each a row of the scoreboard
# (built from the same catalogue); the long values hold every indicator with values, so theirs is
# declared only when each is the plan's (:func:`foreign_keys`)
FOREIGN_KEYS = {
    "programmes": [("indicator_id", "scoreboard")],
    "midterm": [("indicator_id", "scoreboard")],
    "final": [("indicator_id", "scoreboard")],
    "values": [("indicator_id", "scoreboard")],
}


class UndescribedColumn(KeyError):
    """A column an export writes that :data:`FIELDS` does not declare."""


def field_of(key: str) -> Field:
    if YEAR_COLUMN.match(key):
        return NUMBER
    try:
        return FIELDS[key]
    except KeyError:
        raise UndescribedColumn(
            f"the export column {key!r} has no Table Schema: declare it in "
            "indicators.export.datapackage.FIELDS"
        ) from None


def schema(table: Table, lang: str) -> dict[str, Any]:
    fields = []
    for column in table.columns:
        declared = field_of(column.key)
        field: dict[str, Any] = {"name": column.label, "type": declared.type}
        if column.label != column.key:
            field["description"] = column.key
        constraints: dict[str, Any] = {}
        if declared.words is not None:
            constraints["enum"] = sorted({entry[lang] for entry in declared.words.values()})
        if declared.pattern:
            constraints["pattern"] = declared.pattern
        if constraints:
            field["constraints"] = constraints
        fields.append(field)
    labels_of = {column.key: column.label for column in table.columns}
    described: dict[str, Any] = {"fields": fields, "missingValues": ["", disclosure.MARKER]}
    key = [labels_of[name] for name in PRIMARY_KEYS.get(table.name, []) if name in labels_of]
    if key:
        described["primaryKey"] = key
    return described


def describe(
    tables: list[Table],
    files: dict[str, str],
    stem: str,
    lang: str,
    metadata_file: str,
    title: str,
    dialect: Any | None = None,
    existing: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The Data Package of an export folder: ``files`` maps each table to its file (CSV) or workbook
    (XLSX); ``dialect`` is the CSV :class:`~indicators.export.writers.Dialect` (None for XLSX). The
    resources of other exports in the folder (``existing``: another language, year or kind) are kept;
    this export's (its ``stem``) replace their earlier versions."""
    resources = []
    fmt = "csv" if dialect is not None else "xlsx"
    # a CSV and an XLSX export of one stem can share a folder: their resources are named apart
    suffix = "" if fmt == "csv" else "_xlsx"
    for table in tables:
        table_schema = schema(table, lang)
        resource: dict[str, Any] = {
            "name": f"{stem}_{table.name}{suffix}".lower(),
            "title": f"{title}: {table.title}",
            "profile": "tabular-data-resource",
            "language": lang,
            "metadata": metadata_file,
            "sources": [{"title": "metadata", "path": metadata_file}],
        }
        if dialect is not None:
            resource |= {
                "path": files[table.name],
                "format": "csv",
                "mediatype": "text/csv",
                # the IANA name the spec asks for; excel-sv's BOM (for Excel) is read past by readers
                "encoding": dialect.encoding.removesuffix("-sig"),
                "dialect": {
                    "delimiter": dialect.delimiter,
                    "lineTerminator": "\r\n",
                    "quoteChar": '"',
                    "doubleQuote": True,
                    "header": True,
                },
            }
            if dialect.decimal != ".":
                for field in table_schema["fields"]:
                    if field["type"] == "number":
                        field["decimalChar"] = dialect.decimal
        else:
            workbook, _, _ = files[table.name].partition(" [")
            resource |= {
                "path": workbook,
                "format": "xlsx",
                "mediatype": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                # Table Dialect v2's sheetName, and frictionless 5's own form of it
                "dialect": {"sheetName": _sheet(table.title), "excel": {"sheet": _sheet(table.title)}},
            }
        keys = foreign_keys(table, tables, {t.name: f"{stem}_{t.name}{suffix}".lower() for t in tables})
        if keys:
            table_schema["foreignKeys"] = keys
        resource["schema"] = table_schema
        resources.append(resource)
    mine = {resource["name"] for resource in resources}
    paths = {resource["path"] for resource in resources}
    kept = [
        resource
        for resource in (existing or {}).get("resources", [])
        if resource.get("name") not in mine
        and resource.get("path") not in paths
        and not (
            str(resource.get("name", "")).startswith(f"{stem}_".lower()) and resource.get("format") == fmt
        )
    ]
    sources = [
        source for source in (existing or {}).get("sources", []) if source.get("path") != metadata_file
    ] + [{"title": title, "path": metadata_file}]
    return {
        "profile": PROFILE,
        "name": "indicators",
        "title": "Internationaliseringsindikatorer" if lang == "sv" else "Internationalisation indicators",
        "sources": sources,
        "resources": kept + resources,
    }


def foreign_keys(table: Table, tables: list[Table], resources: dict[str, str]) -> list[dict[str, Any]]:
    """The Table Schema ``foreignKeys`` of ``table``: each of its :data:`FOREIGN_KEYS` whose target
    table is in the export (``resources``: each table's resource name) and holds
    every value of the column (an empty cell refers to nothing); a link that does not hold for these
    rows (an indicator outside the plan among the long values) is left out, not declared false."""
    by_name = {other.name: other for other in tables}
    found = []
    for key, target_name in FOREIGN_KEYS.get(table.name, []):
        target = by_name.get(target_name)
        if target is None:
            continue
        here = _column(table, key)
        there = _column(target, key)
        if here is None or there is None:
            continue
        known = {row[there] for row in target.rows}
        if all(row[here] in known or row[here] is None for row in table.rows):
            found.append(
                {
                    "fields": [table.columns[here].label],
                    "reference": {
                        "resource": resources[target_name],
                        "fields": [target.columns[there].label],
                    },
                }
            )
    return found


def _column(table: Table, key: str) -> int | None:
    return next((index for index, column in enumerate(table.columns) if column.key == key), None)


def _sheet(title: str) -> str:
    from indicators.export.writers import _sheet_name

    return _sheet_name(title)
