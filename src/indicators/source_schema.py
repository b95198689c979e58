"""The schema of a source contract file (``pipelines/<source>.yml``), checked with pydantic v2.

Every mistake an analyst can make in a contract file is one line naming the file, the line, the
field and the fix: an unknown key (``alias:`` for ``aliases:``), a wrong type, an unknown field
type, a ``derive:`` that is not one SQL expression, an alias two fields share. The YAML is read
twice: once as data, once as a node tree that knows each key's line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

FIELD_TYPE_NAMES = (
    "string",
    "code",
    "code_list",
    "country",
    "enum",
    "term",
    "academic_year",
    "person_id",
    "person_id_list",
    "date",
    "integer",
    "decimal",
    "bool",
    "bool_or_count",
)
# what a profile may say about a field (how to read it from this export), and what only the source may
PROFILE_FIELD_KEYS = ("aliases", "values", "derive", "default", "formats", "generate", "decimal")
DECIMAL_MARKS = (",", ".")  # a decimal field's `decimal:`, the separator the export writes


class ContractFileError(Exception):
    """A contract file that does not fit the schema: one line, file:line, field, cause and fix."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class ProfileField(_Strict):
    """How a field is read from one export."""

    aliases: list[str] = Field(default_factory=list)
    values: dict[str, list[str | int | bool]] = Field(default_factory=dict)
    derive: str | None = None  # a DuckDB SQL expression over the export's own columns
    default: str | int | float | bool | dt.date | None = (
        None  # a constant where the export has no such column
    )
    formats: list[str] | None = None  # date forms (strptime, or `excel` for serial numbers)
    generate: Literal["row"] | None = None  # a key from the whole exported row
    decimal: str | None = None  # decimals: the separator the export writes (',' or '.'), not guessed


class SourceField(ProfileField):
    """A canonical field: what it is (type, required, personal) and how it is read."""

    type: Literal[FIELD_TYPE_NAMES]  # type: ignore[valid-type]
    required: bool = False
    personal: bool = False
    description: str | None = None
    keep_precision: bool = False  # dates: a `<field>_precision` column says day, month or year
    open_end: bool = False  # dates, academic years: year 9999 (9999-12-31, 9999/00) is read as open: NULL


class Rule(_Strict):
    check: Literal["not_before"]
    field: str
    other: str


class _Reading(_Strict):
    """What the source file and its profiles share: how files are matched and read."""

    source: str
    patterns: list[str] = Field(min_length=1)
    sheet: str | None = None
    skip_rows: int = Field(default=0, ge=0, le=1000)  # rows above the header (merged title rows)
    each_row: Literal["record", "one_person"] = "record"
    keep_rows: str | None = None  # a DuckDB SQL condition: rows where it is not true are left out (counted)
    # a DuckDB SQL expression: how many persons a row of aggregated microdata stands for (the EC's KA1
    # Participants); the row is loaded that many times (each_row: one_person)
    persons_per_row: str | None = None

    @field_validator("source")
    @classmethod
    def _identifier(cls, value: str) -> str:
        if not re.fullmatch(r"[a-z][a-z0-9_]*", value):
            raise ValueError("a source name is lower case letters, digits and _")
        return value


class SourceFile(_Reading):
    description: str = ""
    business_key: list[str] = Field(min_length=1)
    fields: dict[str, SourceField] = Field(min_length=1)
    rules: list[Rule] = Field(default_factory=list)


class ProfileFile(_Reading):
    """``pipelines/<source>__<profile>.yml``: another export of the same source."""

    profile: str
    description: str = ""
    fields: dict[str, ProfileField] = Field(default_factory=dict)


# --- reading with lines ------------------------------------------------------------------------


