"""``indicators report``: one self-contained HTML file from the published warehouse.

The scoreboard grouped by goal, every indicator's chart (inline SVG as a ``data:`` URI) and
verdict, the per-programme view, the mid-term follow-up target by target (``--kind midterm``),
data-quality notes from the run and the annotations. No network: CSS is in the template, there
are no scripts or external fonts. Everything taken from the warehouse is escaped (Jinja2
autoescape); the numbers are the protected ones of :mod:`indicators.export.tables`, so the report
is suppressed exactly as the exports are. An HTML comment ``indicators-disclosure`` carries the
protection levels and the sums that are not exact, so that ``indicators audit`` can check the
report on its own.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from indicators import disclosure
from indicators.export import labels
from indicators.export.folder import check_one_publish
from indicators.export.tables import SUPPRESSED, ExportError, Publication, load
from indicators.export.writers import format_number
from indicators.report import quality_words, text
from indicators.report.programmes import programme_file_part, report_all_programmes

__all__ = ["report", "report_all_programmes", "programme_file_part", "ExportError", "render"]


WORDS = {
    "title": {
        "sv": "Internationalisering av utbildning på grund- och avancerad nivå",
        "en": "Internationalisation of first- and second-cycle education",
    },
    "annual": {"sv": "Årsrapport", "en": "Annual report"},
    "midterm": {"sv": "Halvtidsuppföljning", "en": "Mid-term follow-up"},
    "final": {"sv": "Slutuppföljning", "en": "Final follow-up"},
    "programme": {"sv": "Programrapport", "en": "Programme report"},
    "final_intro": {
        "sv": "Varje delmål i planen vid planens slut: utgångsvärde ({baseline}), värdet vid halvtid ({midterm}) "
        "och slutvärdet ({final}, eller senaste år före med värden), bedömt med planens regel.",
        "en": "Every target of the plan at its end: the baseline ({baseline}), the mid-term value ({midterm}) "
        "and the final value ({final}, or the latest year before it with values), judged by the plan's rule.",
    },
    "programme_intro": {
        "sv": "Programmets indikatorer läsår för läsår, med fakultetens värde för {year} bredvid, för programnämnden.",
        "en": "The programme's indicators year by year, with the faculty's value for {year} beside them, for the programme board.",
    },
    "scoreboard": {"sv": "Indikatorer per mål", "en": "Scoreboard by goal"},
    "indicators": {"sv": "Indikatorerna en och en", "en": "Indicator by indicator"},
    "early_years": {
        "sv": "På papper visar tabellen läsåren från {shown}; {first}–{last} finns i diagrammen och i exporten.",
        "en": "On paper the table shows the years from {shown}; {first}–{last} are in the charts and the export.",
    },
    "programmes": {"sv": "Per program", "en": "Per programme"},
    "programmes_note": {
        "sv": "Värden för läsåret {year}. Program­indikatorer som är en ja/nej-flagga per program visas som 100 (ja) eller 0 (nej).",
        "en": "Values for {year}. Indicators that are a yes/no flag per programme show 100 (yes) or 0 (no).",
    },
    "quality": {"sv": "Datakvalitet", "en": "Data quality"},
    "annotations": {"sv": "Anmärkningar", "en": "Annotations"},
    "sources": {"sv": "Källfiler", "en": "Source files"},
    "disclosure": {"sv": "Röjandekontroll", "en": "Disclosure control"},
    "run": {"sv": "Körning", "en": "Run"},
    "generated": {"sv": "Skapad", "en": "Generated"},
    "year": {"sv": "Läsår", "en": "Academic year"},
    "rejected": {"sv": "Avvisade filer", "en": "Rejected files"},
    "quarantined": {"sv": "Rader i karantän", "en": "Quarantined rows"},
    "failed_checks": {"sv": "Kontroller som inte gick igenom", "en": "Checks that did not pass"},
    "none": {"sv": "Inga.", "en": "None."},
    "file": {"sv": "Fil", "en": "File"},
    "source": {"sv": "Källa", "en": "Source"},
    "reason": {"sv": "Orsak", "en": "Reason"},
    "rows_read": {"sv": "Lästa rader", "en": "Rows read"},
    "check": {"sv": "Kontroll", "en": "Check"},
    "severity": {"sv": "Allvarlighet", "en": "Severity"},
    "observed": {"sv": "Observerat", "en": "Observed"},
    "failing": {"sv": "Avvikande rader", "en": "Failing rows"},
    "files": {"sv": "Filer", "en": "Files"},
    "newest": {"sv": "Nyaste fil", "en": "Newest file"},
    "loaded": {"sv": "Senast inläst", "en": "Last loaded"},
    "rows": {"sv": "Rader", "en": "Rows"},
    "skip": {"sv": "Hoppa till innehållet", "en": "Skip to the content"},
    "scoreboard_caption": {
        "sv": "indikatorerna läsår för läsår, mål, förändring och bedömning {year}",
        "en": "the indicators year by year, target, change and verdict {year}",
    },
    "verdict": {"sv": "Bedömning {year}", "en": "Verdict {year}"},
    "midterm_intro": {
        "sv": "Varje delmål i handlingsplanen med utgångsvärde, värdet för {year} (eller senaste år före) och bedömning.",
        "en": "Each target of the action plan with its baseline, the {year} value (or the latest before) and the verdict.",
    },
    "no_value": {"sv": "saknas", "en": "n/a"},
    "first_published": {"sv": "först publicerat", "en": "first published"},
    "revised_note": {
        "sv": "Ett värde som har reviderats sedan det först publicerades visas med det först publicerade värdet inom parentes (marts.indicator_revisions).",
        "en": "A value revised since it was first published shows the value as first published in brackets (marts.indicator_revisions).",
    },
    "as_of": {
        "sv": "Siffrorna som körning {run} publicerade dem ({at}); bedömningar visas bara där värdet är oförändrat i dag.",
        "en": "The numbers as run {run} published them ({at}); verdicts are shown only where the value is unchanged today.",
    },
    "internal": {"sv": "ENDAST FÖR INTERNT BRUK", "en": "INTERNAL USE ONLY"},
    "run_summary": {
        "sv": "{files_loaded} av {files_seen} filer inlästa, {rows_loaded} rader, {rows_quarantined} rader i karantän, {warnings} varningar, {errors} fel.",
        "en": "{files_loaded} of {files_seen} files loaded, {rows_loaded} rows, {rows_quarantined} rows quarantined, {warnings} warnings, {errors} errors.",
    },
}


# the year columns a landscape A4 holds beside the scoreboard's other columns with room to spare: 21
# fitted, 24 pushed status and progress off the page (tests/integration/test_report_pdf.py)
PRINTED_YEARS = 16


def report(
    warehouse: Path,
    out_file: Path,
    kind: str,
    year: str | None = None,
    lang: str = "sv",
    on_note: Callable[[str], None] | None = None,
    plan: str | None = None,
    programme: str | None = None,
    protection: disclosure.Protection | None = None,
    as_of: str | None = None,
    charts: bool = True,
) -> Path:
    """Write the HTML report for ``year`` to ``out_file`` (read-only against the warehouse); without a year
    the mid-term follow-up reads the plan's mid-term rule and the annual report the latest final year.
    Without ``charts`` the indicators' charts are left out (the tables and verdicts stay)."""
    publication = load(
        Path(warehouse),
        year,
        kind=kind,
        lang=lang,
        suppression=True,
        plan=plan,
        protection=protection,
        as_of=as_of,
    )
    _say_which(publication, on_note)
    if kind == "programme":
        _check_programme(publication, programme)
    out_file = Path(out_file)
    if out_file.suffix.lower() in (".html", ".htm"):  # a report the folder check and the audit read
        check_one_publish(out_file.parent, publication.as_of)
    out_file.parent.mkdir(parents=True, exist_ok=True)
    out_file.write_text(render(publication, programme, charts=charts), encoding="utf-8")
    return out_file


