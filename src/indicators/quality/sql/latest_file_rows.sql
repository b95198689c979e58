{#-
    The rows of the file each current row comes from that hold the same key: the current rows
    (macros/latest_version.sql), and beside them any other row of that file with the key, which
    the staging rule drops. The uniqueness checks are judged here: two rows of one file with the
    same key show as a duplicate. columns: see _parts.sql; hashes: (name, [columns]) pairs, a
    64-bit hash of those columns each.
-#}
{%- from '_parts.sql' import current_rows_ctes, select_list -%}
with

{{ current_rows_ctes(table, keys) }},

latest_file_rows as (
    select source.*
    from source
    semi join latest
        on source._file_id = latest._file_id
        {%- for key in keys %}
        and source.{{ key }} is not distinct from latest.{{ key }}
        {%- endfor %}
),

final as (
    select
        _file_id,
        {{- select_list(columns) | indent(4) }}
    from latest_file_rows
)

select
    *,
    {%- for name, hashed in hashes %}
    hash({{ hashed | join(', ') }}) as {{ name }},
    {%- endfor %}
from final
