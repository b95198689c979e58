"""The house's key rule for dbt-bouncer (see dbt-bouncer.yml): every model states its key.

A model's key is stated by a uniqueness test (`unique` on a column, or the project's
`unique_combination` on the model) or by a `primary_key`/`unique` constraint, on a column or on
the model (what an enforced contract builds into the table). dbt-bouncer's own checks take one of
the two each (`check_model_has_unique_test`, `check_model_has_constraints`); this one takes either.
"""

from dbt_bouncer.check_framework.decorator import check, fail

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
    for test in ctx.tests_by_attached_node.get(model.unique_id, []):
        metadata = getattr(test, "test_metadata", None)
        if metadata is not None and getattr(metadata, "name", None) in accepted:
            return
    if _constraint_types(model.constraints) & _KEY_CONSTRAINTS:
        return
    for column in (model.columns or {}).values():
        if _constraint_types(getattr(column, "constraints", None)) & _KEY_CONSTRAINTS:
            return
    fail(
        f"`{model.name}` states no key: add a `unique`/`unique_combination` test or a "
        "`primary_key`/`unique` constraint"
    )