def read_with_lines(path: Path) -> tuple[dict, yaml.Node | None]:
    """The file's data and its node tree (for line numbers); a YAML syntax error is one line."""
    text = path.read_text(encoding="utf-8")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        data = yaml.load(text, Loader=loader) or {}  # safe: no Python objects
        node = yaml.compose(text, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ContractFileError(f"{_shown(path)}{line}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise ContractFileError(
            f"{_shown(path)}:1: a contract file is a mapping of keys (source:, fields:, …)"
        )
    twice = _duplicate_key(node)
    if twice is not None:  # YAML keeps the last silently: a field or key written twice loses the first
        raise ContractFileError(
            f"{_shown(path)}:{twice.start_mark.line + 1}: {twice.value}: written twice in the same block; keep one"
        )
    return data, node


def _duplicate_key(node: yaml.Node | None) -> yaml.Node | None:
    """The first key written twice in one mapping, anywhere in the tree."""
    if isinstance(node, yaml.MappingNode):
        seen = set()
        for key, value in node.value:
            if key.value in seen:
                return key
            seen.add(key.value)
            found = _duplicate_key(value)
            if found is not None:
                return found
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found = _duplicate_key(item)
            if found is not None:
                return found
    return None


def line_of(node: yaml.Node | None, loc: tuple) -> int:
    """The line of the deepest key or item of ``loc`` that exists in the node tree (1-based)."""
    line = 1 if node is None else node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part):
                    line, node = key.start_mark.line + 1, value
                    break
            else:
                return line
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            return line
    return line


def _shown(path: Path) -> str:
    return f"{path.parent.name}/{path.name}" if path.parent.name else path.name


def _where(loc: tuple) -> str:
    if len(loc) >= 2 and loc[0] == "fields":
        rest = ".".join(str(p) for p in loc[2:])
        return f"field {loc[1]}" + (f": {rest}" if rest else "")
    return ".".join(str(p) for p in loc) or "the file"


def _message(error: dict, model: type[BaseModel]) -> str:
    loc = tuple(error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        allowed = _allowed_keys(loc, model)
        close = difflib.get_close_matches(key, allowed, n=1)
        hint = f" (did you mean {close[0]}:?)" if close else ""
        return f"unknown key {key}:{hint}; allowed here: {', '.join(allowed)}"
    if kind == "literal_error":
        expected = error.get("ctx", {}).get("expected", "")
        return f"{error['input']!r} is not one of {expected}"
    if kind == "missing":
        return f"missing key {loc[-1]}:"
    return f"{error['msg']} (got {error.get('input')!r})"


def _allowed_keys(loc: tuple, model: type[BaseModel]) -> list[str]:
    if len(loc) == 3 and loc[0] == "fields":
        fields_model = model.model_fields["fields"].annotation.__args__[1]  # dict[str, X] → X
        return list(fields_model.model_fields)
    if len(loc) == 1:
        return list(model.model_fields)
    if loc and loc[0] == "rules":
        return list(Rule.model_fields)
    return []


def validate_file(path: Path) -> tuple[dict, yaml.Node | None, SourceFile | ProfileFile]:
    """The file's data, nodes and model; the first mistake raises one line naming file, line, field."""
    data, node = read_with_lines(path)
    model: type[SourceFile | ProfileFile] = ProfileFile if "profile" in data else SourceFile
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = tuple(error["loc"])
        where = _where(loc)
        if error["type"] == "literal_error" and loc[-1:] == ("type",):
            message = f"unknown field type {error['input']!r}; the types: {', '.join(FIELD_TYPE_NAMES)}"
            where = _where(loc[:-1])
        else:
            message = _message(error, model)
            if error["type"] == "extra_forbidden":
                where = _where(loc[:-1])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ContractFileError(f"{_shown(path)}:{line_of(node, loc)}: {where}: {message}{more}") from None
    return data, node, parsed


def fail(path: Path, node: yaml.Node | None, loc: tuple, message: str) -> ContractFileError:
    """One line for a mistake the schema alone cannot see (the caller raises it)."""
    return ContractFileError(f"{_shown(path)}:{line_of(node, loc)}: {_where(loc)}: {message}")


def check_derive_syntax(expression: str) -> str | None:
    """Why ``expression`` is not one DuckDB SQL expression, or None (parsed, not bound: no columns yet)."""
    import duckdb

    con = duckdb.connect(config={"enable_external_access": False})
    try:
        statements = con.extract_statements(f"select ({expression}) as derived")
        if len(statements) != 1:
            return "not one SQL expression"
        con.execute("select json_serialize_sql(?)::json ->> 'error_message'", [f"select ({expression})"])
        problem = con.fetchone()[0]
        return problem.splitlines()[0] if problem else None
    except duckdb.Error as exc:
        return str(exc).strip().splitlines()[0]
    finally:
        con.close()
