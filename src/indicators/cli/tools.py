"""``indicators sample``, ``bench`` and ``generate``: synthetic data, benchmarks, and the files
generated from the source contract."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from indicators.cli.common import AddCommand, scale


def cmd_sample(args: argparse.Namespace) -> int:
    from indicators.sample import generate

    out = Path(args.out)
    files = generate(out, scale=args.scale, seed=args.seed, progress=None if args.quiet else print)
    print(f"wrote {len(files)} files to {out}")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from indicators import bench

    try:
        result = bench.run_bench(
            args.scale, seed=args.seed, work_dir=Path(args.work_dir) if args.work_dir else None
        )
    except bench.BenchError as exc:  # at a scale below 0.1 the sample is too thin for its own checks
        print(f"error: {exc} (at --scale {args.scale:g}; a scale of 0.1 or more publishes)", file=sys.stderr)
        return 1
    print(bench.format_table(result))
    if args.json:
        bench.write_json(result, Path(args.json))
        print(f"wrote {args.json}")
    return 0


def cmd_generate(args: argparse.Namespace) -> int:
    from indicators import contracts
    from indicators.config import project_root

    root = Path(args.root).resolve() if args.root else project_root()
    try:
        if args.check:
            differing = contracts.differing(root)
            for path in differing:
                print(f"generate: {path} differs from what `indicators generate` writes", file=sys.stderr)
            return 1 if differing else 0
        written, removed = contracts.write(root)
    except contracts.ContractError as exc:
        print(f"generate: {exc}", file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path}")
    for path in removed:
        print(f"removed {path} (no pipelines file for its source)")
    if not written and not removed:
        print("generate: every generated file is up to date")
    return 0


def cmd_check_config(args: argparse.Namespace) -> int:
    """Every pipelines/*.yml against its schema, the settings (nightly.yml + INDICATORS_*) and the
    hand-kept checks (expectations/thresholds.yml)."""
    from indicators import contracts
    from indicators.config import load_settings, project_root
    from indicators.crosswalk import load_crosswalk
    from indicators.sources import load_sources

    root = Path(args.root).resolve() if args.root else project_root()
    specs = load_sources(root / "pipelines")  # one line and exit 1 on the first mistake (main)
    load_crosswalk(load_settings(root))  # the crosswalk file too, when one is set
    if (root / contracts.THRESHOLDS).exists():  # the hand-kept checks, as `indicators generate` reads them
        try:
            contracts.generate(root)
        except contracts.ContractError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
    profiles = sum(len(spec.profiles) for spec in specs)
    print(f"check-config: {len(specs)} sources, {profiles} profiles and the settings are valid")
    return 0


def add_check_config(add: AddCommand) -> None:
    p = add(
        "check-config",
        "validate pipelines/*.yml (the source contract), the settings and expectations/thresholds.yml; exit 1 with one line on a mistake",
        cmd_check_config,
    )
    p.add_argument("--root", help="the project folder (default: INDICATORS_HOME or this checkout)")


def add_sample(add: AddCommand) -> None:
    p = add("sample", "write synthetic sample exports (every source) to a folder", cmd_sample)
    p.add_argument("--out", required=True, help="folder to write the exports to")
    p.add_argument("--scale", type=scale, default=1, help="1 = one faculty; 100 = about a million stays")
    p.add_argument("--seed", type=int, default=2019, help="random seed (same seed, same files)")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")


def add_bench(add: AddCommand) -> None:
    p = add("bench", "benchmark a full and an unchanged nightly against bare-DuckDB floors", cmd_bench)
    p.add_argument(
        "--scale", type=scale, default=1, help="1 = one faculty; 100 = about a million stays; 0.1 at least"
    )
    p.add_argument(
        "--seed", type=int, default=2019, help="random seed of the synthetic exports (default 2019)"
    )
    p.add_argument("--json", help="also write the results as JSON to this file")
    p.add_argument(
        "--work-dir", help="keep the generated data and warehouse here (default: a temporary folder)"
    )


def add_generate(add: AddCommand) -> None:
    p = add(
        "generate",
        "write the dbt sources YAML and the GX suites from the source contract (pipelines/*.yml)",
        cmd_generate,
    )
    p.description = (
        "Write models/staging/_staging__sources.yml and expectations/raw_<source>.json from pipelines/<source>.yml\n"
        "(fields, types, enum values, business key, required fields), merged with the hand-kept parts:\n"
        "expectations/thresholds.yml (ranges, by-year thresholds, derived columns, severities and whys that\n"
        "differ from the default) and pipelines/warehouse_tables.yml (metadata and audit columns). Edit those\n"
        "and regenerate; never edit a generated file."
    )
    p.epilog = (
        "exit codes: 0 written, or (--check) every file up to date · 1 a file differs (--check), or a "
        "hand-kept file does not fit the contract"
    )
    p.add_argument(
        "--check",
        action="store_true",
        help="write nothing; exit 1 and name each file that differs from what would be written "
        "(for CI), exit 0 when all are up to date",
    )
    p.add_argument("--root", help="the project folder (default: INDICATORS_HOME or this checkout)")
