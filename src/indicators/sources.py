"""Source specifications: ``pipelines/<source>.yml`` → typed specs.

Adding a source or a header alias is an edit of a YAML file, never of Python.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from indicators.redact import INVISIBLE

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
    """Header matching ignores case, spaces, ``_``/``-``, surrounding whitespace, how a letter with a
    diacritic is encoded (``ä`` composed or as ``a`` + U+0308: NFC) and the characters that show as
    nothing (a soft hyphen in 'Start\u00addatum', a zero-width space: a header copied from a web page;
    the file was rejected for a missing start_date, or the column ignored)."""
    composed = unicodedata.normalize("NFC", str(text))
    return re.sub(rf"[\s_\-{INVISIBLE}]+", "", composed.strip().lstrip("\ufeff")).casefold()


def value_key(text: str) -> str:
    """Enum values match case-insensitively with runs of whitespace collapsed (and composed: NFC)."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text)).strip()).casefold()


@dataclass(frozen=True)
class FieldSpec:
    name: str
    type: str
    required: bool = False
    personal: bool = False
    aliases: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)  # value_key(alias) → canonical value
    derive: str | None = None  # a DuckDB SQL expression over the export's own columns
    default: str | None = None  # a constant (as text, parsed like an exported value)
    formats: tuple[str, ...] = ()  # date forms tried first (strptime, or `excel`)
    generate: str | None = None  # "row": a key from the whole exported row
    keep_precision: bool = False  # dates: a companion column <name>_precision
    open_end: bool = False  # dates: a year-9999 date is read as open (NULL)
    precision_of: str | None = None  # set on the companion column: the date field it describes
    digits_are_ids: bool = (
        False  # person ids: numbers are a system's ids, not personnummer (decided per file)
    )
    # decimals: ',' or '.', the contract's `decimal:`, else where the file's column shows which (per file)
    decimal_mark: str | None = None
    # codes: a code of the file spaced otherwise than the Erasmus list → as the list writes it (per file)
    readings: dict[str, str] = field(default_factory=dict)
    line: int = 0  # the field's line in its contract file

    @property
    def sql_type(self) -> str:
        return FIELD_TYPES[self.type]

    @property
    def from_export(self) -> bool:
        """Read from an export's column (not derived, generated, a constant or a companion)."""
        return self.derive is None and self.generate is None and self.precision_of is None


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
    profile: str | None = None  # None: the source's own file; else another export's profile
    contract_file: str = ""  # pipelines/<file>.yml, as messages name it
    skip_rows: int = 0  # rows above the header
    each_row: str = "record"  # "one_person": anonymous microdata, identical rows are distinct persons
    keep_rows: str | None = None  # a DuckDB SQL condition over the export's columns; other rows left out
    persons_per_row: str | None = None  # a DuckDB SQL expression: the persons a row stands for (one_person)
    profiles: tuple[SourceSpec, ...] = ()  # other exports read into this source (pipelines/<source>__<p>.yml)

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
        """header_key(alias or canonical name) → canonical field name (fields read from a column)."""
        mapping: dict[str, str] = {}
        for f in self.fields:
            if not f.from_export:
                continue
            for alias in (f.name, *f.aliases):
                mapping.setdefault(header_key(alias), f.name)
        return mapping

    def matches(self, file_name: str) -> bool:
        name = file_name.casefold()
        return any(fnmatch.fnmatch(name, p.casefold()) for p in self.patterns)


NOT_SOURCES = {"nightly.yml", "warehouse_tables.yml"}  # the pipelines files that are no source contract


def read_yaml(path: Path) -> dict:
    """A YAML file's contents, read with libyaml's safe loader where it exists (ten times faster)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader) or {}  # safe: no Python objects


def load_source(path: Path) -> SourceSpec:
    """One source's own file (a profile needs its source: use :func:`load_sources`)."""
    from indicators.source_build import build_source

    return build_source(path)


# The sources last read from each folder, with the bytes they were read from (their hashes): a
# nightly reads them when it starts, again for GX and for the retention, and each reading costs
# about 0.1 s of YAML and schema checks (the specs are frozen: one list serves every caller)
_LOADED: dict[Path, tuple[tuple, tuple[SourceSpec, ...]]] = {}


