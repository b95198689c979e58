"""The ``indicators`` command line.

Exit codes: 0 success; 2 success with warnings (published, but something needs a look);
1 failure (nothing published / the command could not do its job).

The parser is put together here; each command's arguments and body live in the module of its group:
``nightly`` (nightly, ingest, rebuild), ``admin`` (backup, keygen), ``query`` (status, sql), ``export``
(export, report, audit) and ``tools`` (sample, bench, generate); ``common`` has what they share.
"""

from __future__ import annotations

import argparse
import sys

from indicators import __version__
from indicators.cli import admin, export, nightly, query, tools
from indicators.cli.common import EPILOG, EPILOG_OTHER, PUBLISHING, _settings, redacted_output
from indicators.config import ConfigError
from indicators.source_schema import ContractFileError

# ``_settings`` and ``EPILOG`` stay importable from ``indicators.cli``, where they were before the split
__all__ = ["EPILOG", "_settings", "build_parser", "main"]


class _Parser(argparse.ArgumentParser):
    """A wrong argument is one line and exit 1 (argparse's usage and exit 2 would read as "published
    with warnings" to systemd and cron)."""

    def error(self, message: str):
        self.exit(1, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="indicators",
        description="The internationalisation indicator warehouse: nightly ingest, indicators, checks, exports.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"indicators {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(name: str, help_text: str, func) -> argparse.ArgumentParser:
        p = sub.add_parser(
            name,
            help=help_text,
            description=help_text,
            epilog=EPILOG if name in PUBLISHING else EPILOG_OTHER,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        p.set_defaults(func=func)
        return p

    # the order here is the order of the commands in ``indicators --help``
    for add_command in (
        nightly.add_nightly,
        nightly.add_rebuild,
        admin.add_backup,
        tools.add_sample,
        query.add_status,
        query.add_sql,
        export.add_export,
        export.add_report,
        export.add_audit,
        tools.add_bench,
        tools.add_generate,
        tools.add_check_config,
        admin.add_keygen,
    ):
        add_command(add)
    return parser


def main(argv: list[str] | None = None) -> int:
    # every line a command prints goes through the redaction rule: an error quotes the value of a
    # setting (INDICATORS_REFERENCE_DAY=19000101-98NN), an argument (--programme, --as-of) or a path
    with redacted_output():
        return _run(argv)


def _run(argv: list[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ConfigError, ContractFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a folder given that cannot be written, a file that cannot be read
        where = f": {exc.filename}" if exc.filename else ""
        print(f"error: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except Exception as exc:
        import duckdb

        if not isinstance(exc, duckdb.IOException):
            raise
        # a warehouse file that is not one (or is damaged): DuckDB's message, in one line
        print(f"error: {query.one_line(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 1
