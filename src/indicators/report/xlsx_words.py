"""The Swedish words of why a workbook could not be read (readers.xlsx), for the report's
data-quality section (:mod:`indicators.report.quality_words`)."""

from __future__ import annotations

import re

# why a workbook's zip cannot be read (readers.xlsx: its members, its shared strings); calamine's own
# words (any other) are kept
XLSX_DAMAGE = {
    "a member's header lies outside the file": "huvudet för en del av arkivet ligger utanför filen",
    "a member's header is damaged": "huvudet för en del av arkivet är skadat",
    "a member uses a compression method Excel does not write": "en del av arkivet använder en "
    "komprimeringsmetod som Excel inte skriver",
    "a member's compressed data is damaged": "de komprimerade data i en del av arkivet är skadade",
}
EMPTY_PART = re.compile(
    r"(?P<why>.*): its part (?P<part>\S+) is empty \(written only in part\); save it again from Excel, or "
    r"deliver it again",
    re.S,
)
SHARED_STRINGS = re.compile(
    r"its shared strings claim (?P<said>.*) \(uniqueCount\), more than its (?P<size>[\d,]+) bytes can hold "
    r"\(a damaged or crafted workbook\); save it again from Excel",
    re.S,
)


NEW_EXPORT_SV = (
    ": inget kalkylprogram skriver en sådan; be avsändaren om en ny export"  # readers.xlsx.NEW_EXPORT
)
RESAVE = ": open it in Excel and save it again as Excel Workbook (.xlsx), or deliver a new export"


def xlsx_damage(text: str) -> str:
    """Why a workbook could not be read, in Swedish where the reader wrote it; calamine's own words kept."""
    if text.endswith(RESAVE):  # readers.xlsx.RESAVE: the fix of a workbook calamine or the zip cannot read
        return (
            f"{xlsx_damage(text.removesuffix(RESAVE))}: öppna den i Excel och spara den igen som Excel-arbetsbok "
            "(.xlsx), eller leverera en ny export"
        )
    empty = EMPTY_PART.fullmatch(text)  # readers.xlsx._empty_part: a part written as 0 bytes
    if empty:
        return (
            f"{xlsx_damage(empty['why'])}: dess del {empty['part']} är tom (bara delvis skriven); spara den "
            "igen från Excel, eller leverera den igen"
        )
    if text in XLSX_DAMAGE:
        return XLSX_DAMAGE[text]
    found = SHARED_STRINGS.fullmatch(text)
    if found is None:
        return text
    said = re.sub(r"a number of ([\d,]+) digits", r"ett tal med \1 siffror", found["said"])
    return (
        f"dess delade strängar anger {said} (uniqueCount), fler än dess {found['size']} byte rymmer (en "
        "skadad eller konstruerad arbetsbok); spara om den från Excel"
    )


# what a file named .xlsx that is no workbook most likely is (readers.xlsx._what_it_is)
NOT_A_WORKBOOK = {
    "a password-protected workbook or a legacy .xls renamed; save it from Excel without a password as "
    "Excel Workbook (.xlsx)": "en lösenordsskyddad arbetsbok eller en omdöpt .xls; spara den från Excel "
    "utan lösenord som Excel-arbetsbok (.xlsx)",
    "a damaged or incomplete zip (still being copied?); deliver the file again": "ett skadat eller "
    "ofullständigt zip-arkiv (kopieras den fortfarande?); leverera filen igen",
    "an HTML or XML page named .xlsx (some systems export so); save it from Excel as .xlsx": "en HTML- "
    "eller XML-sida med namnet .xlsx (en del system exporterar så); spara den från Excel som .xlsx",
    "text (a CSV export named .xlsx?); name it .csv": "text (en CSV-export med namnet .xlsx?); döp om "
    "den till .csv",
}


def _limit(text: str) -> str:
    found = re.fullmatch(r"more than the (\d+) MB allowed \(xlsx_max_unpacked_mb\)", text)
    return f"mer än de tillåtna {found.group(1)} MB (xlsx_max_unpacked_mb)" if found else text


# (pattern, Swedish template, a function per part) as quality_words' rules: a workbook that unpacks to too
# much, its fix if said (readers.xlsx: TOO_LARGE, NEW_EXPORT), and one whose every sheet is hidden
ZIP_RULES = [
    (
        r"XLSX unpacks to (?P<limit>.*), although its zip directory says less \(zip bomb\)(?P<fix>: no spreadsheet "
        r"program writes one so; ask its sender for a new export)?",
        "XLSX packas upp till {limit}, fast zip-katalogen anger mindre (zipbomb){fix}",
        {"limit": _limit, "fix": lambda v: NEW_EXPORT_SV if v else ""},
    ),
    (
        r"XLSX unpacks to an implausible size \(zip bomb\?\)(?P<fix>: no spreadsheet program writes one so; ask "
        r"its sender for a new export)?",
        "XLSX packas upp till en orimlig storlek (zipbomb?){fix}",
        {"fix": lambda v: NEW_EXPORT_SV if v else ""},
    ),
    (
        r"XLSX unpacks to (?P<limit>.*?) \(zip bomb\?\)(?P<fix>: deliver a new export \(as CSV if it is this "
        r"large\), or raise xlsx_max_unpacked_mb if this one is real)?",
        "XLSX packas upp till {limit} (zipbomb?){fix}",
        {
            "limit": _limit,
            "fix": lambda v: (
                ": leverera en ny export (som CSV om den är så stor), eller höj xlsx_max_unpacked_mb "
                "om denna är äkta"
                if v
                else ""
            ),
        },
    ),
    (
        r"every sheet of the workbook is hidden \((?P<sheets>.*)\): set the source's sheet: in its pipelines "
        r"file to the sheet that holds the rows \(a hidden sheet is read only when named\)",
        "varje blad i arbetsboken är dolt ({sheets}): sätt källans sheet: i dess pipelines-fil till bladet som "
        "har raderna (ett dolt blad läses bara när det är namngivet)",
        {},
    ),
]
