{#-
    The current rows of a raw table: the rows the staging models publish, chosen by their own rule
    (macros/latest_version.sql: per business key, the latest file's last row).
    table and keys are quoted identifiers; columns: see _columns.sql.
-#}
{%- from 'macros/latest_version.sql' import latest_version -%}
{%- from '_columns.sql' import select_list -%}
with

source as (
    select * from raw.{{ table }}
),

latest as (
    {{ latest_version('source', keys) }}
)

select {{- select_list(columns) }}
from latest
