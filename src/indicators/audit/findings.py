"""What the audit found: a :class:`Finding` per suppressed quantity checked, the folder's
:class:`AuditResult` and its printed report (:meth:`AuditResult.format`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from indicators import disclosure


@dataclass
class Cell:
    """A published quantity: an indicator's year, programme (None: the faculty) and breakdown."""

    indicator_id: str
    academic_year: str
    programme_code: str | None
    dimension: str | None
    dimension_value: str | None
    quantity: str

    @property
    def where(self) -> str:
        where = self.programme_code or "faculty"
        if self.dimension:
            where += f" {self.dimension}={self.dimension_value}"
        return where


@dataclass
class Finding(Cell):
    flag: str | None
    interval: tuple[float, float]
    protected: bool
    folder: str | None = None  # which publish, where several are audited together

    @property
    def scope(self) -> str:
        return f"{self.folder}: {self.where}" if self.folder else self.where

    def describe(self) -> str:
        lo, hi = self.interval
        interval = "infeasible" if lo > hi else f"{lo:g}..{hi:g}"
        return (
            f"{self.indicator_id} {self.academic_year} {self.scope} {self.quantity} "
            f"({self.flag or 'rule not shown'}): {interval}"
        )


@dataclass
class Revision(Cell):
    """A person count both of two publishes show, revised between them by fewer persons than the primary
    rule hides (1..min_count-1): the difference of the two publishes is a small count of its own (the
    persons a late delivery added or a correction took away) that a reader can describe by the cells
    that moved with it. A warning, not a failure: the revision itself is not suppressed."""

    earlier: float
    later: float
    folders: tuple[str, str]

    def describe(self) -> str:
        return (
            f"{self.indicator_id} {self.academic_year} {self.where} {self.quantity}: {self.earlier:g} in "
            f"{self.folders[0]}, {self.later:g} in {self.folders[1]}"
        )


@dataclass
class AuditResult:
    folder: Path
    files: list[str]
    protection: disclosure.Protection
    findings: list[Finding] = field(default_factory=list)
    unread: list[tuple[str, str]] = field(default_factory=list)  # (file, why): refused, the audit fails
    not_persons: int = 0  # hidden cells that count no persons (the catalogue's): nothing to protect
    hidden: int = 0  # hidden markers read in the files
    revisions: list[Revision] = field(default_factory=list)  # small revisions between publishes (warnings)
    # blocks whose publishes contradict the model of what changes between them (each attacked alone)
    disagreements: list[str] = field(default_factory=list)

    @property
    def unchecked(self) -> bool:
        """Hidden cells in the files, none of them checked (nor known to count no persons): never a pass."""
        return bool(self.hidden) and not self.findings and not self.not_persons

    @property
    def failures(self) -> list[Finding]:
        return [finding for finding in self.findings if not finding.protected]

    @property
    def ok(self) -> bool:
        return bool(self.files) and not self.failures and not self.unread and not self.unchecked

    def format(self) -> str:
        lines = [
            f"audited {len(self.files)} files in {self.folder}: {len(self.findings)} suppressed values checked, "
            f"{len(self.failures)} narrowed below the protection level (at least "
            f"{self.protection.min_values} values, {self.protection.min_width_pct:g} % of the upper end)"
        ]
        if self.unchecked:
            lines.append(f"{self.hidden} hidden cells in the files but none checked: not a pass")
        for name, why in self.unread:
            lines.append(
                f"refused {name}: {why} (the audit cannot vouch for it; remove it or audit it alone)"
            )
        if self.failures:
            lines.append(
                f"{'indicator':<10} {'year':<8} {'scope':<34} {'quantity':<12} {'rule':<10} interval"
            )
            for item in self.failures:
                lo, hi = item.interval
                interval = "infeasible" if lo > hi else f"{lo:g}..{hi:g}"
                lines.append(
                    f"{item.indicator_id:<10} {item.academic_year:<8} {item.scope:<34} {item.quantity:<12} "
                    f"{item.flag or '?':<10} {interval}"
                )
        lines += [f"warning: {why}" for why in self.disagreements]
        if self.revisions:
            lines.append(
                f"warning: {len(self.revisions)} person counts revised by 1..{self.protection.min_count - 1} "
                "between two publishes (their difference is a small count a reader can describe by what moved "
                "with it; not suppressed):"
            )
            lines += [f"  {item.describe()}" for item in self.revisions]
        return "\n".join(lines)