def _say_which(publication: Publication, on_note: Callable[[str], None] | None) -> None:
    """Tell ``on_note`` which year the report is of, where it was chosen, and which publish, where
    it is an ``--as-of`` one."""
    if on_note and publication.year_note:
        on_note(publication.year_note)
    if on_note and publication.as_of:
        on_note(
            # the time with its offset, as the metadata gives it: "02:05:00" alone read as local time
            f"the numbers as run {publication.as_of['run_id']} published them "
            f"({labels.utc_iso(publication.as_of['published_at'])})"
        )


def _as_of(as_of: dict[str, Any] | None) -> dict[str, str] | None:
    """``{run_id, published_at}`` of an ``--as-of`` publication as text; None for the latest publish."""
    if not as_of:
        return None
    return {
        "run_id": str(as_of.get("run_id")),
        "published_at": str(labels.utc_iso(as_of.get("published_at"))),
    }


def _check_programme(publication: Publication, code: str | None) -> None:
    codes = publication.programme_codes
    if code not in codes:
        raise ExportError(f"no programme {code!r} with values (the programmes: {', '.join(codes)})")


def render(publication: Publication, programme_code: str | None = None, charts: bool = True) -> str:
    """The report's HTML. Its charts are the faculty's values (the same in every programme's report
    of a year), each drawn once per process (``charts.svg_data_uri``); none without ``charts``."""
    from indicators.report.charts import svg_data_uri

    def chart(indicator_id: str, followups: dict[str, str | None] | None = None) -> str | None:
        return svg_data_uri(publication, indicator_id, followups=followups) if charts else None

    lang = publication.lang
    decimal = "," if lang == "sv" else "."

    def number(value: Any) -> str:
        if value is SUPPRESSED:
            return str(SUPPRESSED)
        if value is None:
            return "–"
        if isinstance(value, int | float):
            return format_number(value, decimal)
        return str(value)

    def word(key: str, **kwargs: Any) -> str:
        text = WORDS[key][lang]
        return text.format(**kwargs) if kwargs else text

    def alt(ind: dict[str, Any], verdict: dict[str, Any]) -> str:
        iid, years = ind["indicator_id"], publication.years
        baseline_year = verdict.get("baseline_year") or ind["baseline_year"]
        points = []
        if years and years[0] != baseline_year:
            points.append(
                ("", years[0], publication.cell(iid, years[0]), publication.obs_mark(iid, years[0]))
            )
        points.append((text.ALT["baseline"][lang], baseline_year, verdict.get("baseline_value"), None))
        if publication.year != baseline_year:
            points.append(
                ("", publication.year, verdict.get("value"), publication.obs_mark(iid, publication.year))
            )
        return text.chart_alt(
            lang,
            iid,
            ind["name"],
            ind.get("unit"),
            points,
            verdict["status"],
            verdict["progress"],
            ind,
        )

    def status_word(status: str | None, year: str | None, iid: str) -> str | None:  # "not met yet" before it
        return labels.status_word(status, year, publication.indicator(iid).get("deadline_year"), lang)

    goals = []
    for ind in publication.catalogue:
        if not goals or goals[-1]["goal_id"] != ind["goal_id"]:
            goals.append({**_goal(ind), "indicators": []})
        verdict = publication.verdict(ind["indicator_id"], publication.year)
        goals[-1]["indicators"].append(
            {
                **ind,
                "unit_word": labels.text(labels.UNITS, ind.get("unit"), lang),
                "rule_word": labels.text(labels.RULES, ind.get("rule"), lang),
                "values": [publication.cell(ind["indicator_id"], year) for year in publication.years],
                "marks": [publication.obs_mark(ind["indicator_id"], year) for year in publication.years],
                "first": [
                    publication.first_published_value(ind["indicator_id"], year) for year in publication.years
                ],
                "verdict_mark": publication.obs_mark(ind["indicator_id"], publication.year),
                "verdict": verdict,
                "status_word": status_word(verdict["status"], publication.year, ind["indicator_id"]),
                "progress_word": labels.text(labels.PROGRESS, verdict["progress"], lang),
                # a value that is not final has no verdict: say why (indicator_progress.no_verdict_reason)
                "no_verdict": quality_words.no_verdict(
                    verdict["no_verdict_reason"], verdict["obs_status"], lang
                )
                if verdict["status"] in ("provisional", "insufficient_data")
                else None,
                "chart": chart(ind["indicator_id"]),
                "alt": alt(ind, verdict),
                "notes": [
                    note
                    for note in publication.annotations
                    if note.get("indicator_id") in (None, ind["indicator_id"])
                    and note.get("indicator_id") is not None
                ],
            }
        )

    programme_indicators = [
        ind for ind in publication.catalogue if ind.get("per_programme") in ("yes", "flag")
    ]
    codes = sorted({row["programme_code"] for row in publication.values if row["programme_code"] is not None})
    programme_rows = [
        {
            "code": code,
            "name": publication.programme_name(code),
            "values": [
                publication.cell(ind["indicator_id"], publication.year, code) for ind in programme_indicators
            ],
            "marks": [
                publication.obs_mark(ind["indicator_id"], publication.year, code)
                for ind in programme_indicators
            ],
        }
        for code in codes
    ]
    midterm = []
    if publication.kind == "midterm":
        for row in publication.midterm_rows():
            row["status_word"] = status_word(row["status"], row.get("followup_year"), row["indicator_id"])
            row["progress_word"] = labels.text(labels.PROGRESS, row["progress"], lang)
            row["unit_word"] = labels.text(labels.UNITS, row["unit"], lang)
            row["mark"] = labels.OBS_MARKS.get(row.get("followup_obs_status") or "")
            row["target_rowspan"] = 0
            if midterm and midterm[-1]["target_id"] == row["target_id"]:
                first = next(r for r in reversed(midterm) if r["target_rowspan"])
                first["target_rowspan"] += 1
            else:
                row["target_rowspan"] = 1
            midterm.append(row)

    final_goals: list[dict[str, Any]] = []
    if publication.kind == "final":
        followups = {"midterm": publication.midterm_year, "final": publication.year}
        for row in publication.final_rows():
            if not final_goals or final_goals[-1]["goal_id"] != row["goal_id"]:
                final_goals.append({**_goal(row), "rows": []})
            final_goals[-1]["rows"].append(
                {
                    **row,
                    "status_word": status_word(row["status"], row.get("followup_year"), row["indicator_id"]),
                    "progress_word": labels.text(labels.PROGRESS, row["progress"], lang),
                    "mark": labels.OBS_MARKS.get(row.get("final_obs_status") or ""),
                    "chart": chart(row["indicator_id"], followups=followups),
                    "alt": _final_alt(publication, row),
                }
            )

    programme = None
    if programme_code is not None:
        rows = []
        for ind in programme_indicators:
            iid = ind["indicator_id"]
            values = [publication.cell(iid, year, programme_code) for year in publication.years]
            if all(value is None for value in values):
                continue
            verdict = publication.verdict(iid, publication.year, programme_code)
            rows.append(
                {
                    **ind,
                    "values": values,
                    "verdict": verdict,
                    "marks": [publication.obs_mark(iid, year, programme_code) for year in publication.years],
                    "faculty_value": publication.cell(iid, publication.year),
                    "unit_word": labels.text(labels.UNITS, ind.get("unit"), lang),
                    "status_word": status_word(verdict["status"], publication.year, iid),
                    "progress_word": labels.text(labels.PROGRESS, verdict["progress"], lang),
                }
            )
        programme = {"code": programme_code, "name": publication.programme_name(programme_code), "rows": rows}

    run = publication.run
    generated = datetime.now(UTC).replace(microsecond=0)
    template = _environment().get_template("report.html.j2")
    return template.render(
        p=publication,
        lang=lang,
        goals=goals,
        programme_indicators=programme_indicators,
        programme_rows=programme_rows,
        midterm=midterm,
        midterm_year=publication.midterm_year,
        run=run,
        final_goals=final_goals,
        programme=programme,
        obs_legend={key: text[lang] for key, text in labels.OBS_LEGEND.items() if key != "final"},
        year_note=_year_note(publication),
        # a long history's earliest year columns are left off the printed year table, which holds
        # PRINTED_YEARS at most: more pushed the status and progress past a landscape A4's edge
        early_years=max(0, len(publication.years) - PRINTED_YEARS),
        run_summary=word(
            "run_summary",
            **{
                key: _or_dash(run.get(key))
                for key in (
                    "files_seen",
                    "files_loaded",
                    "rows_loaded",
                    "rows_quarantined",
                    "warnings",
                    "errors",
                )
            },
        )
        if run
        else None,
        quality=publication.quality,
        disclosure_text=disclosure.describe(lang, publication.suppression, publication.protection),
        disclosure_links={
            "protection": publication.protection.as_dict(),  # for `indicators audit`
            "shares_not_of_persons": sorted(publication.protection.non_person_shares),
            "linked_sums_not_exact": publication.linked_sums,
            "numerators_equal_to_counts": publication.linked_numerators,
            "denominators_shared": publication.shared_denominators,
            # the publish shown (None: the latest), for the folder check and the audit
            "as_of": _as_of(publication.as_of),
        },
        generated_at=text.when(generated, lang),
        generated_iso=generated.isoformat(),
        when=lambda value: text.when(value, lang),
        moment=lambda value: text.moment(value, lang),  # the same in a <time> with its ISO 8601
        number=number,
        word=word,
        kind_title=word(publication.kind),
        labels=labels,
        qw=quality_words,
    )


