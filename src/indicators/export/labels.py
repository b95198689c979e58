"""Words of the publications in Swedish and English: column headers, statuses, units, breakdowns."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

LANGS = ("sv", "en")

HEADERS: dict[str, dict[str, str]] = {
    "goal_id": {"sv": "Mål", "en": "Goal"},
    "goal_text": {"sv": "Målets lydelse", "en": "Goal text"},
    "target_id": {"sv": "Delmål", "en": "Target"},
    "target_text": {"sv": "Delmålets lydelse", "en": "Target text"},
    "indicator_id": {"sv": "Indikator", "en": "Indicator"},
    "indicator_name": {"sv": "Indikatorns namn", "en": "Indicator name"},
    "definition": {"sv": "Definition", "en": "Definition"},
    "unit": {"sv": "Enhet", "en": "Unit"},
    "rule": {"sv": "Bedömningsregel", "en": "Rule"},
    "sources": {"sv": "Källor", "en": "Sources"},
    "baseline_year": {"sv": "Utgångsår", "en": "Baseline year"},
    "baseline_value": {"sv": "Utgångsvärde", "en": "Baseline value"},
    "target_value": {"sv": "Målvärde", "en": "Target value"},
    "deadline_year": {"sv": "Slutår", "en": "Deadline"},
    "change_abs": {"sv": "Förändring mot utgångsår", "en": "Change from baseline"},
    # a share's relative change (40 % -> 50 %: 25), not its change in percentage points (10: change_abs);
    # the header is the exports' published column name, kept: the metadata's definition says which
    "change_pct": {"sv": "Förändring mot utgångsår (%)", "en": "Change from baseline (%)"},
    "cagr_pct": {"sv": "Årlig tillväxttakt (%)", "en": "Annual growth rate (%)"},
    "required_cagr_pct": {"sv": "Nödvändig årlig tillväxttakt (%)", "en": "Required annual growth rate (%)"},
    "status": {"sv": "Status", "en": "Status"},
    "progress": {"sv": "Utveckling", "en": "Progress"},
    "programme_code": {"sv": "Programkod", "en": "Programme code"},
    "programme_name": {"sv": "Program", "en": "Programme"},
    "academic_year": {"sv": "Läsår", "en": "Academic year"},
    "dimension": {"sv": "Uppdelning", "en": "Breakdown"},
    "dimension_value": {"sv": "Värde för uppdelning", "en": "Breakdown value"},
    "value": {"sv": "Värde", "en": "Value"},
    "numerator": {"sv": "Täljare", "en": "Numerator"},
    "denominator": {"sv": "Nämnare", "en": "Denominator"},
    "suppression": {"sv": "Röjandekontroll", "en": "Disclosure control"},
    "followup_year": {"sv": "Uppföljningsår", "en": "Follow-up year"},
    "followup_value": {"sv": "Värde vid halvtid", "en": "Mid-term value"},
    "obs_status": {"sv": "Värdets status", "en": "Value status"},
    "midterm_year": {"sv": "Halvtidsår", "en": "Mid-term year"},
    "midterm_value": {"sv": "Värde vid halvtid", "en": "Mid-term value"},
    "final_value": {"sv": "Slutvärde", "en": "Final value"},
    "final_obs_status": {"sv": "Slutvärdets status", "en": "Final value status"},
    "change_since_midterm": {"sv": "Förändring sedan halvtid", "en": "Change since mid-term"},
    "programmes_done_on": {
        "sv": "Program och datum då milstolpen nåddes",
        "en": "Programmes and the day they met the milestone",
    },
    "sentence": {"sv": "Sammanfattning", "en": "Summary"},
    "faculty_value": {"sv": "Fakultetens värde", "en": "Faculty value"},
    "year_obs_status": {"sv": "Värdets status (läsåret)", "en": "Value status (the year)"},
    "followup_obs_status": {"sv": "Värdets status vid halvtid", "en": "Mid-term value status"},
}

TABLE_TITLES: dict[str, dict[str, str]] = {
    "scoreboard": {"sv": "Indikatorer", "en": "Scoreboard"},
    "programmes": {"sv": "Per program", "en": "Per programme"},
    "values": {"sv": "Alla värden", "en": "All values"},
    "midterm": {"sv": "Halvtidsuppföljning", "en": "Mid-term follow-up"},
    "final": {"sv": "Slutuppföljning", "en": "Final follow-up"},
    "metadata": {"sv": "Om data", "en": "About the data"},
    "definitions": {"sv": "Definitioner", "en": "Definitions"},
}

# a status or progress that would tell something of a suppressed value is published as this word
HIDDEN_VERDICT = "hidden"

STATUS = {
    "met": {"sv": "uppfyllt", "en": "met"},
    "not_met": {"sv": "ej uppfyllt", "en": "not met"},
    "pending": {"sv": "pågår", "en": "pending"},
    "overdue": {"sv": "försenat", "en": "overdue"},
    "insufficient_data": {"sv": "otillräckliga data", "en": "insufficient data"},
    "provisional": {"sv": "preliminärt värde, ingen bedömning", "en": "provisional value, no verdict"},
    HIDDEN_VERDICT: {"sv": "dold (bygger på ett dolt värde)", "en": "hidden (rests on a suppressed value)"},
}

PROGRESS = {
    "target_achieved": {"sv": "målet nått", "en": "target achieved"},
    "on_track": {"sv": "i fas", "en": "on track"},
    "moderate": {"sv": "måttlig", "en": "moderate"},
    "limited": {"sv": "begränsad", "en": "limited"},
    "deterioration": {"sv": "försämring", "en": "deterioration"},
    "not_available": {"sv": "ej tillgänglig", "en": "not available"},
    "provisional": {"sv": "preliminärt värde, ingen bedömning", "en": "provisional value, no verdict"},
    HIDDEN_VERDICT: {"sv": "dold (bygger på ett dolt värde)", "en": "hidden (rests on a suppressed value)"},
}

# The status of a value, from how far its sources cover its year (marts.source_coverage).
OBS_STATUS = {
    "final": {"sv": "slutligt", "en": "final"},
    "provisional": {"sv": "preliminärt", "en": "provisional"},
    "incomplete": {"sv": "ofullständigt", "en": "incomplete"},
}

# How the XLSX and the report mark a value that is not final (the same letters in both languages).
OBS_MARKS = {"provisional": "p", "incomplete": "i"}

OBS_LEGEND = {
    "final": {
        "sv": "slutligt: varje källa täcker hela läsåret (till och med 30 juni) och de läsår före det "
        "som värdet räknar med (I02: de fem läsåren före examensåret)",
        "en": "final: every source covers the whole academic year (to 30 June) and the years before it "
        "that the value counts (I02: the five academic years before the degree year)",
    },
    "provisional": {
        "sv": "p = preliminärt: källorna täcker bara en del av läsåret (innevarande år, eller en export "
        "tagen före årets slut); värdet kan ändras",
        "en": "p = provisional: the sources cover only part of the academic year (the current year, or "
        "an export taken before the year ended); the value may change",
    },
    "incomplete": {
        "sv": "i = ofullständigt: minst en av indikatorns källor täcker inget av läsåret (en inaktuell "
        "källa), och värdet bygger på de övriga, eller inget av ett läsår före det som värdet räknar med "
        "(I02 före fem års utlandsvistelser), och värdet kan vara för lågt",
        "en": "i = incomplete: at least one of the indicator's sources covers none of the academic year "
        "(a stale source), and the value rests on the others, or none of a year before it that the value "
        "counts (I02 without five years of stays abroad), and the value may be too low",
    },
}

UNITS = {
    "persons": {"sv": "personer", "en": "persons"},
    "mobilities": {"sv": "mobiliteter", "en": "mobilities"},
    "percent": {"sv": "procent", "en": "percent"},
    "count": {"sv": "antal", "en": "count"},
    "activities": {"sv": "aktiviteter", "en": "activities"},
    "participations": {"sv": "deltaganden", "en": "participations"},
    "agreements": {"sv": "avtal", "en": "agreements"},
    "milestone": {"sv": "milstolpe", "en": "milestone"},
    "regions": {"sv": "regioner", "en": "regions"},
    "per_100_graduates": {"sv": "per 100 examinerade", "en": "per 100 graduates"},
    # I12's and I24's measure rows milestone_done: 1 when the milestone was done by the year's end
    "done": {"sv": "klar (1) eller inte (0)", "en": "done (1) or not (0)"},
}

RULES = {
    "increase": {"sv": "ökning", "en": "increase"},
    "at_least": {"sv": "minst målvärdet", "en": "at least the target"},
    "coverage": {"sv": "samtliga (100 %)", "en": "coverage (100%)"},
    "majority": {"sv": "majoritet (> 50 %)", "en": "majority (> 50%)"},
    "milestone": {"sv": "milstolpe", "en": "milestone"},
}

DIMENSIONS = {
    "mobility_type": {"sv": "mobilitetstyp", "en": "mobility type"},
    "level": {"sv": "nivå", "en": "level"},
    "gender": {"sv": "kön", "en": "gender"},
    "partner_region": {"sv": "partnerregion", "en": "partner region"},
    "partner_network": {"sv": "partnernätverk", "en": "partner network"},
    "measure": {"sv": "mått", "en": "measure"},
    "network": {"sv": "nätverk", "en": "network"},
    "participation_source": {"sv": "deltagandets källa", "en": "participation source"},
    "engagement_source": {"sv": "engagemangets källa", "en": "engagement source"},
    "partner_network_mobilities": {
        "sv": "mobiliteter per partnernätverk",
        "en": "mobilities by partner network",
    },
    "partner_network_mobilities_share": {
        "sv": "andel mobiliteter per partnernätverk",
        "en": "share of mobilities by partner network",
    },
}

# The values of a breakdown (marts.indicator_values.dimension_value), as the XLSX shows them; values
# that are names (a network, a region not listed) read as themselves.
DIMENSION_VALUES = {
    # gender
    "female": {"sv": "kvinna", "en": "female"},
    "male": {"sv": "man", "en": "male"},
    "other": {"sv": "annat", "en": "other"},
    "unknown": {"sv": "okänt", "en": "unknown"},
    # level
    "first_cycle": {"sv": "grundnivå", "en": "first cycle"},
    "second_cycle": {"sv": "avancerad nivå", "en": "second cycle"},
    "third_cycle": {"sv": "forskarnivå", "en": "third cycle"},
    # mobility type (students and staff)
    "studies": {"sv": "utbytesstudier", "en": "studies"},
    "clinical_placement": {"sv": "klinisk praktik", "en": "clinical placement"},
    "traineeship": {"sv": "praktik", "en": "traineeship"},
    "degree_project": {"sv": "examensarbete", "en": "degree project"},
    "short_term": {"sv": "kortare utbyte", "en": "short-term"},
    "blended": {"sv": "blandad mobilitet (BIP)", "en": "blended mobility"},
    "virtual": {"sv": "virtuellt utbyte", "en": "virtual mobility"},
    "teaching": {"sv": "undervisning", "en": "teaching"},
    "training": {"sv": "fortbildning", "en": "training"},
    # measures
    "stays": {"sv": "vistelser", "en": "stays"},
    "per_100_graduates": {"sv": "per 100 examinerade", "en": "per 100 graduates"},
    "mobilities": {"sv": "mobiliteter", "en": "mobilities"},
    "mobilities_share": {"sv": "andel mobiliteter", "en": "share of mobilities"},
    "milestone_done": {"sv": "milstolpe nådd", "en": "milestone met"},
    "activities": {"sv": "aktiviteter", "en": "activities"},
    "distinct_teachers": {"sv": "unika lärare", "en": "distinct teachers"},
    "programmes_reviewed": {"sv": "granskade program", "en": "programmes reviewed"},
    "regions_covered": {"sv": "täckta regioner", "en": "regions covered"},
    "share": {"sv": "andel", "en": "share"},
    "student_participations": {"sv": "studentdeltaganden", "en": "student participations"},
    # sources of a count
    "staff_mobility": {"sv": "personalmobilitet", "en": "staff mobility"},
    "student_mobility": {"sv": "studentmobilitet", "en": "student mobility"},
    # partner regions
    "Europe": {"sv": "Europa", "en": "Europe"},
    "Asia": {"sv": "Asien", "en": "Asia"},
    "Africa": {"sv": "Afrika", "en": "Africa"},
    "North America": {"sv": "Nordamerika", "en": "North America"},
    "South America": {"sv": "Sydamerika", "en": "South America"},
    "Americas": {"sv": "Amerika", "en": "Americas"},
    "Oceania": {"sv": "Oceanien", "en": "Oceania"},
    "Antarctica": {"sv": "Antarktis", "en": "Antarctica"},
}

# The status of the run that published the data (audit.pipeline_runs.status).
RUN_STATUS = {
    "published": {"sv": "publicerad", "en": "published"},
    "published_with_warnings": {"sv": "publicerad med varningar", "en": "published with warnings"},
    "failed": {"sv": "misslyckad", "en": "failed"},
    "locked": {"sv": "stoppad av en annan körnings lås", "en": "locked by another run"},
    "stopped_by_signal": {"sv": "avbruten", "en": "stopped by a signal"},
}

# What an export is, in its title ("Internationaliseringsindikatorer 2023/24, halvtidsuppföljning").
KINDS = {
    "annual": {"sv": "årlig uppföljning", "en": "annual follow-up"},
    "midterm": {"sv": "halvtidsuppföljning", "en": "mid-term follow-up"},
    "final": {"sv": "slutuppföljning", "en": "final follow-up"},
}

# How a publication's year was chosen (export.read.choose_year writes the English sentence)
_YEAR_NOTES = [
    (
        r"annual report of (?P<y>\S+), the latest year with final values",
        "årsrapport för {y}, det senaste läsåret med slutliga värden",
    ),
    (
        r"annual report of (?P<y>\S+), the latest year with values \(no year is final yet\)",
        "årsrapport för {y}, det senaste läsåret med värden (inget läsår är slutligt än)",
    ),
    (
        r"mid-term follow-up of (?P<y>\S+) \(the plan's mid-term year\)",
        "halvtidsuppföljning för {y} (planens halvtidsår)",
    ),
    (r"final follow-up of (?P<y>\S+) \(the plan's final year\)", "slutuppföljning för {y} (planens slutår)"),
    (
        r"(?P<what>mid-term|final) follow-up of (?P<y>\S+), the latest year with (?P<final>final )?values before (?P<w>\S+)",
        "{what} för {y}, det senaste läsåret med {final}värden före {w}",
    ),
]


def year_note(note: str | None, lang: str) -> str | None:
    """How the year was chosen, in ``lang`` (the sentence as written where no pattern knows it)."""
    if note is None or lang != "sv":
        return note
    for pattern, template in _YEAR_NOTES:
        found = re.fullmatch(pattern, note)
        if found:
            words = found.groupdict()
            words["what"] = {"mid-term": "halvtidsuppföljning", "final": "slutuppföljning"}.get(
                words.get("what"), ""
            )
            words["final"] = "slutliga " if words.get("final") else ""
            return template.format(**words)
    return note


SUPPRESSION = {
    "primary": {"sv": "primär", "en": "primary"},
    "primary_numerator": {
        "sv": "primär (täljare)",
        "en": "primary (numerator)",
    },  # disclosure.PRIMARY_NUMERATOR
    "secondary": {"sv": "sekundär", "en": "secondary"},
    # disclosure.KEPT: an earlier publish of the same numbers hid the cell, or showed a part of it (a total)
    # that this publish hides; files written before said "dold tidigare" / "hidden earlier" (the audit
    # reads both: OLD_SUPPRESSION)
    "kept": {"sv": "dold p.g.a. tidigare publicering", "en": "hidden because of an earlier publish"},
    "withheld": {"sv": "undanhållen", "en": "withheld"},  # disclosure.WITHHELD
}

# the words older exports wrote for a flag, still read back by the audit
OLD_SUPPRESSION = {"kept": {"sv": "dold tidigare", "en": "hidden earlier"}}

WORDS = {
    "faculty": {"sv": "Hela fakulteten", "en": "Whole faculty"},
    "baseline": {"sv": "Utgångsvärde", "en": "Baseline"},
    "target": {"sv": "Mål", "en": "Target"},
    "value": {"sv": "Värde", "en": "Value"},
    "suppressed": {"sv": "dolt", "en": "suppressed"},
    "done": {"sv": "klar", "en": "done"},
    "not_done": {"sv": "ej klar", "en": "not done"},
    "academic_year": {"sv": "Läsår", "en": "Academic year"},
    "not_final": {"sv": "Preliminärt eller ofullständigt", "en": "Provisional or incomplete"},
}


def text(table: dict[str, dict[str, str]], key: str | None, lang: str) -> str | None:
    """The word for ``key`` in ``lang``; unknown keys come back as they are."""
    if key is None:
        return None
    entry = table.get(key)
    return entry[lang] if entry else key


def header(key: str, lang: str) -> str:
    entry = HEADERS.get(key)
    if entry:
        return entry[lang]
    return key  # year columns ('2019/20') and anything else read as themselves


NOT_YET_MET = {"sv": "ännu ej uppfyllt", "en": "not met yet"}
POINTS = {"sv": "procentenheter", "en": "percentage points"}


def change_unit(unit: str | None, value: Any, lang: str) -> str:
    """What a share's change from its baseline is counted in, after the number: percentage points
    (40 % -> 50 % is 10 percentage points), never read as a relative change; nothing for a count."""
    return f" {POINTS[lang]}" if unit == "percent" and isinstance(value, int | float) else ""


def status_word(status: str | None, year: str | None, deadline: str | None, lang: str) -> str | None:
    """The status in words; a target not reached in a year before its deadline is "not met yet" (the
    plan still runs: "not met" alone reads as failed; the words keep "not met", the status's own, for
    a reader or a tool that looks for them), at or after it "not met"."""
    if status == "not_met" and deadline and year and str(year)[:4] < str(deadline)[:4]:
        return NOT_YET_MET[lang]
    return text(STATUS, status, lang)


def verdict_sentence(row: dict, lang: str) -> str:
    """One generated sentence per target of a follow-up, e.g. "met: 603 outgoing students in 2024/25
    against 561 at baseline (2018/19)". Values are the published (protected) ones: a suppressed value
    reads as its marker."""
    from indicators.export.writers import format_number

    decimal = "," if lang == "sv" else "."

    def shown(value) -> str:
        if value is None:
            return "–"
        if isinstance(value, int | float):
            return format_number(value, decimal) + (" %" if row.get("unit") == "percent" else "")
        return str(value)  # the suppression marker

    status = text(STATUS, row.get("status"), lang) or ""
    name = (row.get("indicator_name") or "").lower() if lang == "en" else (row.get("indicator_name") or "")
    year = row.get("followup_year")
    deadline = row.get("deadline_year")
    if row.get("status") == "not_met" and deadline and year and str(year)[:4] >= str(deadline)[:4]:
        status += f" senast {deadline}" if lang == "sv" else f" by {deadline}"  # "not met by 2024/25"
    elif row.get("status") == "not_met" and deadline and year:
        # before its deadline a target is not failed: "not met yet, due 2029/30"
        status = status_word("not_met", year, deadline, lang) + (
            f", senast {deadline}" if lang == "sv" else f", due {deadline}"
        )
    if year is None:
        return f"{status}: " + ("inget värde att följa upp" if lang == "sv" else "no value to follow up")
    mark = {"provisional": " (p)", "incomplete": " (i)"}.get(row.get("final_obs_status") or "", "")
    if lang == "sv":
        return (
            f"{status}: {name} {shown(row.get('final_value'))}{mark} {year} mot {shown(row.get('baseline_value'))} "
            f"vid utgångsläget ({row.get('baseline_year')})"
        )
    return (
        f"{status}: {shown(row.get('final_value'))}{mark} {name} in {year} against "
        f"{shown(row.get('baseline_value'))} at baseline ({row.get('baseline_year')})"
    )


# the faculty's clock: the warehouse keeps UTC without a zone (audit.*), a reader in Sweden reads
# the time it was here, and is told so in words
LOCAL_ZONE = "Europe/Stockholm"
LOCAL_TIME = {"sv": "svensk tid, Europe/Stockholm", "en": "Swedish time, Europe/Stockholm"}


def utc_iso(value: Any) -> Any:
    """A moment of the warehouse (UTC without a zone) as ISO 8601 with its offset
    (``2024-10-15T02:06:00+00:00``), as the metadata gives every time; anything else as it is."""
    if not isinstance(value, datetime):
        return value
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()


def local_time(value: Any) -> datetime | None:
    """A moment (a datetime or ISO text; without a zone: UTC, as the warehouse writes it) as the
    faculty's clock showed it (Europe/Stockholm, summer time included), to the minute, without a
    zone (as an Excel date-time cell holds it); None for no moment or a text that is not one."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return None
    if not isinstance(value, datetime):
        return None
    moment = value if value.tzinfo else value.replace(tzinfo=UTC)
    return moment.astimezone(ZoneInfo(LOCAL_ZONE)).replace(tzinfo=None, second=0, microsecond=0)


def local_text(value: Any) -> str:
    """:func:`local_time` as text, ``2024-10-15 04:06``; '' for no moment."""
    moment = local_time(value)
    return f"{moment:%Y-%m-%d %H:%M}" if moment else ""
