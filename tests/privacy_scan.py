"""The identifier scan: does any file a run wrote hold one of the input's personnummer, in any form?

Reusable by any test: :func:`identifiers_in` collects the personnummer (and T-numbers) of input
files; :func:`scan` walks folders and reports every place one of them appears, whatever way it is
written (``YYYYMMDD-NNNN``, ``YYMMDDNNNN``, with ``-``, ``+``, en or em dash, minus sign, a wave
dash, ``:``, spaces or nothing between; in groups, ``1900 0101-98 76``; its date written as a date,
``1900-01-15-98NN``; in full-width digits, or with
a soft hyphen or a zero-width space between), in:

* every file's **name** (the path below the scanned folder);
* every file's **raw bytes** (UTF-8 and Windows-1252 alike: both write digits as ASCII);
* **DuckDB** files (``.duckdb``, working copies too), opened read-only: every column of every table
  in every schema, cast to text (a personnummer in a number column is one too), and every view's SQL;
* **Parquet** files (read by DuckDB, every column);
* **text** (JSON, JSONL, logs, CSV, HTML, SQL, Markdown, ...), also with JSON ``\\uXXXX`` escapes,
  HTML entities and percent-encoding (``19000101%2D9801``) decoded, and with the escapes a program writes for a character it does not show
  (Python's ``repr``: ``'000101\\xa0…'``, Rust's ``\\u{a0}``, ``\\t``) read as that character
  (in a warehouse's text too);
* **zip** files (XLSX: every part, its XML scanned as text);
* **PDF** (the raw bytes and every deflated stream).

The matching is independent of the code under test (:mod:`indicators.redact`): a place matches when
it holds the six date digits ``YYMMDD`` of a known identifier, in pairs with up to six spaces between
two (``00 01 01``), then at most twelve characters that are neither letters nor digits, then its last
four (``NNNN``, its pairs spaced alike, ``TNNN`` or a reserve number's ``TF10``). The century may come before.
"""

from __future__ import annotations

import html
import re
import unicodedata
import urllib.parse
import zipfile
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

# the input's identifiers: an optional century, YYMMDD, an optional separator, four digits or T+3,
# not inside a longer number (used to collect them from the exports as delivered)
_INPUT = re.compile(
    r"(?<![0-9])(?:1[89]|20)?([0-9]{6})[-+\u2010-\u2015\u2212 ]?([0-9]{4}|[Tt][0-9]{3})(?![0-9])"
)
# every place: six digits, at most twelve non-alphanumerics (the rule's three separators between
# spaces: '340404 - - - 9821' holds seven), four more (overlapping: a lookahead); the digits in pairs
# with up to six spaces between two (a form filled in groups: '1900 0101-98 76', '00 01 01-9876')
# (or one '-', '.' or '/' between the date's pairs: a date written as a date, '1900-01-15-98NN')
_PAIRS = r"(?=([0-9]{2})(?:\s{0,6}|[-./])([0-9]{2})(?:\s{0,6}|[-./])([0-9]{2})[^0-9A-Za-z]{0,12}(?:([0-9]{2})\s{0,6}([0-9]{2})|([A-Za-z][0-9]{3}|[A-Za-z]{2}[0-9]{2})))"
_ANYWHERE = re.compile(_PAIRS)
# in bytes: a space, a tab or a UTF-8 no-break space between two pairs
_ANYWHERE_BYTES = re.compile(_PAIRS.replace("\\s", "(?:[ \\t]|\\xc2\\xa0)").encode())
# an HTML character reference, with or without its ';' (a browser reads '&ndash' as '&ndash;', which
# html.unescape does not): read as a space
_REFERENCE = r"&(?:#[0-9]{1,7};?|#[xX][0-9a-fA-F]{1,6};?|[A-Za-z]{2,31};?)"
# an escape a program writes for a character it will not show (Python's repr, Rust's Debug, JSON)
_ESCAPE = r"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]{1,6}\}|U[0-9a-fA-F]{8}|[tnrfv])"
# (DuckDB's RE2: \s is ASCII's; the other white space and the characters that show as nothing listed)
_SQL_GAP = f"(?:[\\s\x1c-\x1f\u00a0\u00ad\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]|{_ESCAPE}|{_REFERENCE}|%[0-9A-Fa-f]{{2}}){{0,6}}"
# a digit: ASCII's, full-width, Arabic-Indic; a pair may hold what shows as nothing between its digits
_SQL_DIGIT = "[0-9０-９٠-٩۰-۹]"
_SQL_PAIR = f"{_SQL_DIGIT}{_SQL_GAP}{_SQL_DIGIT}"
_SQL_PREFILTER = (
    f"{_SQL_PAIR}(?:{_SQL_GAP}|[-./]){_SQL_PAIR}(?:{_SQL_GAP}|[-./]){_SQL_PAIR}(?:[^0-9A-Za-z０-９٠-٩۰-۹]|{_ESCAPE}|{_REFERENCE}|%[0-9A-Fa-f]{{2}}){{0,12}}"
    f"({_SQL_PAIR}{_SQL_GAP}{_SQL_PAIR}|[A-Za-zＴｔ]{_SQL_DIGIT}{{3}}|[A-Za-z]{{2}}{_SQL_DIGIT}{{2}})"
)
_INVISIBLE = dict.fromkeys(  # and the marks of writing direction, invisible operators, a CGJ
    map(ord, "\u00ad\u034f\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\u2064\ufeff")
)
_INVISIBLE |= dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})")
# Python's and Rust's escapes of a character not shown: 'a\xa0b' (repr), "a\u{a0}b" (Debug), \t
_CODE_ESCAPE = re.compile(r"\\(?:x([0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|U([0-9a-fA-F]{8})|([tnrfv]))")
_PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
TEXT_SUFFIXES = {
    ".json", ".jsonl", ".log", ".csv", ".tsv", ".txt", ".html", ".htm", ".sql", ".md", ".yml", ".yaml",
    ".xml", ".svg", ".j2",
}  # fmt: skip


