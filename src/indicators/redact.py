"""The one redaction rule: anything shaped like a personnummer is replaced by ``[personnummer]``.

The rule, applied to every string that leaves the reader except the person columns themselves
(which are pseudonymised, :mod:`indicators.identity`): file names, column headers, codes, free text,
quarantine reasons, errors, log lines and summaries. A match is

* an optional century ``18``, ``19`` or ``20`` and a date ``YYMMDD`` whose month is 00-12 and whose
  day is 00-31 or 60-91 (a samordningsnummer adds 60 to the day; 00 stands for an unknown one),
* then any separator people type, or none: white space (no-break space included), ``-``, ``+``,
  the Unicode hyphens and dashes (``‐ ‑ ‒ – — ― ⸺ ⸻``, the vertical ``︱ ︲``, a hyphen bullet
  ``⁃``), the minus signs (``− ˗ ➖``), ``_`` (a file name's separator), ``.`` or ``/``, the tildes
  and wave dashes (``~ 〜 ～ ⁓``: a Chinese or Japanese input method types 〜 or ～ for a dash),
  ``:`` and ``*`` (slips in Excel), a backslash (a Windows path typed), a middle dot or a bullet
  (``· • ‧ ∙ ⋅``), a superscript or subscript minus, the katakana ``・`` and ``ー`` (a Japanese input
  method's dash), and their full-width forms, up to three of them (``--``), between
  spaces or characters that show as nothing (a soft hyphen, a zero-width space, a byte-order mark, a mark of
  writing direction), HTML character references (``&nbsp;``, ``&#8209;``: a web system's export) or
  percent-encoded bytes (``%2D``, ``%20``, ``%E2%80%91``: a file name saved from a link or a web page;
  either escaped twice, ``&amp;nbsp;``, ``%252D``)
  or a program's escapes of a character it does not show (``\xa0``, ``\u200b``, ``\t``: a message or
  an export built with Python's repr, JSON's ``\u00a0``),
* then the four last digits, or a Ladok T-number's ``T`` and three digits, or a region's reserve
  number's letters: a capital letter and three digits, two and two (``19000101-TF10``, ``000101-R123``),

the digits read in pairs, with white space, characters that show as nothing, character references, percent-encoded bytes or escapes
allowed between two pairs as between the date and the serial (a form filled in groups:
``19 00 01 01-98 76``, ``1900 0101-9876``, ``190001 01-9876``, ``19 000101-9876``; a Ladok T-number's
``T987`` is not split), never inside a pair (``190 00101-9876`` is no shape people type) and no
separator but such a gap inside the date (``2024-03-01 12:34`` is a date and a time, left alone),
not inside a longer run of digits (the characters around it are not digits). A date written as a
date (``1900-01-01``, ``00-01-01``, ``1900.01.01``) then the serial after a dash, ``_``, ``+`` or a
gap (``1900-01-01-9801``, ``1900-01-01 9801``) is one too, unless a dash, ``/`` or ``~`` follows
(``2024-03-01-2025-03-01`` is a range of dates; ``2024-03-01: 1200`` is no such shape). A digit is ASCII's,
its full-width form (``１９０１０１０１９８５９``, as a Chinese or Japanese input method types it) or an
Arabic-Indic one (``١٩٠٠٠١٠١-٩٨٠١``, ``۰۰۰۱۰۱-۹۸۰۱``: an Arabic, Persian or Urdu keyboard's). The check digit is
**not** required: a mistyped personnummer is still someone's, and an invalid check digit must never
be what lets a number through in clear. So a date-like 10- or 12-digit number (``2024030112 34``,
``2024 0301 1234``, five two-digit numbers ``12 10 05 30 42`` whose second and third read as a month
and a day) is redacted too: the rule errs on the side of redaction. Amounts in groups of three
(``1 000 000``), years (``2019 2020``), an IBAN in groups of four are no such shape.

One pattern serves polars columns (:func:`redact`, :func:`contains`) and Python text
(:func:`redact_text`, :func:`has_personnummer`): the same text gives the same result either way.
The pattern cannot look ahead (polars' regex engine has no look-around), so the character after a
match is matched and put back; two identifiers separated by a single character are then found in a
second pass, which is why :func:`redact` and :func:`redact_text` make two.
"""

