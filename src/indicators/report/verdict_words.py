"""Why a value has no verdict (``marts.indicator_progress.no_verdict_reason``), in the report's
language: the mart writes it in English; a Swedish report says it in Swedish, clause by clause,
keeping what it names (sources, years, dates). A clause no pattern knows is shown as written."""

from __future__ import annotations

import re


def word(table: dict[str, dict[str, str]], code: str | None, lang: str) -> str:
    """A code's word in ``lang``; a code the table does not know is shown as it is."""
    if code is None:
        return ""
    entry = table.get(code)
    return entry[lang] if entry else code


# why a value of a year that is not final gets no verdict (marts.indicator_progress.no_verdict_reason,
# keyed by the value's obs_status as the mart keys it)
NO_VERDICT = {
    "provisional": {
        "sv": "källorna täcker bara en del av läsåret",
        "en": "its sources cover only part of the year",
    },
    "incomplete": {
        "sv": "ofullständigt värde: en källa som indikatorn bygger på täcker inget av läsåret",
        "en": "incomplete value: a source it uses covers none of the year",
    },
}


OBS_WORDS = {"incomplete": "ofullständigt", "provisional": "preliminärt", "final": "slutligt"}
LOOKBACK = re.compile(
    r"it needs (?P<source>\S+) from (?P<start>\S+) \(the value's year and the (?:(?P<n>\d+) )?academic "
    r"years? before it\), but (?P=source) (?:starts (?P<first>\S+)|covers none of (?P<gap>.+)|(?P<none>has no data))"
)
NOT_COVERED = re.compile(
    r"(?P<source>\S+) covers none of the year"
    r"(?: \((?:its coverage ends (?P<end>\S+)|it starts (?P<first>\S+)|(?P<none>it has no data))\))?"
)
NOT_DELIVERED = re.compile(
    r"no delivery of (?P<source>\S+) covers the year \(one ends (?P<end>\S+), the next starts (?P<next>\S+)\)"
)
PARTLY_COVERED = re.compile(
    r"provisional value: its sources cover only part of the year(?: \((?P<sources>.+)\))?"
)
BASELINE = re.compile(
    r"baseline value not final: (?P<year>\S+) is (?P<status>\w+), so no year is judged against it"
)


def no_verdict(reason: str | None, obs_status: str | None, lang: str) -> str | None:
    """Why a value has no verdict (``marts.indicator_progress.no_verdict_reason``), in ``lang``: a
    provisional year, a year a source covers none of, the years before the value its source does not
    reach back to (I02 counts stays of the five years before), or a baseline that is not final."""
    if not reason:
        return word(NO_VERDICT, obs_status, lang) if obs_status in NO_VERDICT else None
    if obs_status == "provisional":
        # how far each source covers the year, where the mart says: "activities to 2025-11-15, ..."
        found = PARTLY_COVERED.fullmatch(reason)
        sources = found["sources"] if found else None
        if not sources:
            return word(NO_VERDICT, "provisional", lang)
        if lang != "en":
            sources = sources.replace(" to ", " till ")
        return f"{word(NO_VERDICT, 'provisional', lang)} ({sources})"
    if lang == "en":
        return reason
    found = BASELINE.fullmatch(reason)
    if found:
        status = OBS_WORDS.get(found["status"], found["status"])
        return f"utgångsvärdet är inte slutligt: {found['year']} är {status}, så inget år bedöms mot det"
    if not reason.startswith("incomplete value: "):
        return reason
    clauses = []
    for clause in reason.removeprefix("incomplete value: ").split("; "):
        found = LOOKBACK.fullmatch(clause)
        not_covered = NOT_COVERED.fullmatch(clause)
        not_delivered = NOT_DELIVERED.fullmatch(clause)
        if clause == "a source it uses covers none of the year":
            clauses.append("en källa som indikatorn bygger på täcker inget av läsåret")
        elif not_covered:
            why = (
                f" (dess täckning slutar {not_covered['end']})"
                if not_covered["end"]
                else f" (den börjar {not_covered['first']})"
                if not_covered["first"]
                else " (den har inga data)"
                if not_covered["none"]
                else ""
            )
            clauses.append(f"{not_covered['source']} täcker inget av läsåret{why}")
        elif not_delivered:
            clauses.append(
                f"ingen leverans av {not_delivered['source']} täcker läsåret (en slutar {not_delivered['end']}, "
                f"nästa börjar {not_delivered['next']})"
            )
        elif found:
            before = f"de {found['n']} läsåren" if found["n"] else "läsåret"
            rest = (
                f"börjar {found['first']}"
                if found["first"]
                else f"täcker inget av {found['gap']}"
                if found["gap"]
                else "har inga data"
            )
            clauses.append(
                f"den behöver {found['source']} från {found['start']} (värdets läsår och {before} före det), "
                f"men {found['source']} {rest}"
            )
        else:
            return reason
    return "ofullständigt värde: " + "; ".join(clauses)
