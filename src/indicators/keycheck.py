"""Is this run's pseudonymisation key the one the archive and the warehouse were made with?

Another key gives every person another pseudonym, and nothing in the rows shows it: a warehouse fed
by two keys counts each person re-delivered under the new one twice, and links between sources
(graduates with a stay abroad, say) break without a word. It happens by accident: the key file
opened and saved again in an editor (a byte-order mark or a line end added), the environment variable
set in one shell and not in another (it overrides the file), a key file lost and made anew.

So the first publish writes a *check value* of its key beside the archive (``key_check.json``: the
first 16 hex digits of ``HMAC-SHA256(key, "indicators key check")``; it cannot give the key back),
and every later run that would pseudonymise rows compares its own key's value with it before
anything is read: a different key stops the run (exit 1) with one line naming the cause and the
fixes. An archive written before the check existed adopts the key of its next publish.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

from indicators import private

FILE = "key_check.json"
_LABEL = b"indicators key check"


class KeyMismatch(Exception):
    """This run's key is not the one the archive and warehouse were pseudonymised with."""


def check_value(key: bytes) -> str:
    return hmac.new(key, _LABEL, hashlib.sha256).hexdigest()[:16]


def recorded(archive_root: Path) -> str | None:
    """The check value written beside the archive, or None (none written yet, or unreadable)."""
    try:
        return str(json.loads((archive_root / FILE).read_text(encoding="utf-8"))["check"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def verify(archive_root: Path, key: bytes) -> None:
    """Raises :class:`KeyMismatch` when a check value is recorded and this key's differs."""
    expected = recorded(archive_root)
    if expected is None or hmac.compare_digest(expected, check_value(key)):
        return
    raise KeyMismatch(
        f"the pseudonymisation key is not the one the archive and the warehouse were made with (its check "
        f"value {check_value(key)}, recorded {expected} in {archive_root / FILE}): with it every person "
        "would get a second pseudonym. Nothing was read. Use the key they were made with: "
        "INDICATORS_PSEUDONYMISATION_KEY overrides the key_file (set by mistake?), and a key file saved "
        "again by an editor may have gained a byte-order mark; a new key on purpose: move the warehouse "
        "and its archive aside and load every export anew"
    )


def record(archive_root: Path, key: bytes, run_id: str) -> None:
    """Write this key's check value beside the archive, unless one is there (after a publish)."""
    if (archive_root / FILE).exists():
        return
    private.mkdir(archive_root)
    private.write_text(
        archive_root / FILE, json.dumps({"check": check_value(key), "since_run": run_id}) + "\n"
    )
