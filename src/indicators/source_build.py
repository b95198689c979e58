"""A validated contract file → :class:`~indicators.sources.SourceSpec` (a source, or a profile of one).

The schema (:mod:`indicators.source_schema`) checks each key; this module checks what needs the
file as a whole: the business key and rules name fields, no alias is shared by two fields nor an
enum's alias by two of its values, a ``derive:`` is one SQL expression, a coarse date format has a
precision column to go to, a generated person identifier only where each row is one person.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from indicators.source_schema import (
    DECIMAL_MARKS,
    ContractFileError,
    ProfileFile,
    SourceFile,
    check_derive_syntax,
    fail,
    line_of,
    validate_file,
)
from indicators.sources import FieldSpec, RuleSpec, SourceSpec, header_key, value_key

EXCEL = "excel"  # the date format of Excel serial numbers (days since 1899-12-30)


def read_yaml_quietly(path: Path) -> dict:
    """The top-level keys of a YAML file (a broken file is reported when it is built)."""
    from indicators.source_schema import read_with_lines

    data, _ = read_with_lines(path)
    return data


def format_precision(fmt: str) -> str:
    """``day``, ``month`` or ``year``: how precise a date written in ``fmt`` is."""
    if fmt == EXCEL or "%d" in fmt or "%j" in fmt or "%e" in fmt:
        return "day"
    if "%m" in fmt or "%b" in fmt or "%B" in fmt:
        return "month"
    return "year"


def build_source(path: Path) -> SourceSpec:
    data, node, model = validate_file(path)
    if not isinstance(model, SourceFile):
        raise fail(path, node, ("profile",), "a source's own file has no profile: key")
    fields = []
    for name, raw in model.fields.items():
        fields.append(_field(path, node, name, raw, model))
        if raw.keep_precision:
            fields.append(_precision_companion(name))
    spec = SourceSpec(
        name=model.source,
        description=model.description,
        patterns=tuple(model.patterns),
        business_key=tuple(model.business_key),
        fields=tuple(fields),
        rules=tuple(RuleSpec(r.check, r.field, r.other) for r in model.rules),
        sheet=model.sheet,
        contract_file=f"pipelines/{path.name}",
        skip_rows=model.skip_rows,
        each_row=model.each_row,
        keep_rows=_condition(path, node, model.keep_rows),
        persons_per_row=_persons(path, node, model),
    )
    names = set(spec.field_names)
    for number, key in enumerate(model.business_key):
        if key not in names:
            raise fail(path, node, ("business_key", number), f"business key names no field {key!r}")
    for number, rule in enumerate(model.rules):
        for name in (rule.field, rule.other):
            if name not in names:
                raise fail(path, node, ("rules", number), f"rule names no field {name!r}")
    _check_whole(path, node, spec)
    return spec


def build_profile(path: Path, own: dict[str, SourceSpec]) -> SourceSpec:
    """A profile: its source's fields, read from another export (aliases, derive, formats, …)."""
    data, node, model = validate_file(path)
    assert isinstance(model, ProfileFile)
    base = own.get(model.source)
    if base is None:
        raise fail(
            path,
            node,
            ("source",),
            f"no pipelines file of the source {model.source!r} (source: {model.source})",
        )
    changes = {}
    for name, raw in model.fields.items():
        if name not in base.field_names or base.field(name).precision_of:
            known = ", ".join(f.name for f in base.fields if not f.precision_of)
            raise fail(
                path, node, ("fields", name), f"{model.source} has no field {name!r}; its fields: {known}"
            )
        changes[name] = (raw, line_of(node, ("fields", name)))
    fields = []
    for f in base.fields:
        if f.name not in changes:
            fields.append(f)
            continue
        raw, line = changes[f.name]
        given = raw.model_fields_set
        fields.append(
            _field_from(
                path,
                node,
                f.name,
                type_=f.type,
                required=f.required,
                personal=f.personal,
                aliases=tuple(raw.aliases) + f.aliases,
                values=_values(path, node, f.name, raw.values, f.values, base.contract_file),
                derive=raw.derive if "derive" in given else f.derive,
                default=raw.default if "default" in given else f.default,
                formats=tuple(raw.formats) if raw.formats is not None else f.formats,
                generate=raw.generate if "generate" in given else f.generate,
                decimal_mark=raw.decimal if "decimal" in given else f.decimal_mark,
                keep_precision=f.keep_precision,
                open_end=f.open_end,
                line=line,
                each_row=model.each_row,
                enum_ok=bool(f.values),
            )
        )
    spec = SourceSpec(
        name=base.name,
        description=base.description,
        patterns=tuple(model.patterns),
        business_key=base.business_key,
        fields=tuple(fields),
        rules=base.rules,
        sheet=model.sheet,
        profile=model.profile,
        contract_file=f"pipelines/{path.name}",
        skip_rows=model.skip_rows,
        each_row=model.each_row,
        keep_rows=_condition(path, node, model.keep_rows),
        persons_per_row=_persons(path, node, model),
    )
    _check_whole(path, node, spec)
    return spec


