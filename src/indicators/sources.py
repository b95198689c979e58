"""Source specifications: ``pipelines/<source>.yml`` → typed specs.

Adding a source or a header alias is an edit of a YAML file, never of Python.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

FIELD_TYPES = {
    # type name → DuckDB column type in raw.<source>
    "string": "VARCHAR",
    "code": "VARCHAR",
    "code_list": "VARCHAR",
    "country": "VARCHAR",
    "enum": "VARCHAR",
    "term": "VARCHAR",
    "academic_year": "VARCHAR",
    "person_id": "VARCHAR",
    "person_id_list": "VARCHAR",
    "date": "DATE",
    "integer": "BIGINT",
    "decimal": "DOUBLE",
    "bool": "BOOLEAN",
    "bool_or_count": "BOOLEAN",
}

# Columns every raw table carries beside the canonical fields.
METADATA_COLUMNS = {
    "_file_id": "BIGINT",
    "_file_name": "VARCHAR",
    "_row_number": "BIGINT",
    "_loaded_at": "TIMESTAMP",
    "_run_id": "VARCHAR",
}


def header_key(text: str) -> str:
    """Header matching ignores case, spaces, ``_``/``-`` and surrounding whitespace."""
    return re.sub(r"[\s_\-]+", "", str(text).strip().lstrip("\ufeff")).casefold()


def value_key(text: str) -> str:
    """Enum values match case-insensitively with runs of whitespace collapsed."""
    return re.sub(r"\s+", " ", str(text).strip()).casefold()


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    personal: bool = False
    aliases: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)  # value_key(alias) → canonical value

    @property
    def sql_type(self) -> str:
        return FIELD_TYPES[self.type]


@dataclass(frozen=True)
class RuleSpec:
    check: str
    field: str
    other: str


@dataclass(frozen=True)
class SourceSpec:
    name: str
    description: str
    patterns: tuple[str, ...]
    business_key: tuple[str, ...]
    fields: tuple[FieldSpec, ...]
    rules: tuple[RuleSpec, ...] = ()
    sheet: str | None = None

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def required(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    @property
    def personal(self) -> list[str]:
        return [f.name for f in self.fields if f.personal]

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    def header_map(self) -> dict[str, str]:
        """header_key(alias or canonical name) → canonical field name."""
        mapping: dict[str, str] = {}
        for f in self.fields:
            for alias in (f.name, *f.aliases):
                mapping.setdefault(header_key(alias), f.name)
        return mapping

    def matches(self, file_name: str) -> bool:
        name = file_name.casefold()
        return any(fnmatch.fnmatch(name, p.casefold()) for p in self.patterns)


def _field(name: str, raw: dict) -> FieldSpec:
    if raw.get("type") not in FIELD_TYPES:
        raise ValueError(f"field {name}: unknown type {raw.get('type')!r}")
    if (raw["type"] in ("person_id", "person_id_list")) != bool(raw.get("personal", False)):
        # the loader pseudonymises exactly the personal fields, and only identifiers can be hashed
        raise ValueError(f"field {name}: a person identifier is personal, and only a person identifier is")
    values = {}
    for canonical, aliases in (raw.get("values") or {}).items():
        for alias in (canonical, *aliases):
            values[value_key(alias)] = canonical
    return FieldSpec(
        name=name,
        type=raw["type"],
        required=bool(raw.get("required", False)),
        personal=bool(raw.get("personal", False)),
        aliases=tuple(str(a) for a in raw.get("aliases", ())),
        values=values,
    )


def read_yaml(path: Path) -> dict:
    """A YAML file's contents, read with libyaml's safe loader where it exists (ten times faster)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # safe: no Python objects


def load_source(path: Path) -> SourceSpec:
    return _spec(read_yaml(path), path)


def _spec(raw: dict, path: Path) -> SourceSpec:
    fields = tuple(_field(name, spec) for name, spec in raw["fields"].items())
    spec = SourceSpec(
        name=raw["source"],
        description=raw.get("description", ""),
        patterns=tuple(raw["patterns"]),
        business_key=tuple(raw["business_key"]),
        fields=fields,
        rules=tuple(RuleSpec(**r) for r in raw.get("rules", ())),
        sheet=raw.get("sheet"),
    )
    unknown = set(spec.business_key) - set(spec.field_names)
    if unknown:
        raise ValueError(f"{path.name}: business key names unknown fields {sorted(unknown)}")
    return spec


def load_sources(pipelines_dir: Path) -> list[SourceSpec]:
    """Every source spec in ``pipelines_dir`` (each YAML file with a ``source:`` key)."""
    specs = []
    for path in sorted(pipelines_dir.glob("*.yml")):
        raw = read_yaml(path)
        if "source" in raw:
            specs.append(_spec(raw, path))
    return specs


def match_source(file_name: str, specs: list[SourceSpec]) -> SourceSpec | None:
    """The source whose pattern matches; the longest matching pattern wins on overlap."""
    best: tuple[int, SourceSpec] | None = None
    for spec in specs:
        for pattern in spec.patterns:
            if fnmatch.fnmatch(file_name.casefold(), pattern.casefold()) and (
                best is None or len(pattern) > best[0]
            ):
                best = (len(pattern), spec)
    return best[1] if best else None


# An extraction date in a file name: 2024-03-01, 2024_03_01 or 20240301, not inside a longer number.
_EXTRACTION_DATE = re.compile(r"(?<!\d)(\d{4})[-_]?(\d{2})[-_]?(\d{2})(?!\d)")


def extraction_date(file_name: str) -> dt.date | None:
    """The day an export was taken, from its file name (``staff_mobility_2024-03-01.csv``), or None.

    The last valid date in the name wins (``export_2019-2024_2024-03-01.csv`` → 2024-03-01); a name
    with only a year (``programme_register_2025.xlsx``) or an impossible date has none.
    """
    found = None
    for match in _EXTRACTION_DATE.finditer(Path(file_name).stem):
        try:
            found = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        except ValueError:
            continue
    return found
