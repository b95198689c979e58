"""The source contract, written once: ``pipelines/<source>.yml`` → the dbt sources and the GX suites.

``indicators generate`` writes, from the source specs alone plus two small hand-kept files:

* ``models/staging/_staging__sources.yml`` — dbt's view of ``raw.<source>`` (every canonical field
  with its type, value set and export headers, then the ingest's metadata columns of
  :data:`indicators.sources.METADATA_COLUMNS`) and of the audit tables staging reads. The hand-kept
  text (the schema's description, what each metadata and audit column means) is in
  ``pipelines/warehouse_tables.yml``; the audit columns' types are read from
  :data:`indicators.warehouse.AUDIT_TABLES`, the DDL that creates them.
* ``expectations/raw_<source>.json`` — a GX 1.x suite per source, in the format
  :mod:`indicators.quality` reads. What the contract implies is generated: the column set and the
  type of every typed field (frame ``schema``); not null for the business key and every required
  field; the business key unique (compound when it has several fields); each enum's canonical
  values (error when the field is required, a warning otherwise); and the formats the types
  country, term and academic_year guarantee. What the contract cannot say (plausible ranges,
  collapse and drop thresholds, derived columns, the year column of the by-year profile, a ``why``
  or severity other than the default) is hand-kept in ``expectations/thresholds.yml`` and merged.

Ids. A suite's id is ``uuid5(ID_NAMESPACE, suite name)``, an expectation's ``uuid5(suite id, check
name)`` (the check name, ``expect_column_values_to_be_between(credits_ects)`` plus a label, is
unique in a suite and is what ``audit.dq_results`` records): the same check keeps its id across
regenerations and contract edits, and a new or changed check gets a new one.

``indicators generate --check`` writes nothing and names every file that differs from what the
generator writes now (a test does the same), so a hand edit of a generated file does not survive.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import yaml

from indicators.quality.suites import FRAMES, SEVERITIES, SuiteError, check_kwargs, check_name
from indicators.sources import METADATA_COLUMNS, FieldSpec, SourceSpec, load_sources, read_yaml
from indicators.warehouse import AUDIT_TABLES

DBT_SOURCES = Path("models/staging/_staging__sources.yml")
# the audit tables no model reads, for the dbt docs (exempt from dbt-bouncer's orphaned-source check)
DBT_AUDIT_RECORDS = Path("models/staging/_audit_records__sources.yml")
SUITES_DIR = Path("expectations")
THRESHOLDS = SUITES_DIR / "thresholds.yml"
WAREHOUSE_TABLES = Path("pipelines/warehouse_tables.yml")

ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "indicators:expectations")

# The formats a contract type guarantees (the parsers in indicators.normalise produce nothing else).
TYPE_FORMATS = {
    "country": (r"^[A-Z]{2}$", "ISO 3166-1 alpha-2 (two upper-case letters); the region mapping joins on it"),
    "term": (r"^(?:HT|VT)\d{4}$", "a term written HT2019 or VT2020"),
    "academic_year": (r"^\d{4}/\d{2}$", "an academic year written 2019/20"),
}
# DuckDB column type → the name GX's type check knows it by (the schema frame has Arrow dtypes).
GX_TYPES = {"DATE": "date", "BIGINT": "int", "DOUBLE": "float", "BOOLEAN": "bool"}
# What a contract type means for the stored value, in the dbt column descriptions.
TYPE_NOTES = {
    "code": "Upper case, trimmed.",
    "code_list": "Codes in upper case, separated by `;`.",
    "country": (
        "ISO 3166-1 alpha-2 (EL read as GR, UK as GB; an alpha-3 code or an English or Swedish name "
        "of seeds/country_regions.csv read as its code)."
    ),
    "term": "Written HT2019 or VT2020.",
    "academic_year": "Written 2019/20.",
    "person_id": "A keyed HMAC-SHA256 (64 hex digits) of the normalised personnummer, T-number or UID.",
    "person_id_list": "Each identifier's keyed HMAC-SHA256 (64 hex digits), sorted, separated by `;`.",
    "bool_or_count": "True when the export says yes or gives a count above 0.",
}
CHECK_KEYS = ("type", "severity", "why", "frame", "label")  # a hand-kept check: these, the rest is kwargs
OVERRIDABLE = ("severity", "why")


class ContractError(ValueError):
    """A hand-kept file that does not fit the contract (the message names the file and the entry)."""


@dataclass(frozen=True)
class Contract:
    """Everything the generator reads: the source specs and the two hand-kept files."""

    sources: list[SourceSpec]
    descriptions: dict[str, dict[str, str]]  # source → field → the field's own `description:`
    thresholds: dict
    tables: dict

    @classmethod
    def read(cls, root: Path) -> Contract:
        pipelines = root / "pipelines"
        sources = load_sources(pipelines)  # a source's profiles read other exports into the same table
        descriptions = {}
        for path in sorted(pipelines.glob("*.yml")):
            raw = read_yaml(path)
            if "source" in raw and "profile" not in raw:
                descriptions[raw["source"]] = {
                    name: str(spec["description"])
                    for name, spec in raw["fields"].items()
                    if spec.get("description")
                }
        for spec in sources:
            for f in spec.fields:
                if f.precision_of:
                    descriptions.setdefault(spec.name, {})[f.name] = (
                        f"How precise `{f.precision_of}` is, from the form it was exported in: day, month "
                        "(e.g. MM-YYYY, stored as the first of the month) or year (stored as 1 January); "
                        f"null where `{f.precision_of}` is"
                    )
        return cls(sources, descriptions, read_yaml(root / THRESHOLDS), read_yaml(root / WAREHOUSE_TABLES))


# --- the GX suites ---------------------------------------------------------------------------


def suite(spec: SourceSpec, thresholds: dict) -> dict:
    """The suite of one source: the checks its contract implies, then the hand-kept ones."""
    hand = (thresholds.get("sources") or {}).get(spec.name) or {}
    unknown = set(hand) - {"meta", "checks", "overrides"}
    if unknown:
        raise ContractError(f"{THRESHOLDS}: {spec.name}: unknown keys {sorted(unknown)}")
    meta = dict(hand.get("meta") or {})
    expectations = _implied(spec)
    by_name = {check_name(e): e for e in expectations}
    for name, changes in (hand.get("overrides") or {}).items():
        if name not in by_name:
            raise ContractError(
                f"{THRESHOLDS}: {spec.name}: override of {name!r}, which the contract does not imply"
            )
        if set(changes) - set(OVERRIDABLE):
            raise ContractError(
                f"{THRESHOLDS}: {spec.name}: {name}: only {', '.join(OVERRIDABLE)} can be overridden"
            )
        by_name[name]["meta"].update(changes)
    columns = set(spec.field_names) | set(meta.get("derived_columns") or {})
    for number, entry in enumerate(hand.get("checks") or (), start=1):
        expectation = _hand_kept(entry)
        where = f"{THRESHOLDS}: {spec.name}: check {number} ({check_name(expectation)})"
        for key, allowed in (("severity", SEVERITIES), ("frame", (None, *FRAMES))):
            if expectation["meta"].get(key) not in allowed:
                shown = ", ".join(a for a in allowed if a)
                raise ContractError(f"{where}: {key} {expectation['meta'][key]!r} is not one of {shown}")
        try:
            check_kwargs(expectation, where)
        except SuiteError as exc:
            raise ContractError(str(exc)) from None
        column = expectation["kwargs"].get("column")
        if column is not None and expectation["meta"].get("frame") != "by_year" and column not in columns:
            raise ContractError(f"{where}: no field or derived column {column!r}")  # by_year: the profile's
        if check_name(expectation) in by_name:
            raise ContractError(f"{where}: the contract implies this check already (override it instead)")
        by_name[check_name(expectation)] = expectation
        expectations.append(expectation)
    year_column = meta.get("year_date_column")
    if year_column is not None and (
        year_column not in spec.field_names or spec.field(year_column).type != "date"
    ):
        raise ContractError(
            f"{THRESHOLDS}: {spec.name}: year_date_column {year_column!r} is not a date field"
        )
    name = f"raw_{spec.name}"
    suite_id = uuid.uuid5(ID_NAMESPACE, name)
    for expectation in expectations:
        expectation["id"] = str(uuid.uuid5(suite_id, check_name(expectation)))
    return {
        "name": name,
        "id": str(suite_id),
        "meta": {
            "great_expectations_version": importlib.metadata.version("great_expectations"),
            "table_name": f"raw.{spec.name}",
            **meta,
        },
        "notes": None,
        "expectations": [
            {"id": e["id"], "type": e["type"], "kwargs": e["kwargs"], "meta": e["meta"]} for e in expectations
        ],
    }


def _implied(spec: SourceSpec) -> list[dict]:
    """The checks the contract implies, in a fixed order: schema, not null, key, formats, value sets."""
    source_file = f"pipelines/{spec.name}.yml"
    checks = [
        _check(
            "expect_table_columns_to_match_set",
            {"column_set": spec.field_names, "exact_match": False},
            f"the raw table has every canonical field of {source_file}",
            frame="schema",
        )
    ]
    for f in spec.fields:
        if f.sql_type in GX_TYPES:
            checks.append(
                _check(
                    "expect_column_values_to_be_of_type",
                    {"column": f.name, "type_": GX_TYPES[f.sql_type]},
                    f"{f.name} is stored as {GX_TYPES[f.sql_type]}",
                    frame="schema",
                )
            )
    for f in spec.fields:
        if f.name in spec.business_key and f.required:
            checks.append(
                _check(
                    "expect_column_values_to_not_be_null",
                    {"column": f.name},
                    f"{f.name} is part of the business key",
                )
            )
        elif f.required:
            checks.append(
                _check(
                    "expect_column_values_to_not_be_null",
                    {"column": f.name},
                    f"{f.name} is required in {source_file}",
                )
            )
    unique_why = "one current row per business key (staging picks one version per key)"
    if len(spec.business_key) == 1:
        checks.append(
            _check("expect_column_values_to_be_unique", {"column": spec.business_key[0]}, unique_why)
        )
    else:
        checks.append(
            _check(
                "expect_compound_columns_to_be_unique", {"column_list": list(spec.business_key)}, unique_why
            )
        )
    for f in spec.fields:
        if f.type in TYPE_FORMATS:
            regex, why = TYPE_FORMATS[f.type]
            checks.append(
                _check("expect_column_values_to_match_regex", {"column": f.name, "regex": regex}, why)
            )
    for f in spec.fields:
        if f.precision_of:
            checks.append(
                _check(
                    "expect_column_values_to_be_in_set",
                    {"column": f.name, "value_set": ["day", "month", "year"]},
                    f"how precise {f.precision_of} is: day, month or year",
                )
            )
        if f.type == "enum":
            checks.append(
                _check(
                    "expect_column_values_to_be_in_set",
                    {"column": f.name, "value_set": sorted(canonical_values(f))},
                    f"only the canonical values of {f.name} in {source_file}",
                    severity="error" if f.required else "warn",
                )
            )
    return checks


def _check(
    kind: str,
    kwargs: dict,
    why: str,
    severity: str = "error",
    frame: str | None = None,
    label: str | None = None,
) -> dict:
    meta = {"severity": severity, "why": why}
    if frame is not None:
        meta["frame"] = frame
    if label is not None:
        meta["label"] = label
    return {"type": kind, "kwargs": kwargs, "meta": meta}


def _hand_kept(entry: dict) -> dict:
    """``{type, severity, why, [frame], [label], **kwargs}`` from thresholds.yml → an expectation."""
    missing = [key for key in ("type", "severity", "why") if key not in entry]
    if missing:
        raise ContractError(f"{THRESHOLDS}: a check without {', '.join(missing)}: {entry}")
    kwargs = {key: value for key, value in entry.items() if key not in CHECK_KEYS}
    return _check(
        entry["type"], kwargs, entry["why"], entry["severity"], entry.get("frame"), entry.get("label")
    )


def canonical_values(f: FieldSpec) -> list[str]:
    """An enum's canonical values in the order the contract declares them."""
    return list(dict.fromkeys(f.values.values()))


