"""Typed settings: ``pipelines/nightly.yml`` plus ``INDICATORS_<KEY>`` environment overrides.

Every setting is one field of :class:`Settings` (a pydantic v2 dataclass) with its type and range;
adding one is one line, e.g. ``settle_seconds: Number = Field(2.0, ge=0)`` (with the types below:
``Whole``, ``Number`` (finite: a bare ``float`` would let ``nan`` in), ``Flag``, ``Text``, ``Path``;
``Annotated[Number | None, Off]`` for one that ``null``/``off`` turns off). A value of the wrong
type or out of range, an unknown key in the file (a typo) and a key written twice in it are a
:class:`ConfigError` whose one line names the file (or the environment variable), the setting, the
value and what is allowed: the command stops before it reads anything.

Secrets never live in the config file: the pseudonymisation key comes from the environment
(``INDICATORS_PSEUDONYMISATION_KEY``) or from a key file outside version control.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import secrets
from dataclasses import fields, replace
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, FiniteFloat, ValidationError
from pydantic.dataclasses import dataclass

from indicators.sources import read_yaml

KEY_ENV = "INDICATORS_PSEUDONYMISATION_KEY"
ENV_PREFIX = "INDICATORS_"
CONFIG_FILE = Path("pipelines") / "nightly.yml"
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's, where it exists


def project_root() -> Path:
    """``INDICATORS_HOME``, else the checkout this package is installed from."""
    env = os.environ.get("INDICATORS_HOME")
    if env:
        return Path(env).resolve()
    return Path(__file__).resolve().parents[2]


class ConfigError(Exception):
    """Settings that make a run impossible (the message says what to do)."""


# --- the types a setting can have (each says what it allows, for the one-line message) ---------------

_OFF = {"", "null", "none", "off", "false", "no"}


def _not_a_bool(value: Any) -> Any:
    """``true`` is not the number 1 here (pydantic would take it as one)."""
    if isinstance(value, bool):
        raise ValueError("a true/false where a number belongs")
    return value


def _off_is_none(value: Any) -> Any:
    """``null``, ``off``, ``false``, ``none`` or empty: the setting is off."""
    if value is None or value is False or (isinstance(value, str) and value.strip().lower() in _OFF):
        return None
    return value


def _month_day(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | int) else ""
    match = re.fullmatch(r"(\d{2})-(\d{2})", text)
    try:
        dt.date(2023, int(match[1]), int(match[2]))  # a day every year has: not 02-29
    except (TypeError, ValueError):
        raise ValueError("not a day of the year") from None
    return text


def _academic_year(value: str | None) -> str | None:
    if value is None:
        return None
    match = re.fullmatch(r"(\d{4})/(\d{2})", value.strip())
    if not match or int(match[2]) != (int(match[1]) + 1) % 100:
        raise ValueError("not an academic year")
    return value.strip()


Whole = Annotated[int, BeforeValidator(_not_a_bool)]  # an integer (bounds: Field(ge=..))
Number = Annotated[FiniteFloat, BeforeValidator(_not_a_bool)]  # a finite number: no nan, no inf
Flag = bool  # pydantic's booleans: true/false, yes/no, on/off, 1/0; anything else is refused


class Says:
    """A type's rule in words, for the message (when it is not just a kind and bounds)."""

    def __init__(self, text: str):
        self.text = text


MonthDay = Annotated[
    str, BeforeValidator(_month_day), Says("a day of the year as MM-DD (e.g. 10-15; not 02-29)")
]
AcademicYear = Annotated[
    str | None,
    BeforeValidator(_off_is_none),
    AfterValidator(_academic_year),
    Says("an academic year YYYY/YY whose second year follows the first (e.g. 2010/11), or null"),
]
Text = Annotated[str, Field(min_length=1)]


def _window_start(value: Any) -> str:
    text = str(value).strip() if isinstance(value, str | dt.date) else ""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date") from None
    if not dt.date(1700, 1, 1) <= day <= dt.date.today():
        raise ValueError("out of range")
    return text


WindowStart = Annotated[
    str, BeforeValidator(_window_start), Says("a date from 1700-01-01 to today, such as 1990-01-01")
]
Off = BeforeValidator(_off_is_none)  # ``Annotated[Number | None, Off]``: null/off turns it off

#: what a type allows, said in the message (the bounds are added from the field's constraints)
_KINDS = {
    int: "a whole number",
    float: "a finite number",
    bool: "true or false",
    Path: "a path",
    str: "a text",
}


