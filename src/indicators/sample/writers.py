"""Rendering canonical frames the way a particular export looks, and writing the files.

A generator builds every source as a *canonical* polars frame (contract field names, ISO dates as
``pl.Date``, booleans as ``pl.Boolean``, canonical enum values, 12-digit personnummer, academic
years as start-year integers). A :class:`FileSpec` then says how one export file shows it: which
headers (aliases from ``pipelines/*.yml``), which language for enum values, which date, boolean,
term, academic-year and personnummer forms, and which format and encoding.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl
import xlsxwriter

from indicators.sample.persons import format_person_ids

# Fixed workbook creation date: same seed and scale give byte-identical XLSX files.
XLSX_CREATED = dt.datetime(2025, 9, 1, 6, 0, 0)

DATE_FORMATS = {"iso": "%Y-%m-%d", "dmy_dash": "%d-%m-%Y", "dmy_dot": "%d.%m.%Y"}
BOOL_FORMS = {
    "yes_no": ("yes", "no"),
    "ja_nej": ("ja", "nej"),
    "true_false": ("true", "false"),
    "one_zero": ("1", "0"),
    "x_empty": ("x", None),
}


@dataclass
class FileSpec:
    """How one export file presents a canonical frame."""

    name: str
    headers: dict[str, str]  # canonical field -> header in the file (also the column order)
    fmt: str = "csv"  # csv | xlsx
    sep: str = ","
    encoding: str = "utf-8"  # utf-8 | utf-8-sig | cp1252
    crlf: bool = False
    date_style: str = "iso"  # iso | dmy_dash | dmy_dot (xlsx files always get real date cells)
    bools: dict[str, str] = field(default_factory=dict)  # field -> key of BOOL_FORMS (default true_false)
    values: dict[str, dict[str, str]] = field(default_factory=dict)  # field -> canonical -> shown
    person_columns: tuple[str, ...] = ()
    person_style: str = "mixed"  # a PNR_STYLES name, or mixed (deterministic per row)
    term_style: str = "ladok"  # ladok (HT2019) | ewp (2019/2020-1/2)
    year_columns: tuple[str, ...] = ()
    year_style: str = "short"  # short (2019/20) | long (2019/2020) | la (LÅ2019-2020)
    eu_country_codes: bool = False  # GB -> UK, GR -> EL as EU data writes them
    sheet: str = "Sheet1"


def canonical_spec(name: str, columns: list[str], person_columns: tuple[str, ...] = ()) -> FileSpec:
    """Plain UTF-8 comma CSV with canonical headers and values (the large-scale benchmark form)."""
    return FileSpec(name=name, headers={c: c for c in columns}, person_columns=person_columns)


def _academic_year(expr: pl.Expr, style: str) -> pl.Expr:
    start = expr.cast(pl.String)
    end = (expr + 1).cast(pl.String)
    if style == "long":
        return start + "/" + end
    if style == "la":
        return "LÅ" + start + "-" + end
    return start + "/" + end.str.slice(2, 2)


def render(frame: pl.DataFrame, spec: FileSpec) -> pl.DataFrame:
    """The frame as the file shows it: selected, converted and renamed columns."""
    exprs: list[pl.Expr] = []
    xlsx = spec.fmt == "xlsx"
    for name in spec.headers:
        dtype = frame.schema[name]
        col = pl.col(name)
        if dtype == pl.Date:
            expr = col if xlsx else col.dt.strftime(DATE_FORMATS[spec.date_style])
        elif dtype == pl.Boolean:
            true, false = BOOL_FORMS[spec.bools.get(name, "true_false")]
            expr = pl.when(col).then(pl.lit(true)).when(~col).then(pl.lit(false)).otherwise(None)
        elif name in spec.year_columns:
            expr = _academic_year(col, spec.year_style)
        elif dtype == pl.Float64:
            whole = col.round(0) == col
            text = (
                pl.when(whole)
                .then(col.cast(pl.Int64).cast(pl.String))
                .otherwise(col.round(1).cast(pl.String))
            )
            expr = col if xlsx else text
        elif name in spec.person_columns:
            style: str | pl.Expr = spec.person_style
            if style == "mixed":
                style = col.str.slice(9, 3).cast(pl.Int64, strict=False).fill_null(0) % 4
            expr = format_person_ids(name, style)
        elif name == "term" and spec.term_style == "ewp":
            year = col.str.slice(2, 4).cast(pl.Int64)
            autumn = col.str.starts_with("HT")
            first = pl.when(autumn).then(year).otherwise(year - 1)
            expr = (
                first.cast(pl.String)
                + "/"
                + (first + 1).cast(pl.String)
                + pl.when(autumn).then(pl.lit("-1/2")).otherwise(pl.lit("-2/2"))
            )
        elif name == "partner_country" and spec.eu_country_codes:
            expr = col.replace({"GB": "UK", "GR": "EL"})
        else:
            expr = col
        if name in spec.values:
            expr = expr.replace(spec.values[name])
        exprs.append(expr.alias(spec.headers[name]))
    return frame.select(exprs)


def write_csv(rendered: pl.DataFrame, path: Path, spec: FileSpec, append: bool = False) -> None:
    """Write (or append a chunk of) a rendered frame as CSV in the spec's separator and encoding."""
    text = rendered.write_csv(
        separator=spec.sep,
        include_header=not append,
        line_terminator="\r\n" if spec.crlf else "\n",
        null_value="",
        quote_style="necessary",
    )
    data = text.encode(spec.encoding.replace("utf-8-sig", "utf-8"))
    with path.open("ab" if append else "wb") as fh:
        if spec.encoding == "utf-8-sig" and not append:
            fh.write(b"\xef\xbb\xbf")
        fh.write(data)


