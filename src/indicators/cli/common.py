"""What the ``indicators`` commands share: the epilog every help page ends with, and the settings
a command runs with (the configured ones, with the paths and the demo switch given on its line)."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

from indicators.config import Settings, load_settings
from indicators.redact import redact_text

_SETTINGS = """settings: pipelines/nightly.yml, overridden by INDICATORS_<SETTING> environment variables;
the pseudonymisation key comes from INDICATORS_PSEUDONYMISATION_KEY or the configured key file."""
# the commands that publish (nightly, ingest, rebuild) and the top-level help
EPILOG = f"""exit codes: 0 ok · 2 ok with warnings (published; see the summary) · 1 failed (nothing published)
{_SETTINGS}
a damaged published warehouse stops the nightly (exit 1): `indicators rebuild` recreates it from the
archive (or set auto_rebuild); back up the archive (`indicators backup DIR`) and, apart from it, the key."""
# every other command: it publishes nothing
EPILOG_OTHER = f"""exit codes: 0 done · 1 failed or refused (one line on stderr says why)
{_SETTINGS}"""
PUBLISHING = frozenset({"nightly", "ingest", "rebuild"})

#: ``add(name, help_text, func)``: adds a subcommand to the ``indicators`` parser and returns its parser.
AddCommand = Callable[[str, str, Callable[[argparse.Namespace], int]], argparse.ArgumentParser]


def _settings(args: argparse.Namespace) -> Settings:
    settings = load_settings()
    inbox = getattr(args, "inbox", None)
    warehouse_file = getattr(args, "warehouse", None)
    if getattr(args, "demo", False):
        settings = _demo_settings(settings)
        if inbox is None:
            inbox = settings.root / "samples" / "inbox"
    return settings.with_paths(
        inbox=Path(inbox) if inbox else None, warehouse=Path(warehouse_file) if warehouse_file else None
    )


def _demo_settings(settings: Settings) -> Settings:
    """The demo loads the bundled sample: retention is off, so that it is never deleted."""
    from dataclasses import replace

    return replace(settings, inbox_retention_days=None)


def at_least(low: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``low`` (the error is argparse's one line)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"{value} is below {low}")
        return value

    return parse


def percent(text: str) -> float:
    """An argparse type: a finite number from 0 to 100."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 100:  # nan fails this too
        raise argparse.ArgumentTypeError(f"{text} is not a finite number from 0 to 100")
    return value


SMALLEST_SCALE = 0.02  # the synthetic sample's smallest size: below it a source's file has no rows


def scale(text: str) -> float:
    """An argparse type: the synthetic sample's size, a finite number from :data:`SMALLEST_SCALE`."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not SMALLEST_SCALE <= value < float("inf"):  # nan fails this too
        raise argparse.ArgumentTypeError(
            f"{text} is not a finite number from {SMALLEST_SCALE} (1 = one faculty's sample)"
        )
    return value


class Redacted:
    """A text stream whose every write goes through the redaction rule: what a command prints (an
    error quoting a setting's value or an argument, a path given with --out, a note) shows no
    personnummer, whichever line of code wrote it. The rest is the stream's own."""

    def __init__(self, stream):
        self.stream = stream

    def write(self, text: str) -> int:
        self.stream.write(redact_text(text))
        return len(text)

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


@contextlib.contextmanager
def redacted_output() -> Iterator[None]:
    """``sys.stdout`` and ``sys.stderr`` through :class:`Redacted` within (a command's whole run)."""
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = Redacted(saved[0]), Redacted(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


@contextlib.contextmanager
def rows_as_stored() -> Iterator[None]:
    """``sys.stdout`` as it was before :func:`redacted_output` within: a query's rows are printed as
    the warehouse holds them (redacted when loaded; a pseudonym's hex, which may hold ten digits in a
    row between letters, is no personnummer to hide)."""
    saved = sys.stdout
    sys.stdout = saved.stream if isinstance(saved, Redacted) else saved
    try:
        yield
    finally:
        sys.stdout = saved
