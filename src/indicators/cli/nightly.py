"""``indicators nightly``, ``ingest`` and ``rebuild``: the commands that run the nightly pipeline."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from indicators.cli.common import AddCommand, _settings
from indicators.config import CONFIG_FILE, ConfigError, Settings, create_key_file


def _demo_key(settings: Settings) -> None:
    import os

    from indicators.config import KEY_ENV

    if os.environ.get(KEY_ENV):
        return
    if create_key_file(settings.key_file):
        print(
            f"demo: created a local pseudonymisation key at {settings.key_file} (outside version control; "
            "for production set INDICATORS_PSEUDONYMISATION_KEY or keep the key file safe)"
        )


def _check_contract(settings: Settings) -> None:
    """Every pipelines/*.yml fits its schema before anything runs (else one line, exit 1)."""
    from indicators.sources import load_sources

    load_sources(settings.pipelines_dir)


def cmd_nightly(args: argparse.Namespace, stop_after: str | None = None) -> int:
    from indicators import nightly

    settings = _settings(args)
    _check_inbox(settings)
    _check_contract(settings)
    if getattr(args, "demo", False):
        _demo_key(settings)
        import os

        from indicators.transform import EXAMPLE_PLANS_ENV

        os.environ.setdefault(EXAMPLE_PLANS_ENV, "true")  # the demo shows the fictitious example plan too
    outcome = nightly.run(
        settings,
        with_dbt=not getattr(args, "skip_dbt", False),
        with_quality=not getattr(args, "skip_quality", False),
        wait_seconds=getattr(args, "wait", 0.0),
        quiet=args.quiet,
        stop_after=stop_after,
    )
    print(nightly.format_summary(outcome, settings))
    return outcome.exit_code


def _check_inbox(settings: Settings) -> None:
    """No inbox folder, or one the run may not list: say which one was looked for and how to point
    the run at one, or how to let it read it (nothing run)."""
    if settings.inbox.is_dir():
        try:
            os.listdir(settings.inbox)
        except OSError as exc:  # its mode or owner (another account's umask 077)
            raise ConfigError(
                f"the inbox {settings.inbox} cannot be listed ({exc.strerror or type(exc).__name__}); nothing "
                f"was run. Give the nightly's user read and search access to it (chmod u+rx {settings.inbox}, "
                "or through its group)"
            ) from None
        return
    found = "is not a folder" if settings.inbox.exists() else "does not exist"
    raise ConfigError(
        f"the inbox {settings.inbox} {found}; nothing was run. Point the run at the exports' folder with "
        f"--inbox DIR, INDICATORS_INBOX=DIR or `inbox:` in {settings.root / CONFIG_FILE}, "
        "or load the bundled sample with --demo"
    )


def cmd_ingest(args: argparse.Namespace) -> int:
    return cmd_nightly(args, stop_after="ingest")


def cmd_rebuild(args: argparse.Namespace) -> int:
    from dataclasses import replace

    from indicators import nightly

    settings = _settings(args)
    _check_contract(settings)
    if args.archive:
        settings = replace(settings, archive_dir=Path(args.archive).resolve())
    outcome = nightly.run(settings, wait_seconds=args.wait, quiet=args.quiet, rebuild=True)
    print(nightly.format_summary(outcome, settings))
    return outcome.exit_code


def add_nightly(add: AddCommand) -> None:
    """``nightly`` and ``ingest``, which take the same arguments."""
    for name, help_text, func in (
        ("nightly", "ingest the inbox, run the checks and dbt build, and publish the warehouse", cmd_nightly),
        (
            "ingest",
            "ingest the inbox into raw and audit tables and publish them (no dbt, no checks)",
            cmd_ingest,
        ),
    ):
        p = add(name, help_text, func)
        p.add_argument("--inbox", help="folder with the exports (default: the configured inbox)")
        p.add_argument("--warehouse", help="the published warehouse file (default: the configured one)")
        p.add_argument(
            "--demo",
            action="store_true",
            help="use the bundled sample exports and create a local demo key if none exists",
        )
        p.add_argument(
            "--wait",
            type=float,
            default=0.0,
            metavar="SECONDS",
            help="wait this long for another run to finish instead of refusing at once",
        )
        p.add_argument("--quiet", "-q", action="store_true", help="only the summary")
        if name == "nightly":
            p.add_argument("--skip-dbt", action="store_true", help=argparse.SUPPRESS)
            p.add_argument("--skip-quality", action="store_true", help=argparse.SUPPRESS)


def add_rebuild(add: AddCommand) -> None:
    p = add(
        "rebuild",
        "recreate the warehouse from the pseudonymised archive alone (seeds, checks, dbt build, "
        "publish); the remedy for a damaged published file",
        cmd_rebuild,
    )
    p.add_argument(
        "--archive", help="the archive folder (default: the configured archive_dir, beside the warehouse)"
    )
    p.add_argument("--warehouse", help="the warehouse file to (re)create (default: the configured one)")
    p.add_argument(
        "--wait",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="wait this long for another run to finish instead of refusing at once",
    )
    p.add_argument("--quiet", "-q", action="store_true", help="only the summary")
