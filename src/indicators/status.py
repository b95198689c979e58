"""Recent runs, from the run log (which also records runs that failed or were killed)."""

from __future__ import annotations

import json

from indicators.config import Settings
from indicators.warehouse import process_alive


def recent_runs(settings: Settings, limit: int = 10) -> list[dict]:
    """Newest first; a run that started but never finished, and whose process is gone, is ``killed``;
    a run refused by another run's lock is ``locked``, one ended by SIGTERM ``stopped_by_signal``."""
    log = settings.log_dir / "runs.jsonl"
    if not log.exists():
        return []
    runs: dict[str, dict] = {}
    for line in log.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if not isinstance(record, dict) or not isinstance(record.get("run_id"), str):
            continue  # a torn or foreign line: not a run
        runs.setdefault(record["run_id"], {}).update({k: v for k, v in record.items() if v is not None})
    for run in runs.values():
        if run.get("status") == "running" and not process_alive(run.get("pid")):
            run["status"] = "killed"  # its working copy (in-progress.duckdb) is replaced by the next run
    ordered = sorted(runs.values(), key=lambda r: r.get("started_at", ""), reverse=True)
    return ordered[:limit]
