{#- A select list: (quoted name, expression or none) pairs; a derived column is "expression as name". -#}
{% macro select_list(columns) -%}
    {%- for name, expression in columns %}
    {% if expression is not none %}{{ expression }} as {% endif %}{{ name }},
    {%- endfor %}
{%- endmacro %}