def load_sources(pipelines_dir: Path) -> list[SourceSpec]:
    """Every source in ``pipelines_dir`` (a YAML file with ``source:``), each with its profiles: the
    files with ``profile:`` that read another export into the same source (see :func:`match_source`).

    A contract file that does not fit the schema raises :class:`ContractFileError` (one line). The
    folder's files are read each time; they are parsed again only when their bytes changed.
    """
    paths = sorted(pipelines_dir.glob("*.yml"))
    folder = pipelines_dir.resolve()
    read = _read_key(paths)
    kept = _LOADED.get(folder)
    if kept is not None and kept[0] == read:
        return list(kept[1])
    specs = _build_sources(paths)
    if _read_key(paths) == read:  # not kept when a file changed while it was parsed
        _LOADED.pop(folder, None)
        _LOADED[folder] = (read, tuple(specs))
        while len(_LOADED) > KEPT_FOLDERS:  # the least recently parsed go (the tests' many folders)
            del _LOADED[next(iter(_LOADED))]
    return specs


KEPT_FOLDERS = 4


def _read_key(paths: list[Path]) -> tuple:
    return tuple((path.name, hashlib.sha256(path.read_bytes()).digest()) for path in paths)


def _build_sources(paths: list[Path]) -> list[SourceSpec]:
    from indicators.source_build import build_profile, build_source, read_yaml_quietly

    own, profiles = {}, []
    for path in paths:
        if path.name in NOT_SOURCES:
            continue
        head = read_yaml_quietly(path)
        if "source" not in head:  # a misspelt `source:` would leave the whole file unread
            from indicators.source_schema import ContractFileError

            raise ContractFileError(
                f"pipelines/{path.name}:1: no source: key; a source contract starts with `source: <name>` "
                f"(the settings and table docs are {' and '.join(sorted(NOT_SOURCES))})"
            )
        if "profile" in head:
            profiles.append(path)
        else:
            spec = build_source(path)
            own[spec.name] = spec
    readers: dict[str, list[SourceSpec]] = {}
    named: dict[tuple[str, str], Path] = {}
    for path in profiles:
        profile = build_profile(path, own)
        first = named.setdefault((profile.name, profile.profile), path)
        if first != path:  # the run's notes and audit rows name a file's profile: one name, one profile
            from indicators.source_schema import ContractFileError

            raise ContractFileError(
                f"pipelines/{path.name}:1: profile {profile.profile!r} of source {profile.name} is also "
                f"pipelines/{first.name}'s: give each profile its own name"
            )
        readers.setdefault(profile.name, []).append(profile)
    return [replace(spec, profiles=tuple(readers.get(name, ()))) for name, spec in own.items()]


def readers(specs: list[SourceSpec]) -> list[SourceSpec]:
    """Every way a file is read: each source's own file and its profiles."""
    return [reader for spec in specs for reader in (spec, *spec.profiles)]


_SPACED = re.compile(r"[\s\-]+")  # a file name's words spaced or hyphenated: read as one '_'


def match_source(file_name: str, specs: list[SourceSpec]) -> SourceSpec | None:
    """The source (or profile) whose pattern matches; the longest matching pattern wins on overlap.

    Names are compared composed (NFC): a name written decomposed, as macOS writes file names
    (``lärarutbyten…`` with ``a`` + U+0308), matches the pattern it shows; and with a space or a hyphen
    read as ``_`` (``student mobility 2024.csv``, ``student-mobility.csv``: a name a person typed, left
    in the inbox as matching no source)."""
    best: tuple[int, SourceSpec] | None = None
    name = _SPACED.sub("_", unicodedata.normalize("NFC", file_name).casefold())
    for spec in readers(specs):
        for pattern in spec.patterns:
            if fnmatch.fnmatch(name, _SPACED.sub("_", unicodedata.normalize("NFC", pattern).casefold())) and (
                best is None or len(pattern) > best[0]
            ):
                best = (len(pattern), spec)
    return best[1] if best else None


# An extraction date in a file name: 2024-03-01, 2024_03_01 or 20240301, not inside a longer number.
_EXTRACTION_DATE = re.compile(r"(?<!\d)(\d{4})[-_]?(\d{2})[-_]?(\d{2})(?!\d)")


# a delivery without rows of its own that still reaches a date (stg_audit__deliveries): a dated file
# with the bytes of a loaded one, or a dated export of no data rows (a monthly delta's empty month)
ROWLESS_DELIVERY = """extraction_date is not null and source is not null
    and (status = 'skipped' or (status = 'rejected' and starts_with(reason, 'no data rows')))"""


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
