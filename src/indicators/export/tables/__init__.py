"""What a publication holds, read once from the published warehouse (read-only) and protected.

:func:`load` reads the marts, applies disclosure control (:mod:`indicators.disclosure`) to every
value, and returns a :class:`Publication`: the tables of an export (scoreboard, per programme,
long values, mid-term and final follow-up) in one language, plus what the metadata and the report need
(catalogue, annotations, the run, source files, data-quality notes). The CSV/XLSX writers and the
HTML report both start from it, so a suppressed cell is suppressed the same way everywhere.

:mod:`.blocks` holds the table and its cells, :mod:`.publication` the publication, whose tables
:mod:`.annual` and :mod:`.followup` build, and :mod:`.loading` the reading of the warehouse (through
:mod:`indicators.export.read`).
"""

from indicators.export.read import ExportError
from indicators.export.tables.blocks import SUPPRESSED, Column, Suppressed, Table
from indicators.export.tables.loading import KINDS, YEAR_PATTERN, load
from indicators.export.tables.publication import Publication

__all__ = [
    "KINDS",
    "SUPPRESSED",
    "YEAR_PATTERN",
    "Column",
    "ExportError",
    "Publication",
    "Suppressed",
    "Table",
    "load",
]
