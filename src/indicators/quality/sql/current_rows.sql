{#-
    The current rows of a raw table: the rows the staging models publish (see _parts.sql).
    table and keys are quoted identifiers; columns: see _parts.sql.
-#}
{%- from '_parts.sql' import current_rows_ctes, select_list -%}
with

{{ current_rows_ctes(table, keys) }}

select {{- select_list(columns) }}
from latest
