"""dbt's `var` and `env_var` for sqlfluff's jinja templater (see `.sqlfluff`).

sqlfluff's own dbt builtins render every `var(...)` as the word `item`, which breaks the macros
that compute with a var (`academic_year_reference_date` splits `reference_day`). Here `var` reads
the defaults from `dbt_project.yml`, the one place they are written, so the linted SQL is the SQL
dbt compiles with the defaults; `env_var` gives its default (the lint does not depend on the
environment it runs in).
"""

from pathlib import Path

import yaml

_PROJECT = Path(__file__).resolve().parents[2] / "dbt_project.yml"
_VARS = yaml.safe_load(_PROJECT.read_text(encoding="utf-8")).get("vars") or {}
_MISSING = object()


def var(name, default=_MISSING):
    if name in _VARS:
        return _VARS[name]
    if default is _MISSING:
        raise KeyError(f"var({name!r}) is not in dbt_project.yml and has no default")
    return default


def env_var(name, default=""):
    return default
