"""The Swedish words of why a CSV export looks cut short (readers.cut_short: a copy that stalled), for
the report's data-quality section (:mod:`indicators.report.quality_words`)."""

from __future__ import annotations

CUT = r"looks cut short \(a copy that stopped part-way, or is still being made\?\): "
FIX = r"; deliver the file again whole once it is copied"
CUT_SV = "ser avkortad ut (en kopiering som stannade halvvägs, eller som ännu pågår?): "
FIX_SV = "; leverera filen hel igen när den är kopierad"

# (pattern, template, parts) as quality_words.RULES
CUT_RULES: list[tuple[str, str, dict]] = [
    (
        CUT + r"it ends in (?P<zeros>[\d,]+) zero bytes where its text should go on" + FIX,
        CUT_SV + "den slutar med {zeros} nollbyte där texten borde fortsätta" + FIX_SV,
        {},
    ),
    (
        CUT + r"its last line \(line (?P<line>\d+)\) ends inside a quoted value, never closed" + FIX,
        CUT_SV + "dess sista rad (rad {line}) slutar inne i ett citerat värde som aldrig avslutas" + FIX_SV,
        {},
    ),
    (
        CUT
        + r"its last line \(line (?P<line>\d+)\) has (?P<fields>\d+) of the header's (?P<width>\d+) fields "
        r"and no line break at its end" + FIX,
        CUT_SV
        + "dess sista rad (rad {line}) har {fields} av rubrikradens {width} fält och ingen radbrytning "
        "i slutet" + FIX_SV,
        {},
    ),
    (
        r"it ends inside a quoted value opened on line (?P<line>\d+), (?P<after>[\d,]+) lines before its end: "
        r"cut short \(a copy that stopped part-way\?\), or a quote left open on line (?P=line); deliver the "
        r"file again whole, its quotes closed",
        "den slutar inne i ett citerat värde som börjar på rad {line}, {after} rader före slutet: avkortad (en "
        "kopiering som stannade halvvägs?), eller ett citattecken som lämnats öppet på rad {line}; leverera "
        "filen hel igen, med sina citattecken stängda",
        {},
    ),
]
