"""``indicators backup`` and ``keygen``: looking after the warehouse, the archive and the key."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indicators.cli.common import AddCommand, _settings
from indicators.config import create_key_file, load_settings


def cmd_backup(args: argparse.Namespace) -> int:
    from indicators.backup import BackupError, backup
    from indicators.warehouse import LockBusy

    settings = _settings(args)
    try:
        backup(settings, Path(args.dir), wait_seconds=args.wait)
    except (BackupError, LockBusy, OSError) as exc:
        print(f"backup: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_keygen(args: argparse.Namespace) -> int:
    settings = load_settings()
    path = Path(args.out) if args.out else settings.key_file
    if create_key_file(path):
        print(f"wrote a new pseudonymisation key to {path} (mode 600); keep it out of version control")
        return 0
    print(f"{path} exists; not overwritten (a new key gives every person a new pseudonym)", file=sys.stderr)
    return 1


def add_backup(add: AddCommand) -> None:
    p = add(
        "backup",
        "copy the published warehouse and the archive to a folder, consistently, and verify the copy "
        "(not the key: keep it apart)",
        cmd_backup,
    )
    p.add_argument("dir", help="the backup folder (the archive is copied incrementally)")
    p.add_argument("--warehouse", help="the published warehouse file (default: the configured one)")
    p.add_argument(
        "--wait",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="wait this long for a run that holds the lock (default 600)",
    )


def add_keygen(add: AddCommand) -> None:
    p = add("keygen", "create a new random pseudonymisation key file (never overwrites)", cmd_keygen)
    p.add_argument("--out", help="where to write it (default: the configured key_file)")
