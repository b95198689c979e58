"""Characters that show as nothing, inside a code or a key: a value read without them, and said.

A code copied from a web page, a PDF or Word carries a zero-width space (``SM\u200b-0001``), a word
joiner, a soft hyphen or a mark of writing direction that no one sees: ``SM-0001`` and it were two
codes, each loaded without a word, and an enum or a country with one (``GB\u200b``) was quarantined
with a reason that showed the right value. They are removed from every value but free text's (a
person identifier's reading has its own rule: :mod:`indicators.identity`), and the file's warning
counts the values. A no-break or narrow no-break space is white space: trimmed at the ends like a
space (:func:`clean`), a space inside a code. Two keys that become one are then a duplicate key, named
by its rule (normalise's step 3), never merged without a word.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import polars as pl

from indicators.redact import INVISIBLE, redact_text
from indicators.sources import FieldSpec, SourceSpec

CLASS = f"[{INVISIBLE}]"
# each one (the class's ranges spelt out): a search for any of them is a third faster than the class's
# (0.04 s a million codes)
CHARACTERS = [
    chr(n) for a, b in re.findall(r"(.)(?:-(.))?", INVISIBLE, re.S) for n in range(ord(a), ord(b or a) + 1)
]


def cleaned_fields(
    frame: pl.DataFrame, spec: SourceSpec, text_of: Callable[[FieldSpec], pl.Expr]
) -> tuple[list[str], list[str]]:
    """The fields whose values hold a character that shows as nothing, and the file's warning."""
    fields = [
        f
        for f in spec.fields
        if not f.personal and not f.precision_of and (f.type != "string" or f.name in spec.business_key)
    ]
    if not fields or frame.height == 0:
        return [], []
    found = frame.select(
        text_of(f).cast(pl.String).str.contains_any(CHARACTERS).sum().alias(f.name) for f in fields
    )
    counts = {name: n for name, n in found.row(0, named=True).items() if n}
    if not counts:
        return [], []
    first = next(iter(counts))
    example = frame.select(text_of(spec.field(first)).cast(pl.String).alias("x")).filter(
        pl.col("x").str.contains_any(CHARACTERS)
    )["x"][0]
    shown = redact_text(pl.Series([example]).str.replace_all(CLASS, "").str.strip_chars()[0])[:40]
    columns = ", ".join(f"{name} {n}" for name, n in counts.items())
    warning = (
        f"{sum(counts.values())} value{'s' if sum(counts.values()) != 1 else ''} held characters that show as nothing (a zero-width space, a word "
        f"joiner, a soft hyphen: text copied from a web page or Word), read without them ({columns}; the "
        f"first: '{shown}'): remove them in the export if its system is to show the same codes"
    )
    return list(counts), [warning]


def clean(text: pl.DataFrame, columns: list[str], invisible: list[str] | None = None) -> pl.DataFrame:
    """Surrounding white space (Unicode, no-break space included) stripped, and the characters that
    show as nothing removed from the ``invisible`` columns; a blank value is missing."""
    text = text.with_columns(
        (
            pl.col(c).cast(pl.String).str.replace_many(CHARACTERS, [""] * len(CHARACTERS))
            if c in (invisible or ())
            else pl.col(c)
        )
        .cast(pl.String)
        .str.strip_chars()
        for c in columns
    )
    # readers give an empty cell as null already: only the few columns with a blank value need a pass
    blank = text.select((pl.col(c) == "").any() for c in columns).row(0) if columns else ()
    return text.with_columns(
        pl.when(pl.col(c) != "").then(pl.col(c)).alias(c) for c, b in zip(columns, blank, strict=True) if b
    )