@dataclass(frozen=True, config=ConfigDict(validate_default=False))
class Settings:
    """The settings of a run. One line each: ``name: Type = Field(default, ge=.., le=..)``; the name is
    the key in ``pipelines/nightly.yml`` and, upper case after ``INDICATORS_``, the environment variable."""

    root: Path
    inbox: Path
    warehouse: Path
    work_dir: Path
    rejected_dir: Path
    log_dir: Path
    key_file: Path
    crosswalk_file: Path | None = None
    home_hei_id: Text = "lu.se"
    reference_day: MonthDay = "10-15"
    unknown_programme_error_pct: Number = Field(5.0, ge=0, le=100)
    first_year: AcademicYear = None  # an optional floor on the reporting years (they come from the data)
    # Disclosure control (see indicators.disclosure.Protection): the primary rule and the interval a
    # suppressed cell must keep.
    disclosure_min_count: Whole = Field(5, ge=1)
    disclosure_min_denominator: Whole = Field(5, ge=1)
    disclosure_min_values: Whole = Field(3, ge=1)
    disclosure_min_width_pct: Number = Field(0.0, ge=0, le=100)
    # the archive, space, failed copies, retention (see the README's "What is kept where")
    archive_dir: Path | None = None
    auto_rebuild: Flag = False
    keep_failed_copies: Whole = Field(1, ge=0)
    disk_headroom_mb: Number = Field(64.0, ge=0)
    inbox_retention_days: Annotated[Number | None, Off] = Field(30.0, ge=0)
    # rejected/, the archive, the logs, work/ and the warehouse owner-only (folders 0700, files 0600)
    private_files: Flag = True
    # a file is read only once unchanged this long (else left for the next run)
    settle_seconds: Number = Field(2.0, ge=0)
    # an XLSX whose members really unpack to more is rejected as a zip bomb
    xlsx_max_unpacked_mb: Number = Field(512.0, ge=1)
    # a delivered file larger than this is rejected unread (a real export is a few MB; the bench's
    # scale 1000 writes 1.4 GB and raises it)
    max_file_mb: Number = Field(1024.0, ge=1)
    # reading exports (pipelines/<source>.yml): the faculty's own Erasmus institution code, for a
    # derive: that tells incoming from outgoing; the plausible dates (outside: quarantined)
    home_institution_code: Text = "S  LUND01"
    date_window_start: WindowStart = "1990-01-01"
    # with at most 100 years ahead and a start from 1700 every date that passes stays inside what
    # pandas (GX) and the dbt models can hold, so no row that gets through can stop a publish
    date_window_years_ahead: Whole = Field(10, ge=0, le=100)

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


_PATH_KEYS = {"inbox", "warehouse", "key_file", "crosswalk_file"}
# Run state lives beside the warehouse (relative paths are taken from the warehouse's folder), so that
# a working copy is on the same file system as the published file and os.replace stays atomic.
_STATE_KEYS = {"work_dir", "rejected_dir", "log_dir", "archive_dir"}


def setting_names() -> list[str]:
    """Every setting's name, in the order of :class:`Settings` (the keys of ``nightly.yml``)."""
    return [f.name for f in fields(Settings) if f.name != "root"]


def env_name(name: str) -> str:
    return ENV_PREFIX + name.upper()


def environment_value(variable: str, default: str = "") -> str:
    """An ``INDICATORS_*`` variable that is no key of nightly.yml, as set (``default`` when unset):
    every setting is read from the environment here; :mod:`indicators.environment` types and checks
    each one (a bad value is a :class:`ConfigError` before a command reads anything)."""
    return os.environ.get(variable, default)


def environment_variables() -> list[str]:
    """The names of the environment's variables, sorted (to find a misspelt ``INDICATORS_*``)."""
    return sorted(os.environ)


def allowed(name: str) -> str:
    """What a setting allows, in words: its kind, its bounds, and whether it can be off."""
    info = Settings.__pydantic_fields__[name]
    said = [m.text for m in _metadata(info) if isinstance(m, Says)]
    if said:
        return said[0]
    kind = next((text for kind, text in _KINDS.items() if _mentions(info.annotation, kind)), "a value")
    if any(getattr(m, "min_length", None) for m in _metadata(info)):
        kind = "a non-empty " + kind.removeprefix("a ")
    low = next((m.ge for m in info.metadata if hasattr(m, "ge")), None)
    high = next((m.le for m in info.metadata if hasattr(m, "le")), None)
    if low is not None and high is not None:
        kind += f" from {low:g} to {high:g}"
    elif low is not None:
        kind += f" >= {low:g}"
    if _mentions(info.annotation, type(None)):
        kind += ", or null/off"
    return kind


def _metadata(info) -> list:
    found = list(info.metadata)
    for arg in getattr(info.annotation, "__args__", ()):
        found += list(getattr(arg, "__metadata__", ()))
    return found


def _mentions(annotation, kind: type) -> bool:
    if annotation is kind:
        return True
    return any(_mentions(arg, kind) for arg in getattr(annotation, "__args__", ()) if arg is not annotation)


def _line_of(config_file: Path, key: str) -> str:
    """`` line N`` where ``key:`` stands in the file (empty when it cannot be found)."""
    try:
        lines = config_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return ""
    pattern = re.compile(rf"\s*['\"]?{re.escape(str(key))}['\"]?\s*:")
    number = next((n for n, line in enumerate(lines, 1) if pattern.match(line)), None)
    return f" line {number}" if number else ""


