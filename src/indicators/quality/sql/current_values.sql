{#-
    The distinct values of the current rows (see current_rows.sql), one column beside the other,
    each with the number of current rows holding it: the frame the value checks are judged on
    (see frames.py, "Value checks"). columns: see _parts.sql; checked: (quoted column, quoted
    weight column, by_value) triples. A column checked for nulls only (by_value false) is grouped
    by whether it is null, and holds one real value for the rows that are not. Row n holds each
    column's n-th most frequent value; a column with fewer values than the longest repeats its most
    frequent one with weight 0, so every column holds only values of its own.
-#}
{%- from '_parts.sql' import current_rows_ctes, select_list -%}
with

{{ current_rows_ctes(table, keys) }},

current_rows as materialized (
    select {{- select_list(columns) | indent(4) }}
    from latest
),
{% for column, weight, by_value in checked %}
values_{{ loop.index }} as (
    select
        {% if by_value %}{{ column }}{% else %}any_value({{ column }}){% endif %} as value,
        count(*) as weight,
        row_number() over (
            order by count(*) desc, {% if by_value %}{{ column }}{% else %}{{ column }} is null{% endif %} nulls last
        ) as position
    from current_rows
    group by {% if by_value %}{{ column }}{% else %}{{ column }} is null{% endif %}
),
{% endfor %}
positions as (
    select unnest(range(1, greatest(
        {%- for _ in checked %}(select count(*) from values_{{ loop.index }}){{ ", " if not loop.last }}{% endfor -%}
    ) + 1)) as position
)

select
    {%- for column, weight, by_value in checked %}
    case
        when values_{{ loop.index }}.position is null
            then (select value from values_{{ loop.index }} where position = 1)
        else values_{{ loop.index }}.value
    end as {{ column }},
    coalesce(values_{{ loop.index }}.weight, 0) as {{ weight }},
    {%- endfor %}
from positions
{%- for _ in checked %}
left join values_{{ loop.index }} on values_{{ loop.index }}.position = positions.position
{%- endfor %}
order by positions.position