# --- the dbt sources -------------------------------------------------------------------------


def dbt_sources(contract: Contract) -> dict:
    """``_staging__sources.yml`` as data: the raw source from the specs, the audit source hand-kept."""
    raw = contract.tables.get("raw") or {}
    metadata = raw.get("metadata_columns") or {}
    if list(metadata) != list(METADATA_COLUMNS):
        raise ContractError(
            f"{WAREHOUSE_TABLES}: raw.metadata_columns must describe {', '.join(METADATA_COLUMNS)}, in order"
        )
    tables = []
    for spec in contract.sources:
        described = contract.descriptions.get(spec.name, {})
        columns = [
            _column(f.name, field_description(f, described.get(f.name)), f.sql_type) for f in spec.fields
        ]
        columns += [_column(name, metadata[name], sql_type) for name, sql_type in METADATA_COLUMNS.items()]
        tables.append(
            {
                "name": spec.name,
                "description": f"{spec.description} Business key: {', '.join(spec.business_key)}.",
                "columns": columns,
            }
        )
    sources = [{"name": "raw", "schema": "raw", "description": raw["description"], "tables": tables}]
    audit = contract.tables.get("audit") or {}
    sources.append(
        {
            "name": "audit",
            "schema": "audit",
            "description": audit["description"],
            "tables": _audit_tables(audit),
        }
    )
    return {"version": 2, "sources": sources}


