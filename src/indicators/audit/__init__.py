"""``indicators audit EXPORT_DIR``: attack the written files as a reader would, with linear programs.

Reads back every file of a publication folder — the CSV tables (excel-sv or standard), the XLSX
workbook, the report's HTML tables and the metadata JSON — never the warehouse or the in-memory
tables. What the files publish together is combined: a cell shown in any of them is known. Then,
for every suppressed cell, its smallest and largest value is computed with scipy's HiGHS given

* every published cell of the folder,
* the sums that link them (the faculty cell is the sum of its programmes; a headline is the sum
  of one breakdown's values; numerators and denominators of shares add up the same way). A sum is
  taken as exact unless the metadata lists it as a bound (``linked_sums_not_exact``: the total is
  above / below the sum, by at least 1: a listed sum is not exact, so it is not equal either),
* non-negativity, a share's numerator at most its denominator, and equal to the count of the
  same line where the metadata says so (``numerators_equal_to_counts``: I07's graduates with a
  stay abroad and the same per 100 graduates),
* the public primary rule: a cell marked primary is 1..min_count-1 (shares: denominator
  1..min_denominator-1), a share marked primary (numerator) has a numerator of 1..min_count-1 and
  a denominator of at least min_denominator, one marked secondary is at least min_count; a
  suppressed cell whose rule no file names is at least 1.

This is the LP relaxation, its bounds rounded inwards to whole persons (the sums of one indicator
and year form a tree, whose constraint matrix is totally unimodular, so the relaxation's bounds are
the integer ones). A cell whose interval keeps fewer than ``min_values`` values, or spans less
than ``min_width_pct`` % of its upper end, fails — unless the public rule alone allows no more
(a primary count cannot be hidden better than 1..4). The protection levels are read from the
metadata (``disclosure_control.protection``) unless given.

A suppressed value that a published change from the baseline gives away (value = baseline +
change) fails too. Shares of different indicators that divide by the same persons (I02 and I07 per
100 graduates: the year's graduates in every scope) are attacked together, a scope's two
denominators one unknown: linked where the metadata says so (``denominators_shared``) or where every
scope both publish has the same denominator (:mod:`~indicators.audit.links`). Not modelled: the
status words (met / not met) of a suppressed value, which say on which side of the target it lies;
other links between indicators; the charts (images).

Several folders (publishes of the same numbers, oldest first) are also compared cell by cell: a
person count both show that was revised by 1..min_count-1 persons is listed as a warning (the
difference of two publishes is a small count of its own), not a failure.
They are attacked together (:mod:`~indicators.audit.publishes`): between two publishes every count of
a sum changes the way of its total, by at most as much, through every total both have, shown
or hidden; where the files contradict that (a correction), one warning line says so and each publish of
the block is attacked alone.

The package: :mod:`~indicators.audit.read` (the files read back, merged into one
:class:`Reading`), :mod:`~indicators.audit.attack` (:func:`audit`: the linear programs and the
verdict), :mod:`~indicators.audit.links` (the share series of the same persons),
:mod:`~indicators.audit.publishes` (the model linking publishes),
:mod:`~indicators.audit.findings` (:class:`Finding`, :class:`AuditResult` and its printed report).
"""

from __future__ import annotations

from indicators.audit.attack import audit, block_intervals
from indicators.audit.findings import AuditResult, Finding, Revision
from indicators.audit.read import HIDDEN, SHARE_UNITS, YEAR, Known, Reading, read_folder

__all__ = [
    "HIDDEN",
    "SHARE_UNITS",
    "YEAR",
    "AuditResult",
    "Finding",
    "Known",
    "Reading",
    "Revision",
    "audit",
    "block_intervals",
    "read_folder",
]