def _persons(path: Path, node, model) -> str | None:
    """``persons_per_row:``, a DuckDB SQL expression, for anonymous microdata only."""
    expression = model.persons_per_row
    if expression is None:
        return None
    if model.each_row != "one_person":
        raise fail(
            path,
            node,
            ("persons_per_row",),
            "needs each_row: one_person (anonymous microdata): a row of records is loaded once",
        )
    problem = check_derive_syntax(expression)
    if problem:
        raise fail(path, node, ("persons_per_row",), f"not a DuckDB SQL expression: {problem}")
    return expression


def _condition(path: Path, node, condition: str | None) -> str | None:
    if condition is not None:
        problem = check_derive_syntax(condition)
        if problem:
            raise fail(path, node, ("keep_rows",), f"not a DuckDB SQL condition: {problem}")
    return condition


def _values(
    path: Path, node, name: str, raw: dict, inherited: dict[str, str] | None = None, source_file: str = ""
) -> dict[str, str]:
    """``value_key(alias)`` → canonical value. An alias (or a value) listed under two values of the field
    is one line: which would a row with it be? A profile's values are added to its source's
    (``inherited``), so one the source lists under another value is refused too."""
    values = dict(inherited or {})
    mine: set[str] = set()  # the keys this file lists (the rest came from the source's file)
    for canonical, aliases in raw.items():
        for number, alias in enumerate((canonical, *aliases)):
            key = value_key(str(alias))
            other = values.setdefault(key, canonical)
            if other != canonical:
                loc = ("fields", name, "values", canonical, *((number - 1,) if number else ()))
                there = "" if key in mine else f" in {source_file}"
                raise fail(
                    path,
                    node,
                    loc,
                    f"{str(alias)!r} is listed under {other}{there} and under {canonical}: "
                    "keep it under one value only",
                )
            mine.add(key)
    return values


def _field(path: Path, node, name: str, raw, model: SourceFile) -> FieldSpec:
    return _field_from(
        path,
        node,
        name,
        type_=raw.type,
        required=raw.required,
        personal=raw.personal,
        aliases=tuple(raw.aliases),
        values=_values(path, node, name, raw.values),
        derive=raw.derive,
        default=raw.default,
        formats=tuple(raw.formats or ()),
        generate=raw.generate,
        decimal_mark=raw.decimal,
        keep_precision=raw.keep_precision,
        open_end=raw.open_end,
        line=line_of(node, ("fields", name)),
        each_row=model.each_row,
        enum_ok=True,
    )


