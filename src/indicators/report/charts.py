"""One chart per indicator: the faculty's value year by year against baseline and target.

Drawn with matplotlib's object API on the Agg canvas (no pyplot, no display): 8 x 4.5 inches,
PNG at 150 dpi and SVG. The constrained layout runs once per figure, which is then frozen, so that
saving it (PNG, SVG) draws it once each. Annotated periods (COVID-19) are shaded; suppressed years show ``..``
instead of a point. Labels follow the publication's language.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure  # noqa: E402

from indicators.export import labels  # noqa: E402
from indicators.export.tables import SUPPRESSED, Publication  # noqa: E402
from indicators.export.writers import format_number  # noqa: E402

SIZE = (8, 4.5)
DPI = 150
COLOURS = {"value": "#1f4e79", "baseline": "#6b6b6b", "target": "#b5121b", "shade": "#f2c14e"}
KIND_WORDS = {"covid19": {"sv": "Covid-19", "en": "COVID-19"}}


FOLLOWUP_WORDS = {"midterm": {"sv": "Halvtid", "en": "Mid-term"}, "final": {"sv": "Slut", "en": "Final"}}


def figure(
    publication: Publication, indicator_id: str, followups: dict[str, str | None] | None = None
) -> Figure:
    """The indicator across every year shown; ``followups`` ({'midterm': year, 'final': year}) marks the
    follow-up years with a vertical line each."""
    lang = publication.lang
    ind = publication.indicator(indicator_id)
    decimal = "," if lang == "sv" else "."
    years = list(publication.years)
    cells = [publication.cell(indicator_id, year) for year in years]
    not_final = {i for i, year in enumerate(years) if publication.obs_mark(indicator_id, year)}
    fig = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    ax = fig.add_subplot()
    positions = list(range(len(years)))

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
            ax.axvspan(min(inside) - 0.5, max(inside) + 0.5, color=COLOURS["shade"], alpha=0.18, lw=0)
            ax.text(
                (min(inside) + max(inside)) / 2,
                0.98,
                word,
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="top",
                fontsize=9,
                color="#7a5c00",
            )

    shown = [(i, float(v)) for i, v in enumerate(cells) if isinstance(v, int | float)]
    if shown:
        # final values: a solid line with filled markers; a provisional or incomplete value: an open
        # marker reached by a dashed segment
        final = [(x, y) for x, y in shown if x not in not_final]
        if final:
            xs, ys = zip(*final, strict=True)
            ax.plot(xs, ys, marker="o", color=COLOURS["value"], lw=2, label=labels.WORDS["value"][lang])
        for previous, (x, y) in zip([None, *shown[:-1]], shown, strict=True):
            if x not in not_final:
                continue
            if previous is not None:
                ax.plot([previous[0], x], [previous[1], y], color=COLOURS["value"], lw=1.5, ls="--")
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
    baseline_index = years.index(ind["baseline_year"]) if ind["baseline_year"] in years else None
    baseline = cells[baseline_index] if baseline_index is not None else None
    if isinstance(baseline, int | float):
        ax.axhline(
            float(baseline),
            color=COLOURS["baseline"],
            ls=":",
            lw=1.2,
            label=f"{labels.WORDS['baseline'][lang]} {ind['baseline_year']}",
        )
        ax.plot([baseline_index], [float(baseline)], marker="s", ms=8, color=COLOURS["baseline"], ls="none")
    if ind.get("target_value") is not None:
        ax.axhline(
            float(ind["target_value"]),
            color=COLOURS["target"],
            ls="--",
            lw=1.2,
            label=f"{labels.WORDS['target'][lang]} {format_number(ind['target_value'], decimal)}",
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

    for kind, year in (followups or {}).items():
        if year in years:
            ax.axvline(years.index(year), color="#7a5c00", ls="-.", lw=1, alpha=0.7)
            ax.text(
                years.index(year),
                0.06,
                FOLLOWUP_WORDS[kind][lang],
                transform=ax.get_xaxis_transform(),
                ha="center",
                va="bottom",
                fontsize=9,
                color="#7a5c00",
                bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85},
            )

    unit = ind.get("unit")
    top = max(
        [y for _, y in shown] + [float(ind["target_value"] or 0) if ind.get("target_value") else 0] + [1]
    )
    if unit == "percent":
        ax.set_ylim(0, max(100, top) * 1.08)
    elif unit == "milestone":
        ax.set_ylim(-0.1, 1.3)
        ax.set_yticks([0, 1], [labels.WORDS["not_done"][lang], labels.WORDS["done"][lang]])
    else:
        ax.set_ylim(0, top * 1.15)
    ax.set_xlim(-0.5, len(years) - 0.5)
    ax.set_xticks(
        positions,
        [
            f"{year} {labels.OBS_MARKS[publication.obs_status(indicator_id, year)]}"
            if i in not_final
            else year
            for i, year in enumerate(years)
        ],
    )
    ax.set_xlabel(labels.WORDS["academic_year"][lang])
    ax.set_ylabel(labels.text(labels.UNITS, unit, lang) or "")
    ax.set_title(f"{indicator_id} {ind['name']}", loc="left", fontsize=12, fontweight="bold")
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
        fig = figure(publication, ind["indicator_id"])
        stem = out_dir / f"{ind['indicator_id']}_{publication.lang}"
        fig.savefig(stem.with_suffix(".png"), dpi=DPI, metadata={"Software": None})
        fig.savefig(stem.with_suffix(".svg"), metadata={"Date": None})
        written += [stem.with_suffix(".png"), stem.with_suffix(".svg")]
    return written


def svg_data_uri(
    publication: Publication, indicator_id: str, followups: dict[str, str | None] | None = None
) -> str:
    """The chart as a ``data:image/svg+xml;base64,...`` URI for a self-contained page."""
    buffer = io.BytesIO()
    # text as SVG text, not as glyph outlines: half the bytes in the page and in its PDF, and the
    # chart's words stay text (searchable, copyable); the page's own fonts draw them
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        figure(publication, indicator_id, followups).savefig(buffer, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
