"""Reading one exported value as its field's type: polars expressions over whole columns.

A value that does not read becomes null (the caller flags the row). Dates try the field's own
``formats:`` first (a month form is the first of the month; ``excel`` reads serial numbers), and
:func:`date_precision` says which form a date was read from.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from indicators.countries import iso_variant, spellings, without_marks
from indicators.identity import redact, values_repeat
from indicators.redact import contains as contains_personnummer
from indicators.source_build import EXCEL, format_precision
from indicators.sources import FieldSpec

# a tick (✓, ✔) or a ticked box (☑, ☒) in a sheet kept by hand; an empty box (☐). A cross (✗) is none: an
# 'x' is a tick in a Swedish sheet
TRUE_WORDS = ["yes", "ja", "true", "1", "x", "j", "y", "sant", "sann", "✓", "✔", "☑", "☒"]
FALSE_WORDS = ["no", "nej", "false", "0", "n", "falskt", "falsk", "☐"]
COUNTRY_FIXES = {"EL": "GR", "UK": "GB"}  # EU/Erasmus usage → ISO 3166-1
# a country an export says it does not know (the EC's open data writes '-' or '?', a sheet 'okänt'): ISO
# 3166's user-assigned ZZ, a country of no region, so that the row counts in the region Unknown, warned
UNKNOWN_COUNTRY = "ZZ"
UNKNOWN_COUNTRY_WORDS = r"^(?:[-\u2010-\u2015?]+|unknown|not known|okänt|okänd|ej känt|ej känd)$"


# a weekday's name before a date (Excel's long date form, English or Swedish: Tuesday, tisdag den)
WEEKDAY = r"(?i)^((?:mon|tues|wednes|thurs|fri|satur|sun)day|(?:mån|tis|ons|tors|fre|lör|sön)dag(?:en)?)\s+(?:den\s+)?"
WEEKDAYS = {
    "mon": 1,
    "mån": 1,
    "tue": 2,
    "tis": 2,
    "wed": 3,
    "ons": 3,
    "thu": 4,
    "tor": 4,
    "fri": 5,
    "fre": 5,
}
WEEKDAYS |= {"sat": 6, "lör": 6, "sun": 7, "sön": 7}  # ISO's numbers, as polars' dt.weekday()
DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%Y/%m/%d", "%Y%m%d")  # the commonest first
EXCEL_EPOCH = dt.date(1899, 12, 30)  # Excel's day 0 (its serial numbers count days from it)
# a time after a date, as Excel writes a date cell to CSV ("9/1/2020 0:00", "01.09.2020 00:00") or a
# system its midnight ("01/09/2020 00:00:00", "09/01/2020 12:00 AM"): a local time, the date as written
TIME = r"[ T]([01]?\d|2[0-3]):[0-5]\d(:[0-5]\d([.,]\d{1,9})?)?(\s?[AaPp]\.?[Mm]\.?)?$"
TIME_DIRECTIVES = ("%H", "%I", "%M", "%S", "%p", "%T", "%R", "%c")


# a month's name as Swedish and English exports write it (okt, maj, mars, sept., oktober, October): its
# stem, read as the English abbreviation that %b reads
MONTH_STEMS = {"jan": "Jan", "feb": "Feb", "mar": "Mar", "apr": "Apr", "maj": "May", "may": "May"}
MONTH_STEMS |= {"jun": "Jun", "jul": "Jul", "aug": "Aug", "sep": "Sep", "okt": "Oct", "oct": "Oct"}
MONTH_STEMS |= {"nov": "Nov", "dec": "Dec"}


def _month_names(text: pl.Expr, fmt: str) -> tuple[pl.Expr, str]:
    """A form with a month's name (``%b``, ``%B``) reads Swedish names and abbreviations too, with or
    without a full stop (``sep. 2020``, ``okt 2020``, ``maj 2021``, ``januari 2021``): each is read as
    the English abbreviation, and the form as ``%b``."""
    for stem, english in MONTH_STEMS.items():
        text = text.str.replace(rf"(?i)\b{stem}[a-zåäö]*\.?", english)
    return text, fmt.replace("%B", "%b").replace("%b.", "%b")


def read_form(text: pl.Expr, fmt: str) -> pl.Expr:
    """The date ``text`` is in one form (``excel``: a serial number; a month form is the first of the
    month, a year form 1 January; a month's name in Swedish or English); null where it is not."""
    if "%b" in fmt or "%B" in fmt:
        text, fmt = _month_names(text, fmt)
    if fmt == EXCEL:
        serial = pl.when(text.str.contains(r"^\d{1,6}(\.\d+)?$")).then(
            text.str.replace(r"\.\d+$", "").cast(pl.Int64, strict=False)
        )
        return pl.lit(EXCEL_EPOCH) + pl.duration(days=serial)
    precision = format_precision(fmt)
    if precision == "day" and not any(directive in fmt for directive in TIME_DIRECTIVES):
        text = text.str.replace(TIME, "")  # the date of a date-time written in the form
    padded, full = text, fmt
    if precision == "month":
        padded, full = pl.lit("01\x1f") + text, "%d\x1f" + fmt
    elif precision == "year":
        padded, full = pl.lit("01\x1f01\x1f") + text, "%d\x1f%m\x1f" + fmt
    return padded.str.strptime(pl.Date, full, strict=False)


def _date_candidates(text: pl.Expr, field: FieldSpec | None) -> list[tuple[pl.Expr, str]]:
    """(parsed date, precision) for each form a field's dates may take, in the order tried.

    A field's own ``formats:`` come first (a month form ``%m-%Y`` is read as the first of the
    month, a year form as 1 January), then ``YYYY-MM-DD`` (what an Excel date cell reads as) and,
    without own formats, the other common forms.
    """
    own = field.formats if field is not None else ()
    candidates = [(read_form(text, fmt), format_precision(fmt)) for fmt in own]
    # an Excel date-time "2019-09-01 00:00:00" keeps its date, and so does a database's
    # "2019-09-01 00:00:00.000" (a local time: the date as written); an API's time with a zone
    # ("2019-06-30T22:00:00Z", "...+02:00") is the date it is in Sweden (1 July: a local midnight
    # written in UTC)
    day = text.str.slice(0, 10)
    whole = (
        (text.str.len_chars() <= 10)
        | text.str.contains(r"^\d{4}-\d{2}-\d{2}[ T]\d{1,2}:\d{2}(:\d{2}([.,]\d{1,9})?)?$")
        | text.str.contains(r"^(?:\d{2}[.-]\d{2}[.-]\d{4}|\d{4}/\d{2}/\d{2})" + TIME)  # 01.09.2020 00:00
    )
    candidates.append((_zoned_date(text), "day"))
    defaults = DEFAULT_DATE_FORMATS[:1] if field is not None and field.formats else DEFAULT_DATE_FORMATS
    for fmt in defaults:
        candidates.append((pl.when(whole).then(day.str.strptime(pl.Date, fmt, strict=False)), "day"))
    # a day with its month's name, as MoveON's and other English exports write it (Sep 1, 2020; 1 Sep
    # 2020; 01-Sep-2020; 1. September 2020) or a Swedish one (1 okt. 2020): no form reads them otherwise
    # (every month's name has three letters a-z: a date-time of digits is passed over at a glance)
    named = pl.when(text.str.contains(r"[A-Za-z]{3}")).then(text)
    spaced = named.str.replace_all(r"(\p{L})\.", "$1").str.replace_all(r"(\d)\.(\s)", "$1$2")
    spaced = spaced.str.replace_all(r"(\d|\p{L}),\s*", "$1 ").str.replace_all(r"[\-/]", " ")
    # Excel's long date (Tuesday, September 1, 2020): the weekday named is the date's, or no date
    weekday = (
        spaced.str.extract(WEEKDAY, 1)
        .str.to_lowercase()
        .str.slice(0, 3)
        .replace_strict(WEEKDAYS, default=None)
    )
    spaced = spaced.str.replace(WEEKDAY, "").str.replace(r"^(\d{1,2}) (\p{L}+) ", "$2 $1 ")  # month first
    month_day_year = r"^\p{L}+ \d{1,2} \d{4}(?:[ T]\d.*)?$"  # a four-digit year
    read = read_form(pl.when(spaced.str.contains(month_day_year)).then(spaced), "%b %d %Y")
    candidates.append((pl.when(weekday.is_null() | (read.dt.weekday() == weekday)).then(read), "day"))
    return candidates


ZONED = (
    r"^(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?(?:[.,]\d{1,9})?\s*"
    r"(?:(Z|UTC|GMT)|([+-]\d{2})(?::?(\d{2}))?)$"
)
LOCAL_ZONE = "Europe/Stockholm"  # the faculty's: a time with a zone is read as the date it is here


def _zoned_date(text: pl.Expr) -> pl.Expr:
    """The Swedish date of a date-time with a zone (``Z``, ``UTC``, ``+02:00``, ``-0500``, PostgreSQL's
    ``+00``); null otherwise, and for a time that is none (``25:00``)."""
    longer = pl.when(text.str.len_bytes() > 15).then(text)  # a plain date (10 characters) costs nothing
    parts = longer.str.extract_groups(ZONED)
    field = parts.struct.field
    offset = (
        pl.when(field("5").is_not_null())
        .then(pl.lit("+0000"))
        .otherwise(field("6") + field("7").fill_null("00"))
    )
    stamp = (
        field("1") + pl.lit("T") + field("2").str.zfill(2) + pl.lit(":") + field("3") + pl.lit(":")
        + field("4").fill_null("00") + offset
    )  # fmt: skip
    moment = stamp.str.to_datetime("%Y-%m-%dT%H:%M:%S%z", time_zone="UTC", strict=False)
    return moment.dt.convert_time_zone(LOCAL_ZONE).dt.date()


def _parse_date(text: pl.Expr, field: FieldSpec | None = None) -> pl.Expr:
    return pl.coalesce([parsed for parsed, _ in _date_candidates(text, field)])


def date_precision(text: pl.Expr, field: FieldSpec) -> pl.Expr:
    """``day``, ``month`` or ``year``: the precision of the form a date was read from (null: none)."""
    return pl.coalesce(
        [
            pl.when(parsed.is_not_null()).then(pl.lit(precision))
            for parsed, precision in _date_candidates(text, field)
        ]
    )


def date_precision_of(text: pl.Series, field: FieldSpec) -> pl.Expr:
    """:func:`date_precision` of the column ``text`` (named as the field), each distinct text read
    once where values repeat (a stay's dates: a few hundred days over a million rows)."""
    if not values_repeat(text):
        return date_precision(pl.col(text.name), field)
    values = text.unique()
    read = values.to_frame().select(date_precision(pl.col(text.name), field)).to_series()
    return pl.col(text.name).replace_strict(values, read, default=None, return_dtype=pl.String)


def latest_day(date: pl.Expr, precision: pl.Expr) -> pl.Expr:
    """The last day a date of its precision may mean: a month's last day, a year's 31 December (a
    coarse date is stored as its first day)."""
    month_end = pl.when(precision == "month").then(date.dt.month_end())
    return month_end.when(precision == "year").then(pl.date(date.dt.year(), 12, 31)).otherwise(date)


def _parse_academic_year(text: pl.Expr) -> pl.Expr:
    """``2019/20`` from ``2019/20``, ``2019-2020``, a dash as a word processor writes it (``2019–20``),
    after a word (``LÅ``, ``Läsår``, ``Academic year``, ``AY``) or as its two terms (``HT2019/VT2020``).
    A two-digit first year (``19/20``) is not guessed."""
    compact = text.str.to_uppercase().str.replace_all(r"\s+", "")
    prefix = r"(?:LÅ|LA|LÄSÅR(?:ET)?|ACADEMICYEAR|AY|HT)?:?"
    groups = compact.str.extract_groups(
        rf"^{prefix}(\d{{4}})(?:[/\-\u2010-\u2015\u2212]|/VT)(\d{{2}}|\d{{4}})$"
    )
    first = groups.struct.field("1").cast(pl.Int32)
    second = groups.struct.field("2")
    second_full = (
        pl.when(second.str.len_chars() == 2)
        .then(
            (first // 100) * 100
            + second.cast(pl.Int32)
            + pl.when(second.cast(pl.Int32) < first % 100).then(100).otherwise(0)
        )
        .otherwise(second.cast(pl.Int32))
    )
    label = first.cast(pl.String).str.zfill(4) + "/" + (first + 1).mod(100).cast(pl.String).str.zfill(2)
    return pl.when(second_full == first + 1).then(label)


# a term's season as exports write it, compact and upper case: Ladok's HT/VT, a year-first H/V (2019H),
# Swedish words (Hösttermin, Vårterminen, Höst) and English ones (Autumn, Fall, Spring, "... semester")
SEASON = r"(HT|VT|HÖST(?:TERMIN(?:EN)?)?|VÅR(?:TERMIN(?:EN)?)?|(?:AUTUMN|FALL|SPRING)(?:SEMESTER|TERM)?)"
AUTUMN_FIRST = ("H", "A", "F")  # the first letter of an autumn term's word; V and S are a spring's


def _parse_term(text: pl.Expr) -> pl.Expr:
    """``HT2019``/``VT2020`` from Ladok's form (``HT 2019``, ``HT-2019``), a year-first one (``2019H``,
    ``2020VT``), a word (``Hösttermin 2019``, ``Spring 2020``), an academic year's term (``Autumn
    semester 2019/20`` is HT2019, ``Spring semester 2019/20`` VT2020) or EWP's ``2019/2020-1/2``.
    A two-digit year (``HT19``) is not guessed."""
    compact = text.str.to_uppercase().str.replace_all(r"\s+", "")
    word = compact.str.extract_groups(rf"^{SEASON}-?(\d{{4}})$")
    year_first = compact.str.extract_groups(r"^(\d{4})-?(H|V)T?$")
    academic = compact.str.extract_groups(rf"^{SEASON}-?(\d{{4}})/(\d{{2}}|\d{{4}})$")
    ewp = compact.str.extract_groups(r"^(\d{4})/(\d{4})-([12])/2$")
    ewp_first = ewp.struct.field("1").cast(pl.Int32)
    ewp_second = ewp.struct.field("2").cast(pl.Int32)
    ewp_term = (
        pl.when(ewp_second != ewp_first + 1)
        .then(None)
        .when(ewp.struct.field("3") == "1")
        .then(pl.lit("HT") + ewp_first.cast(pl.String))
        .otherwise(pl.lit("VT") + ewp_second.cast(pl.String))
    )
    first = academic.struct.field("2").cast(pl.Int32)
    second = academic.struct.field("3")
    next_year = (first + 1).cast(pl.String)
    consecutive = (second == next_year) | (second == next_year.str.slice(2, 2))
    autumn = academic.struct.field("1").str.slice(0, 1).is_in(AUTUMN_FIRST)
    academic_term = pl.when(consecutive).then(
        pl.when(autumn).then(pl.lit("HT") + first.cast(pl.String)).otherwise(pl.lit("VT") + next_year)
    )
    season = pl.when(word.struct.field("1").str.slice(0, 1).is_in(AUTUMN_FIRST)).then(pl.lit("HT"))
    return pl.coalesce(
        season.otherwise(pl.lit("VT")) + word.struct.field("2"),
        year_first.struct.field("2") + pl.lit("T") + year_first.struct.field("1"),
        academic_term,
        ewp_term,
    )


def _parse_integer(text: pl.Expr) -> pl.Expr:
    """A whole number: ``1 200`` (any space), decimal zeros (``12,0``, ``3.00``), and thousands groups
    (``1,000``, ``1.000``, ``1,000.00``): three digits after a separator are a group, never decimals."""
    compact = text.str.replace_all(r"[\s\u00a0]", "")
    # "3,000" is 3000: a count written with three decimal zeros is rarer than a group; a first group
    # is never 0 ("0,001" is a fraction, not 1; "0,000" is 0 by its decimal zeros)
    digits = (
        pl.when(compact.str.contains(r"^-?[1-9]\d{0,2}(,\d{3})+(\.0+)?$"))
        .then(compact.str.replace(r"\.0+$", "").str.replace_all(",", ""))
        .when(compact.str.contains(r"^-?[1-9]\d{0,2}(\.\d{3})+(,0+)?$"))
        .then(compact.str.replace(r",0+$", "").str.replace_all(r"\.", ""))
        .otherwise(compact.str.replace(r"^(-?\d+)[.,]0+$", "${1}"))
    )
    return pl.when(digits.str.contains(r"^-?\d{1,15}$")).then(digits.cast(pl.Int64, strict=False))


# a unit written after a number of credits in a sheet kept by hand: 7,5 hp, 30 ECTS, 15 högskolepoäng
CREDIT_UNITS = r"(?i)[\s\u00a0]*(hp|högskolepoäng|ects([\s-]?(credits|poäng))?|credits|poäng|p)\.?$"


# one separator after a first group of one to three digits and before exactly three (1,000 or 1.000): a
# thousands group, or three decimals; how the file's column writes its other numbers decides
# (:mod:`indicators.decimal_forms`)
AMBIGUOUS_DECIMAL = r"^-?[1-9]\d{0,2}[.,]\d{3}$"


def decimal_text(text: pl.Expr) -> pl.Expr:
    """A decimal's text without its unit of credits and its spaces (``1 234,5 hp`` → ``1234,5``)."""
    return text.str.replace(CREDIT_UNITS, "").str.replace_all(r"[\s\u00a0\u202f]", "")


def decimal_readings(compact: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
    """Whether ``compact`` reads with a decimal comma (dots as groups: ``7,5``, ``1.234,5``) and whether
    with a decimal point (commas as groups: ``7.5``, ``1,234.5``); a whole number reads both ways."""
    comma = compact.str.contains(r"^-?\d+(,\d+)?$") | compact.str.contains(
        r"^-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?$"
    )
    point = compact.str.contains(r"^-?\d+(\.\d+)?$") | compact.str.contains(
        r"^-?[1-9]\d{0,2}(,\d{3})+(\.\d+)?$"
    )
    return comma, point


def _parse_decimal(text: pl.Expr, mark: str | None = None) -> pl.Expr:
    """A number, decimal comma or point, any space (``1 234,5``), thousands groups (``1.234,5``,
    ``1,234.5``), a unit of credits after it (``7,5 hp``, ``30 ECTS``). ``1,000`` and ``1.000`` are read
    with the file's column's decimal ``mark`` (``,`` or ``.``); without one they have no value."""
    compact = decimal_text(text)
    comma, point = decimal_readings(compact)
    with_comma = compact.str.replace_all(r"\.", "").str.replace(",", ".").cast(pl.Float64, strict=False)
    with_point = compact.str.replace_all(",", "").cast(pl.Float64, strict=False)
    ambiguous = compact.str.contains(AMBIGUOUS_DECIMAL)
    if mark is not None:
        chosen = with_comma if mark == "," else with_point
        return pl.when(ambiguous).then(chosen).when(comma).then(with_comma).when(point).then(with_point)
    return pl.when(ambiguous).then(None).when(comma).then(with_comma).when(point).then(with_point)


def _parse_bool(text: pl.Expr) -> pl.Expr:
    word = text.str.to_lowercase()
    return pl.when(word.is_in(TRUE_WORDS)).then(True).when(word.is_in(FALSE_WORDS)).then(False)


def _parse_code(text: pl.Expr) -> pl.Expr:
    return text.str.replace_all(r"\s+", " ").str.to_uppercase()


def _parse_code_list(text: pl.Expr) -> pl.Expr:
    return (
        text.str.replace_all(",", ";")
        .str.split(";")
        .list.eval(pl.element().str.strip_chars().str.replace_all(r"\s+", " ").str.to_uppercase())
        .list.eval(pl.element().filter(pl.element() != ""))
        .list.join(";")
    )


def _parse_country(text: pl.Expr, field: FieldSpec | None = None) -> pl.Expr:
    """Two letters as the code (``EL`` and ``UK`` as ISO's ``GR`` and ``GB``); else an alpha-3 code or
    an English or Swedish name (:mod:`indicators.countries`), or the field's own ``values:``."""
    code = text.str.to_uppercase().replace(COUNTRY_FIXES)
    two = code.str.contains(r"^[A-Z]{2}$")
    own = field.values if field is not None else {}
    if any(len(spelling) == 2 for spelling in own):  # a profile's GE for DE: its own spellings first
        mine = text.str.replace_all(r"\s+", " ").str.to_lowercase().replace_strict(own, default=None)
        two = two & mine.is_null()  # then looked up below, with the profile's spellings
    longer = pl.when(~two).then(text)  # looked up only where the code is not two letters: nearly free
    key = longer.str.replace_all(r"\s+", " ").str.to_lowercase()
    named = spellings() | own
    found = key.replace_strict(named, default=None, return_dtype=pl.String)
    variant = iso_variant(pl.when(found.is_null()).then(key)).replace_strict(
        named, default=None, return_dtype=pl.String
    )
    unknown = pl.when(key.str.contains(UNKNOWN_COUNTRY_WORDS)).then(pl.lit(UNKNOWN_COUNTRY))
    return pl.when(two).then(code).otherwise(pl.coalesce(found, variant, unknown))


def _parse_enum(text: pl.Expr, field: FieldSpec) -> pl.Expr:
    """A value or alias of the field's ``values:``, any case; where none is, the same without its
    diacritics (``pagaende``, ``aterbud``, ``grundniva``: a system that writes ASCII only), if the
    spelling without them is one value's only."""
    key = text.str.replace_all(r"\s+", " ").str.to_lowercase()
    found = key.replace_strict(field.values, default=None, return_dtype=pl.String)
    plain: dict[str, set[str]] = {}
    for alias, value in field.values.items():
        plain.setdefault(without_marks(alias), set()).add(value)
    unmarked = {alias: values.pop() for alias, values in plain.items() if len(values) == 1}
    if unmarked.keys() <= field.values.keys():  # no value has a diacritic: nothing more to look up
        return found
    folded = pl.when(found.is_null()).then(key).str.normalize("NFKD").str.replace_all(r"\p{M}", "")
    return pl.coalesce(found, folded.replace_strict(unmarked, default=None, return_dtype=pl.String))


def parse_field(text: pl.Expr, field: FieldSpec) -> pl.Expr:
    """The typed value of one canonical field from its text (null where it does not parse).

    Free text (``string``) is redacted; any other field with a personnummer in it (typed into a code,
    a date, a number) has no value: its row is quarantined, the reason showing the marker.
    """
    text = text.str.strip_chars()
    parsed = _parse(text, field)
    if field.type != "string":
        parsed = pl.when(contains_personnummer(text)).then(None).otherwise(parsed)
    return parsed.alias(field.name)


def _parse(text: pl.Expr, field: FieldSpec) -> pl.Expr:
    match field.type:
        case "string":
            return redact(text)
        case "code":
            # a code spaced otherwise than the Erasmus list: as the list writes it (file_forms decides)
            return _parse_code(text).replace(field.readings) if field.readings else _parse_code(text)
        case "code_list":
            return _parse_code_list(text)
        case "country":
            return _parse_country(text, field)
        case "enum":
            return _parse_enum(text, field)
        case "term":
            return _parse_term(text)
        case "academic_year":
            return _parse_academic_year(text)
        case "date":
            return _parse_date(text, field)
        case "integer":
            return _parse_integer(text)
        case "decimal":
            return _parse_decimal(text, field.decimal_mark)
        case "bool":
            return _parse_bool(text)
        case "bool_or_count":
            return pl.coalesce(_parse_bool(text), _parse_integer(text) > 0)
    raise ValueError(f"no parser for type {field.type}")