def _read_config(config_file: Path) -> dict:
    """``nightly.yml``'s settings; an unreadable file, a key written twice or a key no setting has is a
    ConfigError."""
    if not config_file.exists():
        return {}
    try:
        raw = read_yaml(config_file)
        node = yaml.compose(config_file.read_text(encoding="utf-8"), Loader=_LOADER)
    except Exception as exc:  # noqa: BLE001 - yaml's errors, and a file that cannot be read
        cause = " ".join(str(exc).split())
        raise ConfigError(f"{config_file}: cannot be read as YAML ({cause})") from None
    if not isinstance(raw, dict):
        raise ConfigError(f"{config_file}: expected `setting: value` lines, found {type(raw).__name__}")
    first_line: dict[str, int] = {}
    for key, _ in node.value if isinstance(node, yaml.MappingNode) else ():
        line = key.start_mark.line + 1
        if key.value in first_line:  # YAML keeps the last silently: the first would be ignored unsaid
            raise ConfigError(
                f"{config_file} line {line}: {key.value}: written twice in the file "
                f"(first on line {first_line[key.value]}); keep one"
            )
        first_line[key.value] = line
    known = setting_names()
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]}?" if close else "the settings are listed in the README"
            raise ConfigError(f"{config_file}{_line_of(config_file, key)}: unknown setting {key!r} ({hint})")
    return raw


def load_settings(root: Path | None = None) -> Settings:
    root = (root or project_root()).resolve()
    config_file = root / CONFIG_FILE
    from indicators import environment  # it reads this module's names: imported here, not above

    environment.unknown_variables()
    values: dict[str, Any] = dict(_read_config(config_file))
    origin = {name: f"{config_file}{_line_of(config_file, name)}" for name in values}
    for name in setting_names():
        env = os.environ.get(env_name(name))
        if env is not None:
            values[name] = env
            origin[name] = f"environment variable {env_name(name)}"

    def bad(name: str, value: Any, rule: str | None = None) -> ConfigError:
        return ConfigError(
            f"{origin.get(name, config_file)}: {name} = {value!r} is not allowed: it must be "
            f"{rule or allowed(name)}"
        )

    for name in _PATH_KEYS | _STATE_KEYS:
        value = values.get(name)
        if value is not None and not isinstance(value, str | Path):
            raise bad(name, value, "a path")
    for name in _PATH_KEYS:
        if values.get(name) not in (None, ""):
            path = Path(str(values[name])).expanduser()
            values[name] = path if path.is_absolute() else (root / path)
        else:
            values[name] = None
    missing = [n for n in ("inbox", "warehouse", "key_file") if not values.get(n)]
    if missing:
        raise ConfigError(f"{config_file}: missing settings {', '.join(missing)}")
    for name in _STATE_KEYS:
        path = Path(str(values.get(name) or name.removesuffix("_dir"))).expanduser()
        values[name] = path if path.is_absolute() else values["warehouse"].parent / path
    try:
        settings = Settings(root=root, **values)
        # the ones read at their use (environment only): checked before a run starts
        environment.check()
        return settings
    except ValidationError as exc:
        errors = exc.errors()
        first = errors[0]
        name = str(first["loc"][0]) if first["loc"] else "?"
        more = f" (and {len(errors) - 1} more bad settings)" if len(errors) > 1 else ""
        raise ConfigError(f"{bad(name, values.get(name, first.get('input')))}{more}") from None


def load_key(settings: Settings) -> bytes:
    """The pseudonymisation key; refuses to run without one."""
    env = os.environ.get(KEY_ENV)
    if env:
        key = env.encode("utf-8")
    elif settings.key_file.exists():
        try:
            key = settings.key_file.read_bytes().strip()
        except OSError as exc:  # a folder, or not readable by this user
            raise ConfigError(
                f"the key file {settings.key_file} could not be read ({exc.strerror or type(exc).__name__}): "
                "key_file must name a file holding the key, readable by the user the run is (`indicators "
                "keygen` writes one)"
            ) from None
    else:
        raise ConfigError(
            f"no pseudonymisation key: set {KEY_ENV} or create the key file {settings.key_file} "
            "(`indicators keygen` writes a new random one). Keep it out of version control and keep a "
            "copy safe: with another key the same person gets another pseudonym."
        )
    if len(key) < 16:
        raise ConfigError("the pseudonymisation key is too short (at least 16 bytes)")
    return key


def key_file_exposed(settings: Settings) -> str | None:
    """A warning when the key file (the key the run uses: no INDICATORS_PSEUDONYMISATION_KEY) may be
    read by others than its owner: with it and a list of birth dates anyone could turn the pseudonyms
    back into personnummer."""
    if os.environ.get(KEY_ENV) or not settings.key_file.is_file():
        return None
    mode = settings.key_file.stat().st_mode & 0o777
    if not mode & 0o077:
        return None
    return (
        f"the key file {settings.key_file} may be read by others than its owner (mode {mode:o}): with it "
        f"pseudonyms can be turned back into personnummer; make it owner-only: chmod 600 {settings.key_file}"
    )


def create_key_file(path: Path) -> bool:
    """Write a new random key (mode 600) unless one exists; True when it was created."""
    if path.exists():
        return False
    from indicators import private

    private.mkdir(path.parent)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, private.FILE_MODE)
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32) + "\n")
    return True
