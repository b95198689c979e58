"""One chart per indicator: the faculty's value year by year against baseline and target.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display): 8 x 4.5 inches,
PNG at 150 dpi and SVG. The constrained layout runs once per figure, which is then frozen, so that
saving it (PNG, SVG) draws it once each. Annotated periods (COVID-19) are shaded; suppressed years show ``..``
instead of a point, and the line, which joins neighbouring years only, breaks there (and at a year
without a value). Labels follow the publication's language. What a chart shows is read from the
publication first (:func:`chart_of`, a :class:`Chart` of plain values) and drawn from that alone
(:func:`draw`), so a report's chart is drawn once per process for what it shows.

Every chart says what it shows in words, in its language (:func:`indicators.report.text.chart_text`):
the SVG starts with a ``<title>`` and a ``<desc>`` named by its ``aria-labelledby`` (``role="img"``),
the PNG carries them as its ``Title`` and ``Description`` text chunks, so that a screen reader, or a
chart printed or mailed without the report around it, still gives the indicator, the years and
every value.
"""

from __future__ import annotations

import base64
import functools
import io
import math
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter, MaxNLocator  # noqa: E402

from indicators.export import labels  # noqa: E402
from indicators.export.tables import SUPPRESSED, Publication  # noqa: E402
from indicators.export.writers import format_number  # noqa: E402
from indicators.report.text import chart_text  # noqa: E402

SIZE = (8, 4.5)
DPI = 150
COLOURS = {"value": "#1f4e79", "baseline": "#6b6b6b", "target": "#b5121b", "shade": "#f2c14e"}
KIND_WORDS = {"covid19": {"sv": "Covid-19", "en": "COVID-19"}}
# characters of the 12-point bold title on a line: 60 of DejaVu Sans take about 900 of the figure's
# 1,200 pixels; 80 ran 140 pixels past its right edge
TITLE_WIDTH = 60
# characters of the year labels that stand side by side under the chart: twelve years of 7 (2013/14 ..
# 2024/25) leave 8 pixels between two; a thirteenth year, or a twelfth marked "2024/25 p", ran them
# into each other, and a history from 2008/09 was unreadable; past it the labels are slanted
TICK_CHARACTERS = 84
CHARTS_KEPT = 256  # drawn charts kept per process, about 40 kB each as a data URI


FOLLOWUP_WORDS = {"midterm": {"sv": "Halvtid", "en": "Mid-term"}, "final": {"sv": "Slut", "en": "Final"}}


@dataclass(frozen=True)
class Chart:
    """Everything one chart shows, as plain values: :func:`draw` reads nothing else, so two charts
    that are equal are drawn the same, and a drawn chart is kept by these values (:func:`svg_data_uri`)."""

    lang: str
    title: str
    unit: str | None
    baseline_year: str | None
    target_value: Any  # the catalogue's target, None without one
    years: tuple[str, ...]
    cells: tuple[Any, ...]  # per year: the value as a float, SUPPRESSED, or None (no value)
    not_final: frozenset[int]  # the years (their positions) whose value is provisional or incomplete
    ticks: tuple[str, ...]  # the x axis's labels
    shades: tuple[tuple[int, int, str], ...]  # annotated periods: first and last position, word
    followups: tuple[tuple[str, int], ...]  # ('midterm' | 'final', position of its year)
    indicator_id: str = ""
    indicator_name: str = ""


def chart_of(
    publication: Publication, indicator_id: str, followups: dict[str, str | None] | None = None
) -> Chart:
    """What the chart of one indicator shows; ``followups`` ({'midterm': year, 'final': year}) marks
    the follow-up years with a vertical line each."""
    lang = publication.lang
    ind = publication.indicator(indicator_id)
    years = tuple(publication.years)
    cells = tuple(
        float(value) if isinstance(value, int | float) else value if value is SUPPRESSED else None
        for value in (publication.cell(indicator_id, year) for year in years)
    )
    not_final = frozenset(i for i, year in enumerate(years) if publication.obs_mark(indicator_id, year))
    shades = []
    for note in publication.annotations:
        if note.get("academic_year_to") is None or note.get("indicator_id") not in (None, indicator_id):
            continue
        inside = [
            i
            for i, year in enumerate(years)
            if note["academic_year_from"] <= year <= note["academic_year_to"]
        ]
        if inside:
            word = KIND_WORDS.get(note.get("kind"), {}).get(lang, note.get("kind") or "")
            shades.append((min(inside), max(inside), word))
    ticks = tuple(
        f"{year} {labels.OBS_MARKS[publication.obs_status(indicator_id, year)]}" if i in not_final else year
        for i, year in enumerate(years)
    )
    return Chart(
        lang=lang,
        title=f"{indicator_id} {ind['name']}",
        unit=ind.get("unit"),
        baseline_year=ind["baseline_year"],
        target_value=ind.get("target_value"),
        years=years,
        cells=cells,
        not_final=not_final,
        ticks=ticks,
        shades=tuple(shades),
        followups=tuple(
            (kind, years.index(year)) for kind, year in (followups or {}).items() if year in years
        ),
        indicator_id=indicator_id,
        indicator_name=ind["name"] or "",
    )