from __future__ import annotations

import re

import polars as pl

MARKER = "[personnummer]"

_WIDE = str.maketrans("0123456789", "０１２３４５６７８９")
# the Arabic-Indic digits (an Arabic keyboard's) and the extended ones (a Persian or Urdu keyboard's)
_ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_NARROW = str.maketrans("０１２３４５６７８９٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹Ｔｔ", "012345678901234567890123456789Tt")


def _d(digits: str) -> str:
    """A class of the ASCII digits ``digits`` (``0-9``, ``78``), their full-width forms (``０-９``, as
    a Chinese or Japanese input method types them) and the Arabic-Indic ones (``٠-٩``, ``۰-۹``)."""
    return f"[{digits}{digits.translate(_WIDE)}{digits.translate(_ARABIC)}{digits.translate(_PERSIAN)}]"


# any character but such a digit (around a match: not inside a longer number)
_NOT_DIGIT = f"[^{_d('0-9')[1:-1]}]"


# characters that show as nothing: a soft hyphen, zero-width space, non-joiner and joiner, a word
# joiner, a byte-order mark (text pasted from a web page, a PDF or Word), the marks of writing
# direction (U+200E, U+200F, U+061C, U+202A-U+202E, U+2066-U+2069: Outlook, Teams or a page written
# right to left put them around and in numbers), the invisible operators and separator (U+2061-U+2064), a
# combining grapheme joiner and the Mongolian vowel separator; spaced like white space. And the
# information separators U+001C-U+001F, which Python's \s holds and polars' (Rust's) does not: the
# text function and the expression must redact the same text alike
INVISIBLE = "\x1c-\x1f\u00ad\u034f\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff"
# an HTML character reference a web system's export left in text (&nbsp; &#8209; &ndash; &#xA0;;
# a name without its ';' too, as a browser reads it; escaped again, &amp;nbsp; &amp;#8209;, as an
# export of a text escaped once already writes it), spaced like white space
_AMP = "&(?:amp;)*"
REFERENCE = rf"{_AMP}(?:#[0-9]{{1,7}};|#[xX][0-9a-fA-F]{{1,6}};|[A-Za-z]{{2,31}};?)"
# a percent-encoded byte (%2D, %20, the three of a non-breaking hyphen %E2%80%91): a file name saved
# from a web page or a mail's link, a path in a URL; its '%' encoded again (%252D: a name saved from a
# link twice), read whole: an encoded '%' itself (%25) is none ('%2520' is a space, never a '%' and the
# digits 20: 'SE45%25205000%25200000' is an IBAN). Spaced like white space
_PCT = "%(?:25)*"
PERCENT = f"{_PCT}(?:[013-9A-Fa-f][0-9A-Fa-f]|2[0-46-9A-Fa-f])"
# the escape a program writes for a character it does not show: Python's repr of a no-break space
# ('000101\xa0…'), a soft hyphen (\xad), a zero-width space (\u200b), a tab (\t); JSON's \u00a0; the
# same in JSON text (a doubled backslash). Spaced like white space
ESCAPE = r"\\{1,2}(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[tnrfv])"
# one of them, or white space: what shows as a space or as nothing between a personnummer's parts
GAP = rf"[\s{INVISIBLE}]|{REFERENCE}|{PERCENT}|{ESCAPE}"
_GAP = rf"(?:{GAP})*"
# the separators: the hyphens and dashes (the two- and three-em, the vertical ones, a hyphen bullet),
# the minus signs (a modifier minus, a heavy minus), '_', '.', '/', the tildes and wave dashes (an
# input method's 〜 and ～, a swung dash), ':' and '*' (slips in Excel), and their full-width and small
# forms; a backslash (a Windows path typed), a middle dot, a bullet, a hyphenation point, the bullet
# and dot operators (a list pasted from Word), a superscript and a subscript minus, the katakana
# middle dot and prolonged sound mark (a Japanese input method's ・ and ー for a dash) and their
# half-width forms: read like '-'; '+' (100 or older) and its full-width form
DASHES = (
    "[-_./~:*\\\\\u00b7\u02d7\u2010-\u2015\u2022\u2027\u2043\u2053\u207b\u208b\u2212\u2219\u22c5"
    "\u2796\u2e3a\u2e3b\u301c\u30fb\u30fc\ufe31\ufe32\ufe58\ufe63\uff0a\uff0d\uff0e\uff0f\uff1a"
    "\uff3f\uff5e\uff65\uff70]"
)
PLUSES = "[+\uff0b]"
# a separator, typed up to three times (a slip, or two hyphens for a dash as plain text writes it).
# indicators.identity reads a person column's identifier with these same definitions
_SEPARATOR = rf"{_GAP}(?:(?:{DASHES}|{PLUSES}){_GAP}){{0,3}}"
# the digits in pairs, a gap allowed between two pairs (a form filled in groups: '19 00 01 01',
# '1900 0101', '190001 01', the serial '98 76'); never a space inside a pair, and no separator but a
# gap. Between any two digits, characters that show as nothing (a soft hyphen a hyphenation tool puts
# in a long number, a zero-width space a web page breaks lines at: 00010<U+200B>1-98NN reads as
# 000101-98NN), or a web page's reference to one (&shy; &#173; &#8203; &#x200B; &zwnj; &zwj;), or the
# percent-encoded bytes of one (%C2%AD a soft hyphen, %E2%80%8B-%E2%80%8F, %E2%81%A0, %EF%BB%BF)
_HIDDEN_REFERENCE = rf"{_AMP}(?:shy;?|zwn?j;|ZeroWidthSpace;|#173;|#820[3-5];|#65279;|#[xX](?:0*[aA][dD]|200[bBcCdD]|[fF][eE][fF][fF]);)"
_HIDDEN_PERCENT = f"{_PCT}(?:[cC]2{_PCT}[aA][dD]|[eE]2{_PCT}8(?:0{_PCT}8[b-fB-F]|1{_PCT}[aA]0)|[eE][fF]{_PCT}[bB][bB]{_PCT}[bB][fF])"
_IN = rf"(?:[{INVISIBLE}]|{_HIDDEN_REFERENCE}|{_HIDDEN_PERCENT})*"


