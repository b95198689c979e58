"""The report's words that are built from values: readable timestamps and chart alt texts.

A timestamp reads "2 december 2026 15:25 UTC" (sv) or "2 December 2026, 15:25 UTC" (en); the
warehouse's timestamps are naive UTC (DuckDB ``timestamp``), so a value without a zone is UTC. A
chart's alt text states what the chart shows in numbers: the first year's value, the baseline, the
reported year's value and the verdict, so a screen reader (or a printed page without the picture)
loses nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from indicators.export import labels
from indicators.export.tables import SUPPRESSED
from indicators.export.writers import format_number

MONTHS = {
    "sv": [
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ],
    "en": [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ],
}

ALT = {
    "chart": {"sv": "Diagram", "en": "Chart"},
    "baseline": {"sv": "utgångsvärde", "en": "baseline"},
    "verdict": {"sv": "bedömning", "en": "verdict"},
    "target": {"sv": "mål", "en": "target"},
    "suppressed": {"sv": "dolt (röjandekontroll)", "en": "hidden (disclosure control)"},
    "no_value": {"sv": "inget värde", "en": "no value"},
}


def when(value: Any, lang: str) -> str:
    """A timestamp (datetime, date or ISO text) as people read it; '' for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
        day = f"{moment.day} {MONTHS[lang][moment.month - 1]} {moment.year}"
        return f"{day}{',' if lang == 'en' else ''} {moment:%H:%M} UTC"
    if isinstance(value, date):
        return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"
    return str(value)


def shown(value: Any, lang: str, unit: str | None = None, mark: str | None = None) -> str:
    """A value as the alt text says it: the number with its unit sign, hidden, or no value."""
    if value is SUPPRESSED:
        return ALT["suppressed"][lang]
    if value is None:
        return ALT["no_value"][lang]
    if isinstance(value, int | float):
        text = format_number(value, "," if lang == "sv" else ".") + (" %" if unit == "percent" else "")
        return f"{text} ({mark})" if mark else text
    return str(value)


def chart_alt(
    lang: str,
    indicator_id: str,
    name: str,
    unit: str | None,
    points: list[tuple[str, str, Any, str | None]],
    status: str | None,
    progress: str | None,
    target: Any = None,
) -> str:
    """``Diagram: I01 Utresande studenter. 2018/19: 120; utgångsvärde 2018/19: 120; 2023/24: 150 (p);
    mål: 200; bedömning: uppfyllt, i fas.`` from (label, year, value, mark) points."""
    parts = []
    for label, year, value, mark in points:
        parts.append(f"{label}{' ' if label else ''}{year}: {shown(value, lang, unit, mark)}")
    if target is not None:
        parts.append(f"{ALT['target'][lang]}: {shown(target, lang, unit)}")
    verdict = ", ".join(
        word
        for word in (labels.text(labels.STATUS, status, lang), labels.text(labels.PROGRESS, progress, lang))
        if word
    )
    if verdict:
        parts.append(f"{ALT['verdict'][lang]}: {verdict}")
    return f"{ALT['chart'][lang]}: {indicator_id} {name}. " + "; ".join(parts) + "."
