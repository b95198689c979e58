"""Typed settings: ``pipelines/nightly.yml`` plus ``INDICATORS_<KEY>`` environment overrides.

Secrets never live in the config file: the pseudonymisation key comes from the environment
(``INDICATORS_PSEUDONYMISATION_KEY``) or from a key file outside version control.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass, fields, replace
from pathlib import Path

from indicators.sources import read_yaml

KEY_ENV = "INDICATORS_PSEUDONYMISATION_KEY"


def project_root() -> Path:
    """``INDICATORS_HOME``, else the checkout this package is installed from."""
    env = os.environ.get("INDICATORS_HOME")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


class ConfigError(Exception):
    """Settings that make a run impossible (the message says what to do)."""


@dataclass(frozen=True)
class Settings:
    root: Path
    inbox: Path
    warehouse: Path
    work_dir: Path
    rejected_dir: Path
    log_dir: Path
    key_file: Path
    crosswalk_file: Path | None = None
    home_hei_id: str = "lu.se"
    reference_day: str = "10-15"
    unknown_programme_error_pct: float = 5.0
    first_year: str | None = None  # an optional floor on the reporting years (they come from the data)
    # Disclosure control (see indicators.disclosure.Protection): the primary rule and the interval a
    # suppressed cell must keep.
    disclosure_min_count: int = 5
    disclosure_min_denominator: int = 5
    disclosure_min_values: int = 3
    disclosure_min_width_pct: float = 0.0
    # the archive, space, failed copies, retention (see the README's "What is kept where")
    archive_dir: Path | None = None
    auto_rebuild: bool = False
    keep_failed_copies: int = 1
    disk_headroom_mb: float = 64.0
    inbox_retention_days: float | None = 30.0
    # reading exports (pipelines/<source>.yml): the faculty's own Erasmus institution code, for a
    # derive: that tells incoming from outgoing; the plausible dates (outside: quarantined)
    home_institution_code: str = "S  LUND01"
    date_window_start: str = "1990-01-01"
    date_window_years_ahead: int = 10

    @property
    def pipelines_dir(self) -> Path:
        return self.root / "pipelines"

    @property
    def lock_file(self) -> Path:
        return self.warehouse.with_name(self.warehouse.name + ".lock")

    def with_paths(self, inbox: Path | None = None, warehouse: Path | None = None) -> Settings:
        """Another inbox or warehouse; run state (work, rejected, log) follows the warehouse."""
        changes: dict = {}
        if inbox is not None:
            changes["inbox"] = inbox.resolve()
        if warehouse is not None:
            warehouse = warehouse.resolve()
            changes["warehouse"] = warehouse
            for name in _STATE_KEYS:
                current: Path = getattr(self, name)
                if current.parent == self.warehouse.parent:
                    changes[name] = warehouse.parent / current.name
        return replace(self, **changes)


_DISCLOSURE_KEYS = {
    "disclosure_min_count": int,
    "disclosure_min_denominator": int,
    "disclosure_min_values": int,
    "disclosure_min_width_pct": float,
}
_PATH_KEYS = {"inbox", "warehouse", "key_file", "crosswalk_file"}
# Run state lives beside the warehouse (relative paths are taken from the warehouse's folder), so that
# a working copy is on the same file system as the published file and os.replace stays atomic.
_STATE_KEYS = {"work_dir", "rejected_dir", "log_dir", "archive_dir"}
_OFF = {"", "null", "none", "off", "false", "no"}


def _coerce(values: dict) -> None:
    """Types of the settings that are not paths or strings (values from YAML or the environment)."""
    if "auto_rebuild" in values:
        value = values["auto_rebuild"]
        values["auto_rebuild"] = (
            value if isinstance(value, bool) else str(value).strip().lower() in ("1", "true", "yes", "on")
        )
    for name, kind in (("keep_failed_copies", int), ("disk_headroom_mb", float)):
        if name in values:
            values[name] = kind(values[name])
    if "inbox_retention_days" in values:
        value = values["inbox_retention_days"]
        values["inbox_retention_days"] = (
            None if value is None or str(value).strip().lower() in _OFF else float(value)
        )


def load_settings(root: Path | None = None) -> Settings:
    root = (root or project_root()).resolve()
    config_file = root / "pipelines" / "nightly.yml"
    raw = read_yaml(config_file) if config_file.exists() else {}
    known = {f.name for f in fields(Settings)} - {"root"}
    values: dict = {k: v for k, v in (raw or {}).items() if k in known}
    for name in known:
        env = os.environ.get(f"INDICATORS_{name.upper()}")
        if env is not None:
            values[name] = env
    for name in _PATH_KEYS:
        if values.get(name) not in (None, ""):
            path = Path(str(values[name])).expanduser()
            values[name] = path if path.is_absolute() else (root / path)
        else:
            values[name] = None
    _coerce(values)
    for name in _STATE_KEYS:
        path = Path(str(values.get(name) or name.removesuffix("_dir"))).expanduser()
        values[name] = path if path.is_absolute() else values["warehouse"].parent / path
    if "unknown_programme_error_pct" in values:
        values["unknown_programme_error_pct"] = float(values["unknown_programme_error_pct"])
    if values.get("first_year") in ("", "null", "none", "None"):
        values["first_year"] = None
    if values.get("first_year") is not None:
        values["first_year"] = str(values["first_year"])
        if not re.fullmatch(r"\d{4}/\d{2}", values["first_year"]):
            raise ConfigError(
                f"first_year must be an academic year such as 2010/11, not {values['first_year']!r}"
            )
    for name, kind in _DISCLOSURE_KEYS.items():
        if name in values:
            try:
                values[name] = kind(values[name])
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"{config_file}: {name} must be a number, not {values[name]!r}") from exc
    if int(values.get("disclosure_min_count", 5)) < 1 or int(values.get("disclosure_min_values", 3)) < 1:
        raise ConfigError(f"{config_file}: disclosure_min_count and disclosure_min_values must be at least 1")
    _date_window(values, config_file)
    missing = [n for n in ("inbox", "warehouse", "key_file") if not values.get(n)]
    if missing:
        raise ConfigError(f"{config_file}: missing settings {', '.join(missing)}")
    return Settings(root=root, **values)


def _date_window(values: dict, config_file: Path) -> None:
    """``date_window_start`` an ISO date, ``date_window_years_ahead`` a whole number 0..100."""
    import datetime as dt

    if "date_window_start" in values:
        text = str(values["date_window_start"]).strip()
        try:
            day = dt.date.fromisoformat(text)
        except ValueError:
            day = None
        # from 1700 on: with at most 100 years ahead every date that passes stays inside what pandas
        # (GX) and the dbt models can hold, so no row that gets through can stop a publish
        if day is None or not dt.date(1700, 1, 1) <= day <= dt.date.today():
            raise ConfigError(
                f"{config_file}: date_window_start must be a date from 1700-01-01 to today such as "
                f"1990-01-01, not {text!r}"
            )
        values["date_window_start"] = text
    if "date_window_years_ahead" in values:
        try:
            years = int(str(values["date_window_years_ahead"]).strip())
        except ValueError:
            years = -1
        if not 0 <= years <= 100:
            raise ConfigError(
                f"{config_file}: date_window_years_ahead must be a whole number of years 0..100, "
                f"not {values['date_window_years_ahead']!r}"
            )
        values["date_window_years_ahead"] = years
    if "home_institution_code" in values:
        values["home_institution_code"] = str(values["home_institution_code"])


def load_key(settings: Settings) -> bytes:
    """The pseudonymisation key; refuses to run without one."""
    env = os.environ.get(KEY_ENV)
    if env:
        key = env.encode("utf-8")
    elif settings.key_file.exists():
        key = settings.key_file.read_bytes().strip()
    else:
        raise ConfigError(
            f"no pseudonymisation key: set {KEY_ENV} or create the key file {settings.key_file} "
            "(`indicators keygen` writes a new random one). Keep it out of version control and keep a "
            "copy safe: with another key the same person gets another pseudonym."
        )
    if len(key) < 16:
        raise ConfigError("the pseudonymisation key is too short (at least 16 bytes)")
    return key


def create_key_file(path: Path) -> bool:
    """Write a new random key (mode 600) unless one exists; True when it was created."""
    if path.exists():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return True


def load_crosswalk(settings: Settings) -> dict[str, str]:
    """T-number → personnummer pairs (CSV with a header ``t_number,personnummer``)."""
    if settings.crosswalk_file is None:
        return {}
    import polars as pl

    frame = pl.read_csv(settings.crosswalk_file, infer_schema=False)
    if not {"t_number", "personnummer"} <= set(frame.columns):
        raise ConfigError(f"{settings.crosswalk_file}: expected columns t_number,personnummer")
    return dict(zip(frame["t_number"].to_list(), frame["personnummer"].to_list(), strict=True))