def _pair(first: str, second: str) -> str:
    return f"{_d(first)}{_IN}{_d(second)}"


_CENTURY = rf"(?:{_pair('1', '89')}|{_pair('2', '0')}){_GAP}"
_MONTH = f"(?:{_pair('0', '0-9')}|{_pair('1', '0-2')})"
_DAY = f"(?:{_pair('0-2', '0-9')}|{_pair('3', '01')}|{_pair('6', '0-9')}|{_pair('78', '0-9')}|{_pair('9', '01')})"
# the serial: four digits; a Ladok T-number's T (or any capital letter) and three digits; two capital
# letters and two digits. A region's reserve number (reservnummer) for someone without a personnummer
# is the date and four characters of which one is a letter (Region Skåne's 19000101-TF10, 000101-R123;
# the national reserve id's two letters, 000101-AB12): a person's id as much as a personnummer
_LETTERED = rf"[A-ZtＴｔ](?:{_IN}{_d('0-9')}){{3}}|[A-Z]{{2}}(?:{_IN}{_d('0-9')}){{2}}"
_SERIAL = rf"(?:{_pair('0-9', '0-9')}{_GAP}{_pair('0-9', '0-9')}|{_LETTERED})"
# a date written as a date, with its hyphens (or '.' or '/'), then the serial: '1900-01-01-9801',
# '1900-01-01 9801', '00-01-01-9801' (a form's date field, then the last four). After the date a dash,
# '_', '+' or a gap, up to three (not ':' or '/': '2024-03-01: 1200 rader' is a date and a count), and
# after the serial no digit and no dash, '/' or '~' ('2024-03-01-2025-03-01' is a range of dates)
_IN_DATE = "[-./\u2010-\u2015\u2212\uff0d\uff0e\uff0f]"
_AFTER_DATE = rf"{_GAP}(?:[-_+\u2010-\u2015\u2212\uff0b\uff0d\uff3f]{_GAP}){{0,3}}"
# (the serial's four digits together: in '2024-03-01%2012%3A34' a percent-encoded ':' is between them)
_TIGHT_SERIAL = rf"(?:{_pair('0-9', '0-9')}{_IN}{_pair('0-9', '0-9')}|{_LETTERED})"
_DATED = rf"{_IN_DATE}{_MONTH}{_IN_DATE}{_DAY}{_AFTER_DATE}{_TIGHT_SERIAL}"  # after the year
_NOT_RANGE = f"{_NOT_DIGIT[:-1]}\\-/~+\u2010-\u2015\u2212\u301c\uff0b\uff0d\uff0f\uff5e]"
# group 1: the character before (or the start), group 2 or 3: the character after (or the end). Before, a
# percent-encoded byte is read whole, never its '%' alone: in 'SE45%205000%200000%200583' the '20' of
# '%20' is no digit of the number after it, and in 'Student%2019000101%2D9801' the '0' of '%20' is none;
# an escape too ('\xa019000101-9801': the 'a0' of '\xa0' is no part of the number)
# (the two forms share their beginning, the century and the year, read once: each alternative tried
# at every character doubled the time of a text without one)
_REST = rf"{_GAP}{_MONTH}{_GAP}{_DAY}{_SEPARATOR}{_SERIAL}"  # YY (read before) MM DD, a separator, the serial
PATTERN = (
    rf"(^|{PERCENT}|{ESCAPE}|{_NOT_DIGIT[:-1]}%])(?:{_CENTURY})?{_pair('0-9', '0-9')}"
    rf"(?:{_REST}({_NOT_DIGIT}|$)|{_DATED}({_NOT_RANGE}|$))"
)
_REPLACEMENT_POLARS = f"${{1}}{MARKER}${{2}}${{3}}"
# Python's engine backtracks: a run of gap characters given back one by one where no digit follows
# costs as much again as reading it (a grouped date before 1 MB of spaces: 2.3 s against 1.0 s). Each
# run is taken whole (possessive, Python 3.11): what follows a gap is a digit, a separator or a 'T',
# never a gap character, so the matches are the same; polars' engine does not backtrack
COMPILED = re.compile(PATTERN.replace(_GAP, f"{_GAP}+").replace(_IN, f"{_IN}+"))


