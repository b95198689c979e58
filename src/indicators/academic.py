"""The academic year as the plans count it: from 1 July to 30 June, labelled by the calendar years it
spans (``YYYY/YY``). The same rule in SQL is ``macros/academic_years.sql``; a plan's calendar year
(a deadline ``YYYY``) is the academic year that starts in it, as the marts judge it."""

from __future__ import annotations

import datetime as dt

FIRST_MONTH = 7  # July: the academic year's first month


def start_year(day: dt.date) -> int:
    """The calendar year the academic year of ``day`` starts in."""
    return day.year - (1 if day.month < FIRST_MONTH else 0)


def label(start: int) -> str:
    """The academic year starting in ``start``, as ``YYYY/YY``."""
    return f"{start}/{(start + 1) % 100:02d}"


def last_day(start: int) -> dt.date:
    """The last day of the academic year starting in ``start``."""
    return dt.date(start + 1, FIRST_MONTH, 1) - dt.timedelta(days=1)


def of_deadline(deadline: str | None) -> str | None:
    """A deadline as the academic year it is judged in: a label as it is, a calendar year ``YYYY`` as
    the academic year that starts in it."""
    text = str(deadline).strip() if deadline is not None else ""
    if len(text) == 4 and text.isdigit():
        return label(int(text))
    return deadline
