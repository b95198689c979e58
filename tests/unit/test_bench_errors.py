"""`indicators bench` at a scale too thin for the sample's own checks: one line, exit 1."""

from __future__ import annotations

import argparse

from indicators import bench
from indicators.cli.tools import cmd_bench


def test_a_night_of_the_bench_that_does_not_publish_is_one_line(monkeypatch, capsys):
    # --scale 0.05 ended with a RuntimeError's traceback: the sample's nightly failed its own checks
    # (three indicator models skipped). The message is the bench's own (run by hand at 0.05, above)
    def thin(*_args, **_kwargs):
        raise bench.BenchError("the benchmark's nightly did not publish: error-level checks failed; []")

    monkeypatch.setattr(bench, "run_bench", thin)
    done = cmd_bench(argparse.Namespace(scale=0.05, seed=2019, work_dir=None, json=None))
    out, err = capsys.readouterr()
    assert done == 1 and out == ""
    assert err == (
        "error: the benchmark's nightly did not publish: error-level checks failed; [] (at --scale 0.05; "
        "a scale of 0.1 or more publishes)\n"
    )