def dbt_audit_records(contract: Contract) -> dict:
    """``_audit_records__sources.yml`` as data: the run records no model reads, for the dbt docs."""
    records = contract.tables.get("audit_records") or {}
    return {
        "version": 2,
        "sources": [
            {
                "name": "audit_records",
                "schema": "audit",
                "description": records.get("description", ""),
                "tables": _audit_tables(records),
            }
        ],
    }


def _audit_tables(section: dict) -> list[dict]:
    tables = []
    for table, doc in (section.get("tables") or {}).items():
        types = audit_column_types(table)
        columns = []
        for name, text in doc["columns"].items():
            if name not in types:
                raise ContractError(
                    f"{WAREHOUSE_TABLES}: audit.{table} has no column {name} (see warehouse.AUDIT_TABLES)"
                )
            columns.append(_column(name, text, types[name]))
        tables.append({"name": table, "description": doc["description"], "columns": columns})
    return tables


def field_description(f: FieldSpec, own: str | None = None) -> str:
    """``Canonical field `x` (type): <own>. <what the type means> Values: … Export headers: … Required.``"""
    parts = [f"Canonical field `{f.name}` ({f.type}){f': {own}' if own else ''}."]
    if f.type in TYPE_NOTES:
        parts.append(TYPE_NOTES[f.type])
    if f.type == "enum":
        parts.append(f"Values: {', '.join(canonical_values(f))}.")
    if f.aliases:
        parts.append(f"Export headers: {', '.join(f.aliases)}.")
    if f.required:
        parts.append("Required.")
    if f.personal:
        parts.append("Personal data, pseudonymised at ingest: never in clear.")
    return " ".join(parts)