def write_xlsx(rendered: pl.DataFrame, path: Path, spec: FileSpec) -> None:
    """Write an XLSX workbook with real Excel date cells and a fixed creation date."""
    workbook = xlsxwriter.Workbook(
        str(path),
        # Shared strings keep small files small; large ones are streamed row by row instead.
        {
            "constant_memory": rendered.height > 100_000,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    workbook.set_properties({"created": XLSX_CREATED, "author": "export", "company": "Lunds universitet"})
    sheet = workbook.add_worksheet(spec.sheet)
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    for c, header in enumerate(rendered.columns):
        sheet.write_string(0, c, header, bold)
        sheet.set_column(c, c, max(10, min(40, len(header) + 4)))
    kinds = []
    for dtype in rendered.dtypes:
        if dtype == pl.Date:
            kinds.append("date")
        elif dtype.is_numeric():
            kinds.append("number")
        else:
            kinds.append("string")
    for r, row in enumerate(rendered.iter_rows(), start=1):
        for c, value in enumerate(row):
            if value is None:
                continue
            kind = kinds[c]
            if kind == "date":
                sheet.write_datetime(r, c, dt.datetime(value.year, value.month, value.day), date_format)
            elif kind == "number":
                sheet.write_number(r, c, value)
            elif value != "":
                sheet.write_string(r, c, str(value))
    workbook.close()


def write(rendered: pl.DataFrame, path: Path, spec: FileSpec) -> None:
    if spec.fmt == "xlsx":
        write_xlsx(rendered, path, spec)
    else:
        write_csv(rendered, path, spec)


EWP_NS = (
    "https://github.com/erasmus-without-paper/ewp-specs-api-iias/blob/stable-v7/endpoints/get-response.xsd"
)
EWP_CONTACT_NS = "https://github.com/erasmus-without-paper/ewp-specs-types-contact/tree/stable-v1"


def _spec_xml(kind: str, spec: dict) -> list[str]:
    lines = [
        f"      <{kind}>",
        f"        <sending-hei-id>{escape(spec['sending'])}</sending-hei-id>",
        f"        <receiving-hei-id>{escape(spec['receiving'])}</receiving-hei-id>",
        f"        <receiving-first-academic-year-id>{spec['first']}/{spec['first'] + 1}"
        "</receiving-first-academic-year-id>",
        f"        <receiving-last-academic-year-id>{spec['last']}/{spec['last'] + 1}"
        "</receiving-last-academic-year-id>",
        f"        <mobilities-per-year>{spec['per_year']}</mobilities-per-year>",
        "        <recommended-language-skill>",
        "          <language>en</language>",
        "          <cefr-level>B2</cefr-level>",
        "        </recommended-language-skill>",
    ]
    for isced in spec["isced"]:
        lines += [
            "        <subject-area>",
            f"          <isced-f-code>{isced}</isced-f-code>",
            "        </subject-area>",
        ]
    if kind.startswith("student"):
        lines += [
            f"        <total-months-per-year>{spec['per_year'] * 5}</total-months-per-year>",
            "        <blended>false</blended>",
        ]
        if kind == "student-studies-mobility-spec":
            lines += ["        <eqf-level>6</eqf-level>", "        <eqf-level>7</eqf-level>"]
    else:
        lines.append(f"        <total-days-per-year>{spec['per_year'] * 5}</total-days-per-year>")
    lines.append(f"      </{kind}>")
    return lines


def write_ewp_iias(iias: list[dict], path: Path) -> None:
    """An EWP IIAs get-response (v7) document holding the given agreements.

    Each item: ``own_iia_id``, ``own_code``, ``partner_hei``, ``partner_iia_id``, ``partner_code``,
    ``signing_date`` (date) and ``specs`` — a list of (element name, spec dict) pairs.
    """
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<iias-get-response xmlns="{EWP_NS}"',
        f'    xmlns:c="{EWP_CONTACT_NS}">',
    ]
    for iia in iias:
        lines += [
            "  <iia>",
            "    <partner>",
            "      <hei-id>lu.se</hei-id>",
            f"      <iia-id>{escape(iia['own_iia_id'])}</iia-id>",
            f"      <iia-code>{escape(iia['own_code'])}</iia-code>",
            "      <signing-contact>",
            "        <c:contact-name>Internationella avdelningen, Medicinska fakulteten</c:contact-name>",
            "      </signing-contact>",
            f"      <signing-date>{iia['signing_date'].isoformat()}</signing-date>",
            "    </partner>",
            "    <partner>",
            f"      <hei-id>{escape(iia['partner_hei'])}</hei-id>",
            f"      <iia-id>{escape(iia['partner_iia_id'])}</iia-id>",
            f"      <iia-code>{escape(iia['partner_code'])}</iia-code>",
            "    </partner>",
            "    <in-effect>true</in-effect>",
            "    <cooperation-conditions>",
        ]
        for kind, spec in iia["specs"]:
            lines += _spec_xml(kind, spec)
        lines += ["    </cooperation-conditions>", f"    <iia-hash>{iia['hash']}</iia-hash>", "  </iia>"]
    lines.append("</iias-get-response>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
