{#
    Generic test: the combination of `columns` is unique, NULLs compared as equal
    (dbt's unique test and `group by` differ on NULLs; this one groups, so NULL = NULL).
    Returns one row per duplicated combination.
#}
{% test unique_combination(model, columns) %}

    select
        {% for column in columns %}{{ column }},{% endfor %}
        count(*) as n_rows
    from {{ model }}
    group by all
    having count(*) > 1

{% endtest %}
