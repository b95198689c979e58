{#
    Generic test: rules every row of a view must satisfy, checked in one scan (one test node per
    model instead of one per column). `rules` maps a name to a boolean SQL expression; a row fails
    a rule where the expression is false (NULL passes, as in a CHECK constraint, so a not-null
    rule is written `column is not null`). Returns one row per failing rule with the number of
    rows failing it; the test's failure count is the number of failing rows.
    Tables have enforced contracts instead (constraints: not_null, check); views cannot.
#}
{% test row_checks(model, rules) %}

{{ config(fail_calc='coalesce(sum(failing_rows), 0)') }}

    with

    counts as (
        select
            {% for name, expression in rules.items() %}
            count(*) filter (where not ({{ expression }})) as {{ name }},
            {% endfor %}
        from {{ model }}
    ),

    per_rule as (
        unpivot counts on columns(*) into name rule value failing_rows
    )

    select * from per_rule
    where failing_rows > 0

{% endtest %}