def _goal(row: dict[str, Any]) -> dict[str, Any]:
    """A goal of the plan as the report heads it: its ID and its words from the plan's data
    (``G1 Studenterna ska ...``), the heading a PDF reader's bookmark shows; whichever the plan gives."""
    heading = " ".join(str(part) for part in (row["goal_id"], row["goal_text"]) if part)
    return {"goal_id": row["goal_id"], "goal_text": row["goal_text"], "heading": heading}


def _final_alt(publication: Publication, row: dict[str, Any]) -> str:
    """The final follow-up chart's alt text: first year, baseline, mid-term and final value, verdict."""
    lang, iid, years = publication.lang, row["indicator_id"], publication.years
    points = []
    if years and years[0] != row.get("baseline_year"):
        points.append(("", years[0], publication.cell(iid, years[0]), publication.obs_mark(iid, years[0])))
    points.append((text.ALT["baseline"][lang], row.get("baseline_year"), row.get("baseline_value"), None))
    if row.get("midterm_year"):
        points.append((FOLLOWUP[lang][0], row["midterm_year"], row.get("midterm_value"), None))
    if row.get("followup_year"):
        points.append(
            (
                FOLLOWUP[lang][1],
                row["followup_year"],
                row.get("final_value"),
                labels.OBS_MARKS.get(row.get("final_obs_status") or ""),
            )
        )
    return text.chart_alt(
        lang,
        iid,
        row.get("indicator_name") or "",
        row.get("unit"),
        points,
        row.get("status"),
        row.get("progress"),
        publication.indicator(iid),
    )


