"""The Swedish words of why a delivered file was rejected for its kind or its size (readers.packed,
readers.csv_lines, readers.ewp_iia), for the report's data-quality section
(:mod:`indicators.report.quality_words`, whose rules these extend)."""

from __future__ import annotations

from collections.abc import Callable

# the kinds of archive an export arrives in (readers.packed); one not listed is kept as written
KINDS = {
    "gzip-compressed (.gz)": "gzip-komprimerad (.gz)",
    "a 7-Zip archive (.7z)": "ett 7-Zip-arkiv (.7z)",
    "bzip2-compressed (.bz2)": "bzip2-komprimerad (.bz2)",
    "xz-compressed (.xz)": "xz-komprimerad (.xz)",
    "a RAR archive (.rar)": "ett RAR-arkiv (.rar)",
    "zstd-compressed (.zst)": "zstd-komprimerad (.zst)",
    "a zip archive (not a workbook)": "ett zip-arkiv (ingen arbetsbok)",
    "a gzip-compressed file": "en gzip-komprimerad fil",
    "a 7-Zip archive": "ett 7-Zip-arkiv",
    "a bzip2-compressed file": "en bzip2-komprimerad fil",
    "an xz-compressed file": "en xz-komprimerad fil",
    "a RAR archive": "ett RAR-arkiv",
    "a zstd-compressed file": "en zstd-komprimerad fil",
    "a zip archive": "ett zip-arkiv",
}
UNPACK = r"unpack it and deliver the export itself \(\.csv, \.xlsx or \.xml\)"
PACKA_UPP = "packa upp den och leverera själva exporten (.csv, .xlsx eller .xml)"


def _kind(text: str) -> str:
    return KINDS.get(text, text)


RULES: list[tuple[str, str, dict[str, Callable[[str], str]]]] = [
    (
        rf"(?P<kind>.+?), not a CSV export: {UNPACK}",
        f"{{kind}}, ingen CSV-export: {PACKA_UPP}",
        {"kind": _kind},
    ),
    (
        rf"(?P<kind>.+?) \((?P<suffix>[^)]*)\), not an export: {UNPACK}",
        f"{{kind}} ({{suffix}}), ingen export: {PACKA_UPP}",
        {"kind": _kind},
    ),
    (
        r"a PDF document, not a CSV export: deliver the export the system writes as CSV",
        "ett PDF-dokument, ingen CSV-export: leverera exporten som systemet skriver den som CSV",
        {},
    ),
    (
        r"a quoted value from line (?P<line>[\d,]+) runs over (?P<n>[\d,]+) bytes, longer than the "
        r"(?P<mib>\d+) MiB a row of an export may have \(a quote left open\?\): deliver the file again "
        r"without the long value",
        "ett citerat värde från rad {line} löper över {n} byte, längre än de {mib} MiB en rad i en export "
        "får ha (ett citattecken som aldrig stängs?): leverera filen igen utan det långa värdet",
        {},
    ),
    (
        r"line (?P<line>[\d,]+) is (?P<n>[\d,]+) bytes long, longer than the (?P<mib>\d+) MiB a row of an "
        r"export may have, and opens or closes a quoted value: deliver the file again with its line breaks "
        r"and without the long value",
        "rad {line} är {n} byte lång, längre än de {mib} MiB en rad i en export får ha, och öppnar eller "
        "stänger ett citerat värde: leverera filen igen med sina radbrytningar och utan det långa värdet",
        {},
    ),
    (
        r"XML of (?P<size>[\d,.]+) MB, larger than the (?P<most>\d+) MB an EWP IIA get-response may be "
        r"\(the faculty's agreements take a few MB\): deliver the agreements in files of fewer iia elements each",
        "XML på {size} MB, större än de {most} MB ett EWP IIA get-response får vara (fakultetens avtal tar "
        "några MB): leverera avtalen i filer med färre iia-element var",
        {},
    ),
    (
        r"XML elements nested more than (?P<n>\d+) deep \(an EWP IIA get-response nests fewer than ten\): "
        r"not an IIA export; deliver the get-response the EWP system writes",
        "XML-element nästlade djupare än {n} nivåer (ett EWP IIA get-response nästlar färre än tio): ingen "
        "IIA-export; leverera det get-response som EWP-systemet skriver",
        {},
    ),
]
