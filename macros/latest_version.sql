{#
    The latest version of every business key in a raw table that keeps history: the row of the
    latest file (the highest _file_id) and, within it, the last row. One rule for every staging
    model (the keys are each source's business_key in pipelines/<source>.yml).
#}
{% macro latest_version(relation, keys) -%}
    select *
    from {{ relation }}
    qualify row_number() over (
        partition by {{ keys | join(', ') }}
        order by _file_id desc, _row_number desc
    ) = 1
{%- endmacro %}