FOLLOWUP = {"sv": ("halvtid", "slut"), "en": ("mid-term", "final")}


def _year_note(publication: Publication) -> str | None:
    """The sentence saying which year a report without --year used, in the report's language."""
    if publication.year_note is None:
        return None
    if publication.lang == "en":
        return publication.year_note[0].upper() + publication.year_note[1:] + "."
    if publication.kind in ("midterm", "final"):
        what = "Halvtidsuppföljning" if publication.kind == "midterm" else "Slutuppföljning"
        planned = (
            publication.midterm_year if publication.kind == "midterm" else publication.plan.get("final_year")
        )
        if publication.year == planned:
            year_word = "halvtidsår" if publication.kind == "midterm" else "slutår"
            return f"{what} av {publication.year} (planens {year_word})."
        which = "slutliga värden" if "final values" in publication.year_note else "värden"
        return f"{what} av {publication.year}, det senaste året med {which} före {planned}."
    return f"Rapport för {publication.year}, det senaste året med slutliga värden."


def _or_dash(value: Any) -> Any:
    return "–" if value is None else value


@functools.cache
def _environment() -> Environment:
    """The report's template environment, one per process: jinja compiles a template once per
    environment, and a process may write many reports (every programme board's of a year)."""
    return Environment(
        loader=PackageLoader("indicators.report", "templates"),
        autoescape=select_autoescape(["html", "j2"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
