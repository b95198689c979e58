"""The report's words that are built from values: readable timestamps and chart alt texts.

A timestamp reads "2 december 2026 16:25 svensk tid" (sv) or "2 December 2026, 16:25 Swedish time"
(en): the faculty's clock (Europe/Stockholm, summer time included), as the XLSX's "Om data" sheet and
the metadata's Markdown give it; the warehouse's timestamps are naive UTC (DuckDB ``timestamp``), so
a value without a zone is UTC, and each ``<time>`` carries the instant in ISO 8601 with its offset. A
chart's alt text states what the chart shows in numbers: the first year's value, the baseline, the
reported year's value and the verdict, so a screen reader (or a printed page without the picture)
loses nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from markupsafe import Markup, escape

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


CLOCK = {"sv": "svensk tid", "en": "Swedish time"}  # the zone a shown time is in (labels.LOCAL_ZONE)


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
        instant = value if value.tzinfo else value.replace(tzinfo=UTC)
        moment = instant.astimezone(ZoneInfo(labels.LOCAL_ZONE))  # the faculty's clock
        day = f"{moment.day} {MONTHS[lang][moment.month - 1]} {moment.year}"
        return f"{day}{',' if lang == 'en' else ''} {moment:%H:%M} {CLOCK[lang]}"
    if isinstance(value, date):
        return f"{value.day} {MONTHS[lang][value.month - 1]} {value.year}"
    return str(value)


def moment(value: Any, lang: str) -> Markup | str:
    """:func:`when` in a ``<time>`` whose ``datetime`` is ISO 8601 with the offset (a time of the
    warehouse, without a zone, is UTC), as the report's own time is; '' for no time."""
    shown_text = when(value, lang)
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return escape(shown_text)
    if not shown_text or not isinstance(value, datetime):
        return escape(shown_text)
    iso = labels.utc_iso(value)
    return Markup('<time datetime="{}">{}</time>').format(iso, shown_text)


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
    indicator: dict[str, Any] | None = None,
) -> str:
    """``Diagram: I01 Utresande studenter. 2018/19: 120; utgångsvärde 2018/19: 120; 2023/24: 150 (p);
    mål: 200; bedömning: uppfyllt, i fas.`` from (label, year, value, mark) points."""
    parts = []
    for label, year, value, mark in points:
        parts.append(f"{label}{' ' if label else ''}{year}: {shown(value, lang, unit, mark)}")
    target = (indicator or {}).get("target_value")  # the catalogue's row: its target and deadline
    if target is not None:
        parts.append(f"{ALT['target'][lang]}: {shown(target, lang, unit)}")
    # the year judged is the last point's: "not met yet" before the target's deadline, as the badge
    year, deadline = (points[-1][1] if points else None), (indicator or {}).get("deadline_year")
    words = (labels.status_word(status, year, deadline, lang), labels.text(labels.PROGRESS, progress, lang))
    verdict = ", ".join(dict.fromkeys(word for word in words if word))  # "provisional" once, not twice
    if verdict:
        parts.append(f"{ALT['verdict'][lang]}: {verdict}")
    return f"{ALT['chart'][lang]}: {indicator_id} {name}. " + "; ".join(parts) + "."


CHART = {
    "kind": {"sv": "Linjediagram", "en": "Line chart"},
    "years": {"sv": "läsåren {first} till {last}", "en": "academic years {first} to {last}"},
    "line": {
        "sv": "Linjen visar hela fakultetens värde varje läsår ({unit})",
        "en": "The line shows the whole faculty's value each year ({unit})",
    },
    "baseline": {"sv": "den prickade linjen är utgångsvärdet", "en": "the dotted line is the baseline"},
    "target": {"sv": "den streckade linjen är målet", "en": "the dashed line is the target"},
    "values": {"sv": "Värden", "en": "Values"},
    "not_final": {
        "sv": "Ofyllda punkter och streckade linjer: preliminära (p) eller ofullständiga (i) värden",
        "en": "Open markers and dashed lines: provisional (p) or incomplete (i) values",
    },
    "shaded": {"sv": "Skuggat", "en": "Shaded"},
    "followups": {"sv": "Lodräta linjer", "en": "Vertical lines"},
    "midterm": {"sv": "halvtid", "en": "mid-term"},
    "final": {"sv": "slutuppföljning", "en": "final follow-up"},
}


def chart_text(chart: Any) -> tuple[str, str]:
    """A chart's (:class:`indicators.report.charts.Chart`) title and description in its language:
    the indicator, the years, what the line shows, the baseline and target, every year's value, the
    shaded periods and the follow-up years, e.g. ``Linjediagram: I01 Utresande studenter, läsåren
    2018/19 till 2023/24. Linjen visar hela fakultetens värde varje läsår (personer); den prickade
    linjen är utgångsvärdet (2018/19: 20). Värden: 2018/19: 20; … Skuggat: Covid-19, 2019/20–2021/22.``"""
    lang, unit, years = chart.lang, chart.unit, chart.years

    def word(key: str, **kwargs: Any) -> str:
        return CHART[key][lang].format(**kwargs)

    def mark(i: int) -> str | None:
        return chart.ticks[i].rsplit(" ", 1)[-1] if i in chart.not_final else None

    head = f"{word('kind')}: {chart.title}"
    if years:
        head += ", " + word("years", first=years[0], last=years[-1])
    lines = [word("line", unit=labels.text(labels.UNITS, unit, lang) or "")]
    i = years.index(chart.baseline_year) if chart.baseline_year in years else None
    if i is not None and isinstance(chart.cells[i], float):  # drawn only when it has a value
        lines.append(
            f"{word('baseline')} ({chart.baseline_year}: {shown(chart.cells[i], lang, unit, mark(i))})"
        )
    if chart.target_value is not None:
        lines.append(f"{word('target')} ({shown(chart.target_value, lang, unit)})")
    parts = [head, "; ".join(lines)]
    values = "; ".join(
        f"{year}: {shown(chart.cells[i], lang, unit, mark(i))}" for i, year in enumerate(years)
    )
    if values:
        parts.append(f"{word('values')}: {values}")
    if chart.not_final:
        parts.append(word("not_final"))
    if chart.shades:
        parts.append(
            f"{word('shaded')}: "
            + "; ".join(
                f"{name}, {years[first]}" + (f"–{years[last]}" if last != first else "")
                for first, last, name in chart.shades
            )
        )
    if chart.followups:
        parts.append(
            f"{word('followups')}: " + "; ".join(f"{word(kind)} {years[i]}" for kind, i in chart.followups)
        )
    return chart.title, ". ".join(parts) + "."
