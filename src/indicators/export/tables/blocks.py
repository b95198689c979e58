"""The building blocks of a publication's tables: a :class:`Table` of :class:`Column` s, and the
:data:`SUPPRESSED` cell that disclosure control leaves where a value is hidden."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from indicators import disclosure


class Suppressed:
    """A cell hidden by disclosure control; prints as ``..``."""

    _instance: Suppressed | None = None

    def __new__(cls) -> Suppressed:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __str__(self) -> str:
        return disclosure.MARKER

    __repr__ = __str__


SUPPRESSED = Suppressed()


@dataclass
class Column:
    key: str
    label: str
    kind: str = "text"  # text (from data or catalogue), number, label (words the export wrote)


@dataclass
class Table:
    name: str
    title: str
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    # (row index, column index) → obs_status of a number that is not final: the XLSX marks it
    marks: dict[tuple[int, int], str] = field(default_factory=dict)

    def records(self) -> list[dict[str, Any]]:
        return [dict(zip([c.key for c in self.columns], row, strict=True)) for row in self.rows]