def _replacement(match: re.Match) -> str:
    """The match with its core replaced by :data:`MARKER`, the characters around kept (the one after:
    group 2 for the one form, 3 for the date written as a date). A function, not a template
    (``\\g<1>…``): for a template Python looks up its parse by the pattern, whose hash is computed
    over the whole compiled pattern at every call, two thirds of a short text's time (90 µs a call
    against 34)."""
    return f"{match.group(1)}{MARKER}{match.group(2) or match.group(3) or ''}"


def narrow_digits(text: str) -> str:
    """``text`` with full-width and Arabic-Indic digits (and a T-number's ``Ｔ``) as ASCII ones: the
    digits of a match."""
    return text.translate(_NARROW)


def redact(expr: pl.Expr) -> pl.Expr:
    """A string column with every personnummer-shaped part replaced by :data:`MARKER`.

    A column with nothing to redact (nearly always) is only searched, not rewritten: a search is a
    quarter of the two passes' time (0.4 s against 1.8 s for a million mobility ids).
    """
    once = expr.str.replace_all(PATTERN, _REPLACEMENT_POLARS)
    twice = once.str.replace_all(PATTERN, _REPLACEMENT_POLARS)
    return pl.when(contains(expr).any()).then(twice).otherwise(expr)


def contains(expr: pl.Expr) -> pl.Expr:
    """Whether a string column's value holds anything personnummer-shaped (null stays null)."""
    return expr.str.contains(PATTERN)


def redact_text(text: str) -> str:
    """Text with every personnummer-shaped part replaced by :data:`MARKER`."""
    once = COMPILED.sub(_replacement, text)
    return COMPILED.sub(_replacement, once)


def has_personnummer(text: str) -> bool:
    return COMPILED.search(text) is not None


def redact_all(texts: list[str]) -> list[str]:
    """:func:`redact_text` of each (column headers, say)."""
    return [redact_text(text) for text in texts]