def core(identifier: str) -> str:
    """The ten characters that identify a person: ``YYMMDDNNNN`` (or ``YYMMDDTNNN``, a reserve
    number's ``YYMMDDTF10``)."""
    compact = re.sub(r"[^0-9A-Za-z]", "", identifier).upper()
    return compact[-10:]


def written_forms(identifier: str) -> list[str]:
    """Ways people write one identifier (for fixtures): long and short, with every separator."""
    long = identifier if re.fullmatch(r"[0-9]{12}", identifier) else None
    ten = core(identifier)
    forms = []
    for separator in ("", "-", "+", "\u2013", "\u2014", "\u2212", " ", " - "):
        forms.append(ten[:6] + separator + ten[6:])
        if long:
            forms.append(long[:8] + separator + long[8:])
    return forms


def identifiers_in(folder: Path) -> set[str]:
    """The cores of every personnummer-shaped value in the files of ``folder`` (CSV, text, XLSX, XML)."""
    found: set[str] = set()
    for path in sorted(folder.rglob("*")):
        if not path.is_file():
            continue
        for text in _texts_of_input(path):
            for form in {text, _plain(text)}:
                found.update(a + b.upper() for a, b in _INPUT.findall(form))
    return found


def _texts_of_input(path: Path) -> list[str]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return [_decode(archive.read(name)) for name in archive.namelist()]
    return [_decode(path.read_bytes()), path.name]


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


@dataclass(frozen=True)
class Finding:
    path: Path
    where: str  # "name", "bytes at 1234", "line 5", "warehouse raw.x.y", "zip part xl/...", ...
    core: str

    def __str__(self) -> str:
        # the finding names the identifier by its date part only, never in full
        return f"{self.path}: {self.where}: {self.core[:6]}-****"


def scan(
    roots: Path | Iterable[Path], identifiers: Iterable[str], skip: Iterable[Path] = ()
) -> list[Finding]:
    """Every place under ``roots`` that holds one of ``identifiers`` (any form); ``skip``: files (or
    folders) whose *contents* are not scanned, their names still are (the originals ``rejected/`` keeps)."""
    cores = {core(i) for i in identifiers}
    if not cores:
        raise ValueError("no identifiers to look for")
    roots = [roots] if isinstance(roots, Path) else list(roots)
    skipped = [Path(p).resolve() for p in skip]  # a file is relative to itself: files or folders
    findings: list[Finding] = []
    for root in roots:
        for path in sorted(root.rglob("*")):
            relative = str(path.relative_to(root))
            findings += [Finding(path, "name", c) for c in _matches(relative, cores)]
            if not path.is_file() or any(path.resolve().is_relative_to(s) for s in skipped):
                continue
            findings += _scan_file(path, cores)
    return findings


def scanned_files(roots: Path | Iterable[Path]) -> list[Path]:
    roots = [roots] if isinstance(roots, Path) else list(roots)
    return [p for root in roots for p in sorted(root.rglob("*")) if p.is_file()]


