"""Fault injection for the crash-safety tests (inert unless a test sets the variables)."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path


def checkpoint(stage: str) -> None:
    """A named point in the run where fault-injection tests can stop it.

    With ``INDICATORS_PAUSE_AT=<stage>`` the run writes ``INDICATORS_PAUSE_FILE`` and sleeps, so a
    test can SIGKILL it at exactly that point. Unset (always, outside tests) this does nothing.

    With ``INDICATORS_FAIL_AT=<stage>`` the run fails there with an OSError, by default as if the disk
    were full (``INDICATORS_FAIL_ERRNO``, default ``ENOSPC``; e.g. ``EIO`` for another failure).
    """
    if os.environ.get("INDICATORS_FAIL_AT") == stage:
        code = getattr(errno, os.environ.get("INDICATORS_FAIL_ERRNO", "ENOSPC"))
        raise OSError(code, f"{os.strerror(code)} (simulated at {stage})")
    if os.environ.get("INDICATORS_PAUSE_AT") != stage:
        return
    marker = os.environ.get("INDICATORS_PAUSE_FILE")
    if marker:
        Path(marker).write_text(str(os.getpid()))
    time.sleep(float(os.environ.get("INDICATORS_PAUSE_SECONDS", "600")))
