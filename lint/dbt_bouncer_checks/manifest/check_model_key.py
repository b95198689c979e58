"""The house's key rule for dbt-bouncer (see dbt-bouncer.yml): every model states its key.

A model's key is stated by a uniqueness test (`unique` on a column, or the project's
`unique_combination` on the model) or by a `primary_key`/`unique` constraint, on a column or on
the model (what an enforced contract builds into the table). dbt-bouncer's own checks take one of
the two each (`check_model_has_unique_test`, `check_model_has_constraints`); this one takes either.

A key can also have its one home elsewhere (docs/checks.md): the model's `meta` says
`key: [columns]` and `key_checked_by:` one of
- `expectations/raw_<source>.json`: the GX suite checks it on the raw table's current rows, which are
  the rows a staging view publishes; the suite must hold a unique (or compound unique) expectation
  on exactly those columns;
- `model:<name>`: a model that passes these rows through states the same key (a union of several
  models, or the staging model an enriched one adds columns to); that model must pass this check;
- `audit.<table>`: the warehouse's own table declares it as its primary key (`warehouse.AUDIT_TABLES`).
"""

import json
import re
from pathlib import Path

from dbt_bouncer.check_framework.decorator import check, fail

_ROOT = Path(__file__).resolve().parents[3]

_KEY_CONSTRAINTS = {"primary_key", "unique"}


def _constraint_types(constraints) -> set[str]:
    types = set()
    for constraint in constraints or []:
        kind = getattr(constraint, "type", None)
        types.add(kind.value if hasattr(kind, "value") else str(kind))
    return types


@check
def check_model_has_key(model, ctx, *, key_tests: list[str] | None = None):
    """Models must have a uniqueness test or a primary_key/unique constraint.

    Parameters:
        key_tests (list[str]): names of the generic tests that state a key (default: `unique`
            and `unique_combination`).
    """
    accepted = set(key_tests or ["unique", "unique_combination"])
    if _states_key(model, ctx, accepted):
        return
    meta = model.meta or getattr(model.config, "meta", None) or {}
    if meta.get("key_checked_by"):
        problem = _key_home_problem(model, ctx, accepted, list(meta.get("key") or []), meta["key_checked_by"])
        if problem:
            fail(f"`{model.name}`: {problem}")
        return
    fail(
        f"`{model.name}` states no key: add a `unique`/`unique_combination` test, a "
        "`primary_key`/`unique` constraint, or `meta: {key: [...], key_checked_by: ...}`"
    )


def _states_key(model, ctx, accepted: set[str]) -> bool:
    for test in ctx.tests_by_attached_node.get(model.unique_id, []):
        metadata = getattr(test, "test_metadata", None)
        if metadata is not None and getattr(metadata, "name", None) in accepted:
            return True
    if _constraint_types(model.constraints) & _KEY_CONSTRAINTS:
        return True
    return any(
        _constraint_types(getattr(column, "constraints", None)) & _KEY_CONSTRAINTS
        for column in (model.columns or {}).values()
    )


def _key_home_problem(model, ctx, accepted, key: list[str], home: str) -> str | None:
    if not key:
        return "meta.key_checked_by needs meta.key (the key's columns)"
    if home.startswith("expectations/"):
        path = _ROOT / home
        if not path.is_file():
            return f"{home} does not exist"
        for expectation in json.loads(path.read_text(encoding="utf-8"))["expectations"]:
            kwargs = expectation["kwargs"]
            if expectation["type"] == "expect_column_values_to_be_unique" and [kwargs.get("column")] == key:
                return None
            if (
                expectation["type"] == "expect_compound_columns_to_be_unique"
                and kwargs.get("column_list") == key
            ):
                return None
        return f"{home} has no uniqueness expectation on {key}"
    if home.startswith("model:"):
        name = home.removeprefix("model:")
        other = next((m for m in ctx.models if m.name == name), None)
        if other is None:
            return f"no model {name}"
        if not _states_key(other, ctx, accepted) and not (other.meta or {}).get("key_checked_by"):
            return f"{name} states no key either"
        return None
    if home.startswith("audit."):
        ddl = (_ROOT / "src/indicators/warehouse.py").read_text(encoding="utf-8")
        table = home.removeprefix("audit.")
        block = re.search(rf'"{table}": """(.*?)"""', ddl, re.S)
        if block and re.search(rf"\b{key[0]}\b[^,\n]*primary key", block.group(1)):
            return None
        return f"audit.{table} declares no primary key {key} in warehouse.AUDIT_TABLES"
    return f"unknown key_checked_by {home!r}"