_ARABIC_INDIC = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _plain(text: str) -> str:
    """``text`` as its reader sees it: percent-encoding decoded (a name saved from a link), full-width
    digits and signs as ASCII (NFKC), Arabic-Indic digits too, and without the characters that show as
    nothing (a soft hyphen, a zero-width space, a byte-order mark)."""
    if text.isascii() and "%" not in text:  # as it is: NFKC keeps ASCII, the rest is not ASCII
        return text
    decoded = text
    for _ in range(3):  # encoded again, and again ('%252D': a name saved from a link twice)
        decoded = urllib.parse.unquote(decoded) if "%" in decoded else decoded
    return unicodedata.normalize("NFKC", decoded).translate(_INVISIBLE).translate(_ARABIC_INDIC)


def _matches(text: str, cores: set[str]) -> list[str]:
    return sorted(
        {"".join(parts).upper() for t in {text, _plain(text)} for parts in _ANYWHERE.findall(t)} & cores
    )


def _scan_file(path: Path, cores: set[str]) -> list[Finding]:
    data = path.read_bytes()
    findings = [
        Finding(path, "bytes", c)
        for c in sorted({b"".join(parts).decode().upper() for parts in _ANYWHERE_BYTES.findall(data)} & cores)
    ]
    suffix = path.suffix.lower()
    if data.startswith(b"DUCK", 8) or suffix in (".duckdb", ".parquet"):
        findings += _scan_duckdb(path, cores, parquet=data.startswith(b"PAR1"))
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                findings += [
                    Finding(path, f"zip part {name}", c) for c in _text_matches(archive.read(name), cores)
                ]
    elif data.startswith(b"%PDF"):
        for number, stream in enumerate(_PDF_STREAM.findall(data)):
            try:
                inflated = zlib.decompress(stream)
            except zlib.error:
                continue
            findings += [Finding(path, f"pdf stream {number}", c) for c in _text_matches(inflated, cores)]
    elif suffix in TEXT_SUFFIXES or b"\x00" not in data[:4096]:
        for number, line in enumerate(_decode(data).splitlines(), start=1):
            findings += [Finding(path, f"line {number}", c) for c in _text_matches(line, cores)]
    return findings


def _text_matches(text: str | bytes, cores: set[str]) -> list[str]:
    if isinstance(text, bytes):
        text = _decode(text)
    variants = {
        text,
        _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text),
        _CODE_ESCAPE.sub(_unescaped, text),
        _CODE_ESCAPE.sub(_unescaped, text.replace("\\\\", "\\")),  # a repr() in JSON: '\\xa0'
        html.unescape(text),
        re.sub(_REFERENCE, " ", text),
        re.sub(_REFERENCE, " ", html.unescape(text)),  # escaped twice: '&amp;nbsp;'
        html.unescape(html.unescape(text)),
    }
    return sorted({c for variant in variants for c in _matches(variant, cores)})


def _unescaped(match: re.Match) -> str:
    """The character a code escape stands for (a control character's letter as a space)."""
    number = next((g for g in match.groups()[:3] if g), None)
    return " " if number is None else chr(min(int(number, 16), 0x10FFFF))


def _scan_duckdb(path: Path, cores: set[str], parquet: bool) -> list[Finding]:
    import duckdb

    findings: list[Finding] = []
    if parquet:
        con = duckdb.connect()
        relations = [(f"read_parquet('{_sql_text(path)}')", "parquet")]
    else:
        con = duckdb.connect(str(path), read_only=True)
        tables = con.execute(
            "select schema_name, table_name from duckdb_tables() where not internal order by all"
        ).fetchall()
        relations = [(f'"{schema}"."{table}"', f"warehouse {schema}.{table}") for schema, table in tables]
        for schema, view, sql in con.execute(
            "select schema_name, view_name, sql from duckdb_views() where not internal"
        ).fetchall():
            findings += [Finding(path, f"view {schema}.{view}", c) for c in _matches(sql or "", cores)]
    try:
        for relation, label in relations:
            # every column cast to text, as (column, value) pairs (nulls left out): one query, and one
            # compiling of the prefilter, per relation (a query per column cost 12 ms of CPU each, most
            # of a warehouse's scan)
            values = con.execute(
                "select distinct name, value from (unpivot (select cast(columns(*) as varchar) "
                f"from {relation}) on columns(*) into name name value value) "
                "where regexp_matches(value, ?)",
                [_SQL_PREFILTER],
            ).fetchall()
            by_column: dict[str, set[str]] = {}
            for column, value in values:
                by_column.setdefault(column, set()).update(_text_matches(value, cores))
            findings += [
                Finding(path, f"{label}.{column}", c)
                for column, hits in sorted(by_column.items())
                for c in sorted(hits)
            ]
    finally:
        con.close()
    return findings


def _sql_text(path: Path) -> str:
    return str(path).replace("'", "''")