def _field_from(
    path: Path, node, name: str, *, type_: str, each_row: str, enum_ok: bool, **given
) -> FieldSpec:
    loc = ("fields", name)
    personal, default = given["personal"], given["default"]

    def bad(key: str, message: str) -> ContractFileError:
        return fail(path, node, (*loc, key), message)

    if (type_ in ("person_id", "person_id_list")) != bool(personal):
        raise bad("personal", "a person identifier is personal: true, and only a person identifier is")
    if given["derive"] is not None and (default is not None or given["generate"] is not None):
        raise bad("derive", "give one of derive:, default: and generate:, not several")
    if default is not None and given["generate"] is not None:
        raise bad("default", "give one of default: and generate:, not both")
    if default is not None and personal:
        raise bad("default", "a person identifier cannot be a constant")
    if given["derive"] is not None:
        problem = check_derive_syntax(given["derive"])
        if problem:
            raise bad("derive", f"not a DuckDB SQL expression: {problem}")
    if given["generate"] == "row" and personal and each_row != "one_person":
        raise bad(
            "generate",
            "a person identifier generated from the row needs each_row: one_person (anonymous microdata)",
        )
    for key in ("formats", "keep_precision", "open_end"):
        allowed = ("date", "academic_year") if key == "open_end" else ("date",)
        if type_ not in allowed and given[key] not in (None, (), False):
            raise bad(key, f"{key}: is for {' and '.join(allowed)} fields only ({name} is {type_})")
    for fmt in given["formats"]:
        if fmt != "excel" and "%" not in fmt:
            raise bad("formats", f"{fmt!r} is not a date format: write it like %d.%m.%Y or %m-%Y, or excel")
        problem = _directive_problem(fmt) if fmt != EXCEL else None
        if problem:
            raise bad(
                "formats",
                f"{fmt!r} has {problem}: %d day, %m month, %Y year, %y two-digit year, %b month name",
            )
        if format_precision(fmt) != "day" and not given["keep_precision"]:
            raise bad(
                "formats",
                f"{fmt!r} is not precise to the day: give {name} keep_precision: true in the source's own "
                "file, so the rows say how precise they are",
            )
    mark = given["decimal_mark"]
    if mark is not None and type_ != "decimal":
        raise bad("decimal", f"decimal: is for decimal fields only ({name} is {type_})")
    if mark is not None and mark not in DECIMAL_MARKS:
        raise bad(
            "decimal",
            f"{mark!r} is no decimal separator: write decimal: ',' (7,5; 1,000 is one) or "
            "decimal: '.' (7.5; 1,000 is a thousand)",
        )
    if given["values"] and type_ not in ("enum", "country"):
        raise bad("values", f"values: are for enum and country fields only ({name} is {type_})")
    if type_ == "country":
        for canonical in dict.fromkeys(given["values"].values()):
            if not re.fullmatch(r"[A-Z]{2}", canonical):
                raise bad(
                    "values",
                    f"{canonical!r} is not a country code: list each spelling under the two-letter ISO "
                    "code it means (DE: [Deutschland, Allemagne])",
                )
    if type_ == "enum" and not given["values"] and enum_ok:
        raise bad("type", "an enum field lists its values: (canonical: [aliases])")
    if default is not None:
        given["default"] = str(default).lower() if isinstance(default, bool) else str(default)
        problem = _default_problem(FieldSpec(name=name, type=type_, **given))
        if problem:
            raise bad("default", problem)
    return FieldSpec(name=name, type=type_, **given)


# strftime directives a date may be written with (chrono's), with an optional padding flag
_DIRECTIVE = re.compile(r"%[-_0]?(.)")
_DATE_DIRECTIVES = set("YyCmbBhdejaAuwUWGgVHkIlMSfpPzZTRFDnt%")
_EXAMPLES = {
    "date": "2019-09-01",
    "term": "HT2019",
    "academic_year": "2019/20",
    "integer": "12",
    "decimal": "7,5",
    "bool": "ja or nej",
    "bool_or_count": "ja, nej or a number",
    "country": "DE or Tyskland",
}


def _directive_problem(fmt: str) -> str | None:
    """Why a strptime form cannot be meant (an unknown directive, minutes for months), or None."""
    directives = _DIRECTIVE.findall(fmt)
    for directive in directives:
        if directive not in _DATE_DIRECTIVES:
            return f"%{directive}, which is no date directive"
    if "M" in directives and "H" not in directives and not {"m", "b", "B", "h"} & set(directives):
        return "%M (minutes) and no month"
    return None


def _default_problem(field: FieldSpec) -> str | None:
    """Why a field's ``default:`` does not read as its type (read like an exported value), or None."""
    import polars as pl

    from indicators.parsers import parse_field  # reads this module's EXCEL: imported when needed

    text = pl.DataFrame({"v": [field.default]}, schema={"v": pl.String})
    if text.select(parse_field(pl.col("v"), field))[field.name][0] is not None:
        return None
    if field.type == "enum":
        canonical = ", ".join(dict.fromkeys(field.values.values()))
        how = f"write one of {canonical} (or one of their spellings under values:)"
    else:
        how = f"write it as the export would, e.g. {_EXAMPLES.get(field.type, 'a text')}"
    return f"{field.default!r} is not a value of {field.name} ({field.type}): {how}"


def _precision_companion(name: str) -> FieldSpec:
    values = {v: v for v in ("day", "month", "year")}  # the value set GX checks
    return FieldSpec(name=f"{name}_precision", type="string", values=values, precision_of=name)


def _check_whole(path: Path, node: yaml.Node | None, spec: SourceSpec) -> None:
    """No header alias shared by two fields (which would it be?)."""
    owner: dict[str, str] = {}
    for f in spec.fields:
        if f.precision_of:
            continue
        for number, alias in enumerate((f.name, *f.aliases)):
            key = header_key(alias)
            other = owner.get(key)
            if other is not None and other != f.name:
                where = ("fields", f.name, "aliases", number - 1) if number else ("fields", f.name)
                raise fail(
                    path,
                    node,
                    where,
                    f"the header {alias!r} is an alias of {other} too: keep it on one field only",
                )
            owner.setdefault(key, f.name)
