"""The value line of an indicator's chart joins neighbouring years only (indicators.report.charts).

A year whose value is hidden by disclosure control, or has none, is a gap in the line: a straight
line drawn past it would put a point on the hidden year that reads as its value.
"""

from __future__ import annotations

import math

from indicators.export.tables import SUPPRESSED
from indicators.report.charts import COLOURS, Chart, draw

YEARS = ("2018/19", "2019/20", "2020/21", "2021/22", "2022/23", "2023/24", "2024/25", "2025/26")


def a_chart(cells: tuple, not_final: frozenset[int] = frozenset()) -> Chart:
    return Chart(
        lang="sv",
        title="I19 Utresande lärarmobilitet",
        unit="mobilities",
        baseline_year="2018/19",
        target_value=None,
        years=YEARS,
        cells=cells,
        not_final=not_final,
        ticks=YEARS,
        shades=(),
        followups=(),
        indicator_id="I19",
        indicator_name="Utresande lärarmobilitet",
    )


def value_segments(chart: Chart) -> dict[str, set[tuple[int, int]]]:
    """The value line's drawn segments, (first year, second year) by position, solid and dashed."""
    segments: dict[str, set[tuple[int, int]]] = {"-": set(), "--": set()}
    for line in draw(chart).axes[0].lines:
        if line.get_color() != COLOURS["value"] or line.get_linestyle() not in segments:
            continue
        points = list(zip(line.get_xdata(), line.get_ydata(), strict=True))
        for (x0, y0), (x1, y1) in zip(points, points[1:], strict=False):
            if not (math.isnan(float(y0)) or math.isnan(float(y1))):
                segments[line.get_linestyle()].add((int(x0), int(x1)))
    return segments


def test_a_hidden_or_missing_year_breaks_the_value_line():
    # the bundled sample's I19 (outgoing teacher mobilities): 18 in 2019/20, 2020/21 hidden (a primary
    # cell, under 5), 13 in 2021/22; 2023/24 has no value here, and 2025/26 is provisional
    cells = (26.0, 18.0, SUPPRESSED, 13.0, 21.0, None, 30.0, 37.0)
    segments = value_segments(a_chart(cells, not_final=frozenset({7})))
    # worked out by hand: solid 2018/19-2019/20 and 2021/22-2022/23; nothing reaches 2020/21 (..)
    # or 2023/24 (no value); 2024/25 (30) to the provisional 2025/26 (37) dashed
    assert segments["-"] == {(0, 1), (3, 4)}
    assert segments["--"] == {(6, 7)}


def test_a_provisional_value_after_a_gap_is_not_joined_to_an_earlier_year():
    cells = (26.0, 18.0, SUPPRESSED, 13.0, None, None, None, 37.0)
    segments = value_segments(a_chart(cells, not_final=frozenset({7})))
    assert segments["-"] == {(0, 1)}
    assert segments["--"] == set()


def test_a_long_indicator_name_wraps_inside_the_chart():
    """A catalogue's indicator name of 110 characters (å, ä, ö) ran on one line as the chart's
    title, 1,774 pixels wide in a figure of 1,200 (8 inches at 150 dpi): its end was cut off in the
    PNG, the SVG and the printed report. It now wraps at 60 characters, every word kept, inside the figure; the
    sample's names (56 characters with the id, the longest) stay on one line."""
    import dataclasses

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    name = (
        "Andel examinerade från utbildningsprogram där internationaliseringen på hemmaplan "
        "är integrerad i kursplanerna"
    )
    cells = (26.0, 18.0, 5.0, 13.0, 21.0, 22.0, 30.0, 37.0)
    for title, lines in (
        # by hand, at 60 characters: "I19 ... där" (49) + "internationaliseringen" would be 72;
        # "internationaliseringen ... i" (51) + "kursplanerna" 64: three lines
        (f"I19 {name}", 3),
        ("I17 Integrationsaktiviteter och översyn av integreringen", 1),
    ):
        figure = draw(dataclasses.replace(a_chart(cells), title=title, indicator_name=name))
        shown = figure.axes[0].get_title(loc="left")
        assert shown.split() == title.split() and len(shown.split("\n")) == lines, shown
        extent = figure.axes[0]._left_title.get_window_extent(FigureCanvasAgg(figure).get_renderer())
        assert extent.x0 >= 0 and extent.x1 <= figure.bbox.x1, (extent, figure.bbox)
        assert extent.y1 <= figure.bbox.y1


def test_the_year_labels_of_a_long_history_do_not_run_into_each_other():
    """Thirteen years (2013/14 to 2025/26, the last provisional: "2025/26 p") printed their labels
    side by side, the last ones 10 pixels into each other, and a history from 2008/09 (the EC's
    Erasmus statistics) was a smear. By hand: the twelve labels of 2013/14-2024/25 are 84 characters
    and stand level, 8 pixels apart; past that each label is slanted 45 degrees, and two neighbours,
    a year apart (at least 70 pixels at 18 years), are further apart across their slant than a
    label is tall."""
    import dataclasses

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for first, marked, slanted in ((2013, False, False), (2013, True, True), (2006, True, True)):
        years = tuple(f"{year}/{(year + 1) % 100:02d}" for year in range(first, 2026 if marked else 2025))
        ticks = years[:-1] + (f"{years[-1]} p",) if marked else years
        chart = dataclasses.replace(
            a_chart(tuple([10.0] * len(years))), years=years, ticks=ticks, baseline_year=years[0]
        )
        figure = draw(chart)
        renderer = FigureCanvasAgg(figure).get_renderer()
        labels = figure.axes[0].get_xticklabels()
        assert [label.get_text() for label in labels] == list(ticks)
        assert {label.get_rotation() for label in labels} == ({45.0} if slanted else {0.0}), len(years)
        boxes = [label.get_window_extent(renderer) for label in labels]
        assert min(box.x0 for box in boxes) >= 0 and min(box.y0 for box in boxes) >= 0  # inside the figure
        if not slanted:
            assert all(left.x1 < right.x0 for left, right in zip(boxes, boxes[1:], strict=False))
        else:
            step = (
                figure.axes[0].transData.transform((1, 0))[0] - figure.axes[0].transData.transform((0, 0))[0]
            )
            height = max(label.get_fontsize() for label in labels) * figure.dpi / 72
            assert step * math.sin(math.radians(45)) > height, (len(years), step, height)


def test_a_small_counts_axis_is_in_whole_numbers_with_the_charts_decimal_mark():
    """A Swedish chart of a count under 20 (12, 15 and 19 persons) labelled its axis 0.0, 2.5, 5.0 ..
    20.0: half persons, and the English decimal point beside the chart's own "12" and the report's
    decimal comma. By hand: the axis runs to 19 x 1.15 = 21.85; its labels are now whole numbers
    only, none with a decimal mark."""
    import dataclasses

    years = ("2018/19", "2019/20", "2020/21")
    chart = dataclasses.replace(
        a_chart((12.0, 15.0, 19.0)), years=years, ticks=years, cells=(12.0, 15.0, 19.0), unit="persons"
    )
    axes = draw(chart).axes[0]
    low, high = axes.get_ylim()
    assert (low, round(high, 2)) == (0, 21.85)
    shown = [label.get_text() for label in axes.get_yticklabels() if low <= label.get_position()[1] <= high]
    assert len(shown) >= 3 and all(text.isdigit() for text in shown), shown
    assert shown[0] == "0"
