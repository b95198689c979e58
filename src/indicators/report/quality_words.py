"""The data-quality section's words in the report's language: file statuses, rejection reasons,
check severities and details, the run's status, and why a value has no verdict.

The warehouse keeps these as the run wrote them, in English (``audit.loaded_files.reason``,
``audit.dq_results``, ``audit.pipeline_runs.status``, ``marts.indicator_progress.no_verdict_reason``):
one language in the audit tables, read by people and scripts alike. A Swedish report says them in
Swedish: a code (``rejected``, ``warn``) by a table of words, a reason by the ingest's own sentence
patterns (``RULES``, one per sentence the ingest writes: its fixed words translated, what it quotes
(headers, file names, numbers) kept). A reason no pattern knows is shown as written, and
:func:`reason` says it is English, so that the page marks it ``lang="en"`` (a screen reader then
reads it as English) rather than pass it off as Swedish.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from indicators.export import labels
from indicators.report.cut_words import CUT_RULES
from indicators.report.reader_words import RULES as READER_RULES
from indicators.report.verdict_words import NO_VERDICT, no_verdict, word  # noqa: F401 (the report reads them here)
from indicators.report.xlsx_words import NOT_A_WORKBOOK, ZIP_RULES, xlsx_damage

FILE_STATUS = {
    "rejected": {"sv": "avvisad", "en": "rejected"},
    "unmatched": {"sv": "okänd källa", "en": "unmatched"},
    "refused": {"sv": "vägrad", "en": "refused"},
    "loaded": {"sv": "inläst", "en": "loaded"},
    "skipped": {"sv": "överhoppad", "en": "skipped"},
}

SEVERITY = {"warn": {"sv": "varning", "en": "warning"}, "error": {"sv": "fel", "en": "error"}}

RUN_STATUS = labels.RUN_STATUS


def _closest(text: str) -> str:
    return text.replace("← no close header", "← ingen närliggande rubrik")


def _problem(text: str) -> str:
    found = re.fullmatch(r"after (today|the run's date, INDICATORS_RUN_DATE) \(([^)]*)\)", text)
    if found:
        when = "i dag" if found.group(1) == "today" else "körningens datum, INDICATORS_RUN_DATE"
        return f"efter {when} ({found.group(2)})"
    found = re.fullmatch(r"before (\S+) \(date_window_start, the earliest date a row may hold\)", text)
    if found:
        return f"före {found.group(1)} (date_window_start, det tidigaste datum en rad får ha)"
    return text


def _said(text: str) -> str:
    found = re.fullmatch(r"its name says it was extracted on (\S+)", text)
    if found:
        return f"enligt namnet togs den ut {found.group(1)}"
    if text == "its name carries an extraction date inside what reads as a personnummer (not shown)":
        return "namnet har ett uttagsdatum inne i något som läses som ett personnummer (visas inte)"
    return text


# (the English sentence, the Swedish one): named groups are kept (through their function, if any)
RULES: list[tuple[str, str, dict[str, Callable[[str], str]]]] = [
    (r"file name matches no source; left in place", "filnamnet matchar ingen källa; filen ligger kvar", {}),
    (
        r"file name matches no source; left in place \(to load it, rename it to match a source's "
        r"patterns: in pipelines/\*\.yml\)",
        "filnamnet matchar ingen källa; filen ligger kvar (för att läsa in den, byt namn så att det matchar "
        "en källas patterns: i pipelines/*.yml)",
        {},
    ),
    (
        r"exported (?P<day>\S+) \(by its name\), before (?P<name>.+?) \((?P<newer>\S+)\), loaded already: its "
        r"rows replace that export's for the keys they share \(if it is no correction, take it out of the "
        r"inbox and deliver the newest export again\)",
        "exporterad {day} (enligt namnet), före {name} ({newer}) som redan är inläst: dess rader ersätter "
        "den exportens för de nycklar de delar (är den ingen rättelse, ta bort den ur inkorgen och leverera "
        "den senaste exporten igen)",
        {},
    ),
    (
        r"its name holds no date, and (?P<rows>\d+) of its rows share their key with (?P<name>.+?) \((?P<day>\S+)\), "
        r"loaded already: its rows replace that export's for those keys, whichever was exported later "
        r"\(rename it with the date it was exported\)",
        "namnet har inget datum, och {rows} av dess rader har samma nyckel som i {name} ({day}), redan inläst: "
        "dess rader ersätter den exportens för de nycklarna, vilken som än exporterades senare (byt namn "
        "med datumet den exporterades)",
        {},
    ),
    (
        r"required column missing: the header is on row (?P<row>\d+), below a title: set skip_rows: "
        r"(?P<skip>\d+) in (?P<contract>\S+) so that it is read",
        "obligatorisk kolumn saknas: rubrikraden är rad {row}, under en titel: sätt skip_rows: {skip} i "
        "{contract} så att den läses",
        {},
    ),
    (
        r"required column missing: (?P<fields>.*?); the file's headers: (?P<headers>.*?); "
        r"closest: (?P<closest>.*?); edit (?P<contract>\S+): add the header to the field's aliases:, "
        r"or give the field derive: \(SQL over these headers\) or default:",
        "obligatorisk kolumn saknas: {fields}; filens rubriker: {headers}; närmast: {closest}; "
        "ändra i {contract}: lägg till rubriken under fältets aliases:, eller ge fältet derive: "
        "(SQL över rubrikerna) eller default:",
        {"closest": _closest},
    ),
    (
        r"two columns map to (?P<field>\S+): (?P<a>.*) and (?P<b>.*)",
        "två kolumner motsvarar {field}: {a} och {b}",
        {},
    ),
    (
        r"XML is only accepted for agreements \(EWP IIA get-response\)",
        "XML tas bara emot för avtal (EWP IIA get-response)",
        {},
    ),
    (
        r"legacy \.xls workbooks are not accepted: save the export as XLSX or CSV",
        "gamla .xls-arbetsböcker tas inte emot: spara exporten som XLSX eller CSV",
        {},
    ),
    (
        r"unsupported file type (?P<suffix>.*): expected CSV, XLSX or EWP IIA XML",
        "filtypen {suffix} tas inte emot: CSV, XLSX eller EWP IIA XML väntas",
        {},
    ),
    (r"file larger than (?P<mb>\d+) MB is not accepted", "en fil större än {mb} MB tas inte emot", {}),
    (
        r"file larger than (?P<mb>[\d.]+) MB is not accepted \(max_file_mb; it has (?P<size>[\d,.]+) MB\), "
        r"never read: deliver the export in parts, or raise max_file_mb if it really is one export",
        "en fil större än {mb} MB tas inte emot (max_file_mb; den har {size} MB), lästes aldrig: leverera "
        "exporten i delar, eller höj max_file_mb om det verkligen är en export",
        {},
    ),
    (r"empty file", "tom fil", {}),
    (
        r"empty file \(0 bytes: the export, or its copy, wrote nothing\): deliver the file again",
        "tom fil (0 byte: exporten, eller kopian av den, skrev ingenting): leverera filen igen",
        {},
    ),
    (r"no data rows \(header only\)", "inga datarader (bara rubrikraden)", {}),
    (r"no data rows \(empty sheet\)", "inga datarader (tomt blad)", {}),
    (
        r"no iia elements: the get-response holds no agreement \(the EWP server knew none of the IIAs asked "
        r"for\); deliver one that holds the agreements",
        "inga iia-element: get-response innehåller inget avtal (EWP-servern kände inget av de efterfrågade "
        "avtalen); leverera ett som innehåller avtalen",
        {},
    ),
    (r"no iia elements", "inga iia-element", {}),
    (r"cannot read the file \((?P<why>.*)\)", "filen kan inte läsas ({why})", {}),
    (
        r"could not be read \((?P<why>[^)]*)\): give the nightly's user read access to the file \(or "
        r"deliver it again with the inbox's permissions\)",
        "kunde inte läsas ({why}): ge nattkörningens användare läsrätt till filen (eller leverera den igen "
        "med inkorgens behörigheter)",
        {},
    ),
    (
        r"could not be read \((?P<why>[^)]*)\): deliver the file again",
        "kunde inte läsas ({why}): leverera filen igen",
        {},
    ),
    (r"could not be read \((?P<why>.*)\)", "kunde inte läsas ({why})", {}),
    (r"XML with a DTD or entities is not accepted", "XML med DTD eller entiteter tas inte emot", {}),
    (r"not well-formed XML: (?P<why>.*)", "inte välformad XML: {why}", {}),
    (r"not readable as XML: unknown character encoding", "kan inte läsas som XML: okänd teckenkodning", {}),
    (r"not readable as XML \((?P<why>.*)\)", "kan inte läsas som XML ({why})", {}),
    (r"more than (?P<n>[\d,]+) XML elements is not accepted", "fler än {n} XML-element tas inte emot", {}),
    (
        r"not an EWP IIA get-response \(root element (?P<root>.*)\): deliver the IIAs' get-response \(root "
        r"element iias-get-response\), which holds the agreements themselves",
        "inget EWP IIA get-response (rotelementet {root}): leverera avtalens get-response (rotelementet "
        "iias-get-response), som innehåller själva avtalen",
        {},
    ),
    (
        r"not an EWP IIA get-response \(root element (?P<root>.*)\)",
        "inget EWP IIA get-response (rotelementet {root})",
        {},
    ),
    (
        r"mixed encodings: UTF-8 text, then on line (?P<line>\d+) a byte UTF-8 cannot read \(Windows-1252\?\); "
        r"save the whole file again in one encoding \(UTF-8\)",
        "blandade teckenkodningar: UTF-8-text, sedan på rad {line} en byte som UTF-8 inte kan läsa "
        "(Windows-1252?); spara om hela filen i en teckenkodning (UTF-8)",
        {},
    ),
    (
        r"(?P<wide>UTF-\d+) encoded; save as UTF-8 or Windows-1252",
        "{wide}-kodad; spara som UTF-8 eller Windows-1252",
        {},
    ),
    (r"binary content \(NUL bytes\): not a CSV export", "binärt innehåll (NUL-byte): ingen CSV-export", {}),
    (
        r"a zip archive \(an XLSX workbook named \.csv\?\), not a CSV export: name it \.xlsx, or save it as CSV",
        "ett zip-arkiv (en XLSX-arbetsbok med namnet .csv?), ingen CSV-export: döp om den till .xlsx, eller "
        "spara den som CSV",
        {},
    ),
    (
        r"a legacy \.xls or password-protected workbook named \.csv, not a CSV export: save it as CSV",
        "en gammal .xls eller lösenordsskyddad arbetsbok med namnet .csv, ingen CSV-export: spara den som CSV",
        {},
    ),
    (
        r"(?P<lines>[\d,]+) lines of (?P<width>\d+) columns in (?P<size>[\d,]+) bytes: far more lines than an "
        r"export of its size has rows \(blank lines inside the table, or rows of a value or two\); delete "
        r"them and deliver the file again",
        "{lines} rader med {width} kolumner på {size} byte: långt fler rader än en export av den storleken "
        "har (tomma rader inne i tabellen, eller rader med ett eller två värden); ta bort dem och leverera "
        "filen igen",
        {},
    ),
    (
        r"(?P<extra>[\d,]+) separators more than (?P<lines>[\d,]+) rows of (?P<width>\d+) columns have: rows "
        r"of far more fields than the header \(a wrong separator, or lines of separators\); deliver the "
        r"file again with a field a column",
        "{extra} avgränsare fler än {lines} rader med {width} kolumner har: rader med långt fler fält än "
        "rubrikraden (fel avgränsare, eller rader av bara avgränsare); leverera filen igen med ett fält "
        "per kolumn",
        {},
    ),
    (
        r"(?P<short>[\d,]+) rows with fewer fields than the header's (?P<width>\d+), more than the "
        r"(?P<most>[\d,]+) a file may quarantine: deliver the export again whole, with its separators "
        r"\(cut short or padded by the tool that wrote it\?\)",
        "{short} rader med färre fält än rubrikradens {width}, fler än de {most} en fil får sätta i "
        "karantän: leverera exporten hel igen, med sina avgränsare (avkortad eller utfylld av verktyget "
        "som skrev den?)",
        {},
    ),
    (
        r"no line break in the first MiB: not a CSV export",
        "ingen radbrytning inom den första MiB: ingen CSV-export",
        {},
    ),
    (r"unreadable header line \(not (?P<encoding>.*)\)", "oläsbar rubrikrad (inte {encoding})", {}),
    (r"malformed CSV on line (?P<line>\d+): (?P<why>.*)", "felaktig CSV på rad {line}: {why}", {}),
    (r"malformed CSV: (?P<why>.*)", "felaktig CSV: {why}", {}),
    (
        r"duplicate column header (?P<header>.*) \(columns (?P<a>\d+) and (?P<b>\d+)\): rename or remove one of them",
        "kolumnrubriken {header} finns två gånger (kolumn {a} och {b}): byt namn på eller ta bort den ena",
        {},
    ),
    (
        r"unreadable encoding: neither UTF-8 nor Windows-1252 \(byte (?P<byte>\d+)\)",
        "oläsbar teckenkodning: varken UTF-8 eller Windows-1252 (byte {byte})",
        {},
    ),
    (r"not an XLSX workbook \(not a zip archive\)", "ingen XLSX-arbetsbok (inget zip-arkiv)", {}),
    (
        r"not an XLSX workbook \(not a zip archive\): (?P<what>.*)",
        "ingen XLSX-arbetsbok (inget zip-arkiv): {what}",
        {"what": lambda text: NOT_A_WORKBOOK.get(text, text)},
    ),
    (
        r"(?P<n>\d+) sheets match sheet (?P<sheet>'.*?') but for case and spaces \((?P<sheets>.*)\): name one "
        r"of them exactly in the source's sheet:, or rename the other",
        "{n} blad motsvarar bladet {sheet} så när som på skiftläge och mellanslag ({sheets}): ange ett av dem "
        "exakt i källans sheet:, eller byt namn på det andra",
        {},
    ),
    (
        r"no sheet named (?P<sheet>'.*?') \(the workbook's sheets: (?P<sheets>.*)\): set the source's sheet: "
        r"in its pipelines file to the sheet that holds the rows",
        "inget blad heter {sheet} (arbetsbokens blad: {sheets}): sätt källans sheet: i dess pipelines-fil "
        "till bladet som har raderna",
        {},
    ),
    (
        r"the first (?P<visible>visible )?sheet (?P<sheet>'.*?') holds no table \(a cover sheet\?\), the rows "
        r"are on another \((?P<sheets>.*)\): set the source's sheet: in its pipelines file to the sheet that "
        r"holds them",
        "första {visible}bladet {sheet} har ingen tabell (ett försättsblad?), raderna finns på ett annat "
        "({sheets}): sätt källans sheet: i dess pipelines-fil till bladet som har dem",
        {
            "visible": lambda v: "synliga " if v else "",
            "sheets": lambda v: v.replace("' (hidden)", "' (dolt)"),
        },
    ),
    (
        r"the first visible sheet (?P<sheet>'.*?') lacks the source's required columns, the hidden sheet "
        r"(?P<hidden>'.*?') has them: set the source's sheet: in its pipelines file to (?P<named>'.*?') if it holds "
        r"this delivery \(a hidden sheet is read only when named\)",
        "första synliga bladet {sheet} saknar källans obligatoriska kolumner, det dolda bladet {hidden} har "
        "dem: sätt källans sheet: i dess pipelines-fil till {named} om det har denna leverans (ett dolt "
        "blad läses bara när det är namngivet)",
        {},
    ),
    (
        r"the sheet's filled cells span (?P<span>\S+), (?P<cells>[\d,]+) cells, more than the (?P<allowed>[\d,]+) "
        r"a workbook of xlsx_max_unpacked_mb \((?P<mb>[^)]*)\) can fill: a value far from the table "
        r"\((?P<cell>[^)]*)\); delete the rows and columns past the table and save it again",
        "bladets ifyllda celler spänner över {span}, {cells} celler, fler än de {allowed} som en arbetsbok "
        "med xlsx_max_unpacked_mb ({mb}) kan fylla: ett värde långt från tabellen ({cell}); ta bort raderna "
        "och kolumnerna efter tabellen och spara om den",
        {},
    ),
    (r"not an XLSX workbook \(no xl/ part\)", "ingen XLSX-arbetsbok (ingen xl/-del)", {}),
    *ZIP_RULES,  # a workbook too large (a zip bomb?), every sheet hidden
    (r"unreadable XLSX: (?P<why>.*)", "oläsbar XLSX: {why}", {"why": xlsx_damage}),
    (
        r"(?P<n>[\d,]+) columns, more than the (?P<most>[\d,]+) an export may have \(the contracts' exports "
        r"have fewer than (?P<few>\d+)\): deliver the table's own columns only \(a wrong separator, or "
        r"values far to the right of the table\?\)",
        "{n} kolumner, fler än de {most} en export får ha (kontraktens exporter har färre än {few}): "
        "leverera bara tabellens egna kolumner (fel avgränsare, eller värden långt till höger om tabellen?)",
        {},
    ),
    # a contract's derive: or keep_rows: that does not fit the file (derive.py)
    (
        r"(?P<where>.*?): field (?P<field>\S+): derive: does not fit this file \((?P<why>.*)\); the "
        r"file's headers: (?P<headers>.*)",
        "{where}: fältet {field}: derive: passar inte filen ({why}); filens rubriker: {headers}",
        {},
    ),
    (
        r"(?P<where>.*?): keep_rows: does not fit this file \((?P<why>.*)\); the file's headers: "
        r"(?P<headers>.*)",
        "{where}: keep_rows: passar inte filen ({why}); filens rubriker: {headers}",
        {},
    ),
    (
        r"(?P<where>.*?): derive: failed on this file: (?P<why>.*)",
        "{where}: derive: misslyckades på den här filen: {why}",
        {},
    ),
    (
        r"(?P<said>its name .*?), (?P<problem>(?:after|before) .*): rename it with the date it was exported",
        "{said}, {problem}: byt namn på filen till datumet då den exporterades",
        {"said": _said, "problem": _problem},
    ),
]
NOTHING_KEPT = "; nothing kept"
KEPT = re.compile(r"(?P<reason>.*) \(kept as (?P<name>.*?)(?P<same>, the same bytes)?\)", re.S)
NOT_KEPT = re.compile(  # intake.not_kept: the disk had no room for the copy
    r"(?P<reason>.*) \(not kept: the disk ran out of space in (?P<where>.*) \((?P<error>[^()]*)\); "
    r"free space there: the file stays in the inbox, and the next run keeps it\)",
    re.S,
)
RULES += READER_RULES  # the reasons of a file's kind and size (report.reader_words)
RULES += CUT_RULES  # a CSV export cut short (readers.cut_short)
COMPILED = [(re.compile(pattern, re.S), template, parts) for pattern, template, parts in RULES]


def reason(text: str | None, lang: str) -> tuple[str, str]:
    """A file's reason in ``lang`` and the language it is in: (text, "sv") when translated,
    (the text as written, "en") when no rule knows it. English reports get the text as it is."""
    if not text:
        return "", lang
    if lang == "en":
        return text, "en"
    kept = KEPT.fullmatch(text)
    not_kept = None if kept else NOT_KEPT.fullmatch(text)
    body = (kept or not_kept).group("reason") if kept or not_kept else text
    nothing_kept = body.endswith(NOTHING_KEPT)  # a file the run could not read: no copy
    translated = _translate(body.removesuffix(NOTHING_KEPT))
    if translated is None:
        return text, "en"
    if kept:
        same = ", samma byte" if kept.group("same") else ""
        translated += f" (sparad som {kept.group('name')}{same})"
    if not_kept:
        translated += (
            f" (inte sparad: disken blev full i {not_kept.group('where')} ({not_kept.group('error')}); "
            "frigör utrymme där: filen ligger kvar i inkorgen, och nästa körning sparar den)"
        )
    if nothing_kept:
        translated += "; inget sparades"
    return translated, lang


def _translate(text: str) -> str | None:
    for pattern, template, parts in COMPILED:
        found = pattern.fullmatch(text)
        if found:
            groups = {key: parts.get(key, str)(value or "") for key, value in found.groupdict().items()}
            return template.format(**groups)
    return None


CHECK_RULES = [
    # dbt's message, and the examples the nightly adds to it
    (
        r"Got (?P<n>\d+) results?, configured to (?P<severity>warn|fail|error) if (?P<condition>.+?)",
        lambda m: (
            f"{m['n']} rader hittades, "
            f"{'varning' if m['severity'] == 'warn' else 'fel'} om antalet {m['condition']}"
        ),
    ),
    (r"(?P<n>\d+) (?P<unit>rows|academic years), e\.g\. (?P<rest>.*)", None),
    (r"(?P<n>\d+) (?P<unit>rows|academic years) \(values not shown: personal data\)", None),
    (r"missing columns: (?P<rest>.*)", lambda m: f"saknade kolumner: {m['rest']}"),
    (r"observed (?P<rest>.*)", lambda m: f"observerat {m['rest']}"),
    (  # quality.results._years_detail: "2021/22: 3 rows, 0.075 of 40" a year
        r"academic years (?P<rest>.*)",
        lambda m: "läsår " + re.sub(r"(\d+) rows, (\S+) of (\d+)", r"\1 rader, \2 av \3", m["rest"]),
    ),
    (
        r"(?P<n>\d+) of (?P<of>\d+) (?P<unit>rows|academic years) unexpected(?P<null> \((?P<nulls>\d+) null, not counted\))?",
        None,
    ),
    (r"(?P<n>\d+) columns", lambda m: f"{m['n']} kolumner"),
    # a check GX did not evaluate, or that has no suite (quality.results, quality.worker)
    (
        r"not evaluated: (?P<rest>.*)",
        lambda m: (
            "inte utvärderad: "
            + ("inget resultat från GX" if m["rest"] == "no result from GX" else m["rest"])
        ),
    ),
    (r"GX returned no result", lambda m: "GX gav inget resultat"),
    (r"failed", lambda m: "misslyckades"),
    (
        r"no suite (?P<file>\S+): (?P<table>\S+) is not checked by GX",
        lambda m: f"ingen svit {m['file']}: {m['table']} kontrolleras inte av GX",
    ),
]
UNITS = {"rows": "rader", "academic years": "läsår"}


def check_text(text: str | None, lang: str) -> tuple[str, str]:
    """A check's details or observed value (``audit.dq_results``) in ``lang``, and the language it
    is in; the examples it quotes (values, codes) are kept. dbt's ``Got 27 results, configured to
    warn if != 0; e.g. (...)`` reads ``27 rader hittades, varning om antalet != 0; t.ex. (...)``."""
    if not text:
        return "", lang
    if lang == "en":
        return text, "en"
    head, sep, examples = text.partition("; e.g. ")
    translated = _check(head)
    if translated is None:
        return text, "en"
    return translated + (f"; t.ex. {examples}" if sep else ""), lang


def _check(text: str) -> str | None:
    for pattern, build in CHECK_RULES:
        found = re.fullmatch(pattern, text, re.S)
        if not found:
            continue
        groups = found.groupdict()
        if build is not None:
            return build(groups)
        unit = UNITS[groups["unit"]]
        if "of" in groups:
            nulls = f" ({groups['nulls']} tomma, inte räknade)" if groups.get("null") else ""
            return f"{groups['n']} av {groups['of']} {unit} avviker{nulls}"
        if "rest" in groups:
            return f"{groups['n']} {unit}, t.ex. {groups['rest']}"
        return f"{groups['n']} {unit} (värdena visas inte: personuppgifter)"
    return None
