{#- The pieces both frame queries use. -#}
{%- from 'macros/latest_version.sql' import latest_version -%}

{#- source and latest: the raw table and its current rows, by the staging models' own rule
    (macros/latest_version.sql: per business key, the latest file's last row). -#}
{% macro current_rows_ctes(table, keys) -%}
source as (
    select * from raw.{{ table }}
),

latest as (
    {{ latest_version('source', keys) }}
)
{%- endmacro %}

{#- A select list: (quoted name, expression or none) pairs; a derived column is "expression as name". -#}
{% macro select_list(columns) -%}
    {%- for name, expression in columns %}
    {% if expression is not none %}{{ expression }} as {% endif %}{{ name }},
    {%- endfor %}
{%- endmacro %}