def _column(name: str, description: str, sql_type: str) -> dict:
    return {"name": name, "description": description, "data_type": sql_type.lower()}


def audit_column_types(table: str) -> dict[str, str]:
    """Column → type of an audit table, read from the DDL that creates it."""
    types = {}
    for line in AUDIT_TABLES[table].split(","):
        words = line.split()
        if len(words) >= 2 and re.fullmatch(r"[a-z_][a-z0-9_]*", words[0]):
            types[words[0]] = words[1].upper()
    return types


class _Dumper(yaml.SafeDumper):
    """Block style with list items indented under their key (as dbt's own examples write it)."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


# --- the files -------------------------------------------------------------------------------


def generate(root: Path) -> dict[Path, str]:
    """Every generated file (path relative to ``root``) → its text."""
    contract = Contract.read(root)
    header = (
        "# Generated by `indicators generate` from pipelines/*.yml (the source contract) and\n"
        f"# {WAREHOUSE_TABLES} (the metadata and audit columns): edit those, not this file.\n"
    )
    body = yaml.dump(dbt_sources(contract), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110)
    files = {DBT_SOURCES: header + body}
    if contract.tables.get("audit_records"):
        records = yaml.dump(
            dbt_audit_records(contract), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=110
        )
        files[DBT_AUDIT_RECORDS] = header + records
    for spec in contract.sources:
        doc = suite(spec, contract.thresholds)
        files[SUITES_DIR / f"{doc['name']}.json"] = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
    named = {spec.name for spec in contract.sources}
    unknown = set(contract.thresholds.get("sources") or {}) - named
    if unknown:
        raise ContractError(f"{THRESHOLDS}: no pipelines/<source>.yml for {', '.join(sorted(unknown))}")
    return files


def stale(root: Path, files: dict[Path, str]) -> list[Path]:
    """Suites in ``expectations/`` the generator no longer writes (their source is gone)."""
    return sorted(
        p.relative_to(root)
        for p in (root / SUITES_DIR).glob("raw_*.json")
        if p.relative_to(root) not in files
    )


def differing(root: Path) -> list[Path]:
    """The generated files whose text on disk is not what the generator writes now (or that are stale)."""
    files = generate(root)
    changed = [
        path
        for path, text in files.items()
        if not (root / path).is_file() or (root / path).read_text(encoding="utf-8") != text
    ]
    return changed + stale(root, files)


def write(root: Path) -> tuple[list[Path], list[Path]]:
    """Write what differs, remove stale suites; (written, removed), paths relative to ``root``."""
    files = generate(root)
    written = []
    for path, text in files.items():
        target = root / path
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
            written.append(path)
    removed = stale(root, files)
    for path in removed:
        (root / path).unlink()
    return written, removed