def figure(
    publication: Publication, indicator_id: str, followups: dict[str, str | None] | None = None
) -> Figure:
    """The indicator across every year shown (see :func:`chart_of`)."""
    return draw(chart_of(publication, indicator_id, followups))


def draw(chart: Chart) -> Figure:
    """The chart drawn: the value year by year, the baseline and the target."""
    lang = chart.lang
    decimal = "," if lang == "sv" else "."
    years, cells, not_final = chart.years, chart.cells, chart.not_final
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(len(years)))

    for first, last, word in chart.shades:
        ax.axvspan(first - 0.5, last + 0.5, color=COLOURS["shade"], alpha=0.18, lw=0)
        ax.text(
            (first + last) / 2,
            0.98,
            word,
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="top",
            fontsize=9,
            color="#7a5c00",
        )

    shown = [(i, v) for i, v in enumerate(cells) if isinstance(v, float)]
    if shown:
        # final values: a solid line with filled markers; a provisional or incomplete value: an open
        # marker reached by a dashed segment. The line joins neighbouring years only: a hidden year
        # (..) or one without a value is a gap (NaN), since a line drawn past it puts a point on that
        # year which reads as its value (a hidden count under 5 between 18 and 13 read as about 15)
        value_at = dict(shown)
        if any(x not in not_final for x in value_at):
            ys = [value_at[x] if x in value_at and x not in not_final else math.nan for x in positions]
            ax.plot(
                positions, ys, marker="o", color=COLOURS["value"], lw=2, label=labels.WORDS["value"][lang]
            )
        for x, y in shown:
            if x not in not_final:
                continue
            if x - 1 in value_at:
                ax.plot([x - 1, x], [value_at[x - 1], y], color=COLOURS["value"], lw=1.5, ls="--")
            ax.plot([x], [y], marker="o", ms=7, mfc="white", mec=COLOURS["value"], mew=2, ls="none")
        if not_final & {x for x, _ in shown}:
            ax.plot(
                [],
                [],
                marker="o",
                mfc="white",
                mec=COLOURS["value"],
                ls="--",
                color=COLOURS["value"],
                label=labels.WORDS["not_final"][lang],
            )
        for x, y in shown:
            ax.annotate(
                format_number(y, decimal),
                (x, y),
                textcoords="offset points",
                xytext=(0, 7),
                ha="center",
                fontsize=8,
                color=COLOURS["value"],
                zorder=5,
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
            )
    baseline_index = years.index(chart.baseline_year) if chart.baseline_year in years else None
    baseline = cells[baseline_index] if baseline_index is not None else None
    if isinstance(baseline, float):
        ax.axhline(
            float(baseline),
            color=COLOURS["baseline"],
            ls=":",
            lw=1.2,
            label=f"{labels.WORDS['baseline'][lang]} {chart.baseline_year}",
        )
        ax.plot([baseline_index], [float(baseline)], marker="s", ms=8, color=COLOURS["baseline"], ls="none")
    if chart.target_value is not None:
        ax.axhline(
            float(chart.target_value),
            color=COLOURS["target"],
            ls="--",
            lw=1.2,
            label=f"{labels.WORDS['target'][lang]} {format_number(chart.target_value, decimal)}",
        )
    for i, value in enumerate(cells):
        if value is SUPPRESSED:
            ax.text(
                i,
                0.02,
                str(SUPPRESSED),
                transform=ax.get_xaxis_transform(),
                ha="center",
                fontsize=10,
                color=COLOURS["baseline"],
            )

    for kind, position in chart.followups:
        ax.axvline(position, color="#7a5c00", ls="-.", lw=1, alpha=0.7)
        ax.text(
            position,
            0.06,
            FOLLOWUP_WORDS[kind][lang],
            transform=ax.get_xaxis_transform(),
            ha="center",
            va="bottom",
            fontsize=9,
            color="#7a5c00",
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
        )

    unit = chart.unit
    top = max([y for _, y in shown] + [float(chart.target_value or 0) if chart.target_value else 0] + [1])
    if unit == "percent":
        ax.set_ylim(0, max(100, top) * 1.08)
    elif unit == "milestone":
        ax.set_ylim(-0.1, 1.3)
        ax.set_yticks([0, 1], [labels.WORDS["not_done"][lang], labels.WORDS["done"][lang]])
    else:
        ax.set_ylim(0, top * 1.15)
        # a count's axis in whole numbers (matplotlib chose 2.5 persons under 20), written as every
        # number of the chart is: "2,5" in Swedish, not "2.5"
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: format_number(value, decimal)))
    ax.set_xlim(-0.5, len(years) - 0.5)
    ax.set_xticks(positions, list(chart.ticks))
    if sum(len(tick) for tick in chart.ticks) > TICK_CHARACTERS:  # a longer history: slanted labels
        for label in ax.get_xticklabels():
            label.set(rotation=45, ha="right", rotation_mode="anchor")
    ax.set_xlabel(labels.WORDS["academic_year"][lang])
    ax.set_ylabel(labels.text(labels.UNITS, unit, lang) or "")
    # a long indicator name wraps (a title runs on one line, past the figure's right edge: cut off)
    ax.set_title(textwrap.fill(chart.title, TITLE_WIDTH), loc="left", fontsize=12, fontweight="bold")
    ax.grid(axis="y", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", fontsize=8, frameon=False)
    # lay the figure out once, then freeze it: with the layout engine left on, every savefig ran the
    # constrained layout and drew the figure twice (a dry draw for the layout, then the real one)
    fig.get_layout_engine().execute(fig)
    fig.set_layout_engine("none")
    return fig


def write_charts(publication: Publication, out_dir: Path) -> list[Path]:
    """PNG and SVG of every indicator's chart into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for ind in publication.catalogue:
        chart = chart_of(publication, ind["indicator_id"])
        title, description = chart_text(chart)
        fig = draw(chart)
        stem = out_dir / f"{ind['indicator_id']}_{publication.lang}"
        fig.savefig(
            stem.with_suffix(".png"),
            dpi=DPI,
            metadata={"Software": None, "Title": title, "Description": description},
        )
        stem.with_suffix(".svg").write_bytes(_svg(chart, fig))
        written += [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    return written


def _svg(chart: Chart, fig: Figure) -> bytes:
    """The figure as SVG, its first children a ``<title>`` and a ``<desc>`` that its
    ``aria-labelledby`` names (matplotlib writes them only as RDF metadata, which no screen reader
    reads); ``xml:lang`` says their language."""
    title, description = chart_text(chart)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Title": title, "Description": description})
    name = re.sub(r"[^A-Za-z0-9_-]", "_", chart.indicator_id or "chart")
    ids = f"chart-{name}-title", f"chart-{name}-desc"
    words = f'<title id="{ids[0]}">{escape(title)}</title><desc id="{ids[1]}">{escape(description)}</desc>'
    # no ligatures: printed to PDF, a drawn "fi" of the chart's text read as U+FB01 ("Certiﬁcate")
    words += "<style>text { font-variant-ligatures: none; }</style>"
    labelled = f' role="img" aria-labelledby="{ids[0]} {ids[1]}" xml:lang="{chart.lang}"'
    svg, found = re.subn(
        rb"<svg\b([^>]*)>",
        lambda match: b"<svg" + match.group(1) + labelled.encode() + b">\n " + words.encode("utf-8"),
        buffer.getvalue(),
        count=1,
    )
    if not found:  # matplotlib always writes one
        raise ValueError("matplotlib wrote an SVG without an <svg> element")
    return svg


def svg_data_uri(
    publication: Publication, indicator_id: str, followups: dict[str, str | None] | None = None
) -> str:
    """The chart as a ``data:image/svg+xml;base64,...`` URI for a self-contained page. A chart is
    drawn once per process (kept by what it shows, :class:`Chart`): the programme reports of a year
    show the same faculty charts, and the annual, mid-term and final reports of one year and language
    mostly the same ones (about 0.3 s of matplotlib each)."""
    return _svg_data_uri(chart_of(publication, indicator_id, followups))


@functools.lru_cache(maxsize=CHARTS_KEPT)
def _svg_data_uri(chart: Chart) -> str:
    # text as SVG text, not as glyph outlines: half the bytes in the page and in its PDF, and the
    # chart's words stay text (searchable, copyable); the page's own fonts draw them
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        svg = _svg(chart, draw(chart))
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
