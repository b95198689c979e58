{#
    A plan seed (plans, plan_targets, plan_indicators): the production rows of seeds/, and, when
    var('example_plans') is true (the demo: `indicators nightly --demo` sets it), the fictitious
    example plan of seeds/examples/ (example_<name>) beside them. A production run leaves the
    example seeds disabled (dbt_project.yml), so its warehouse holds only the real plans.
#}
{% macro plan_seed(name) -%}
    {%- if var('example_plans', false) in (true, 'true', 'True', '1') -%}
        (select * from {{ ref(name) }} union all by name select * from {{ ref('example_' ~ name) }})
    {%- else -%}
        {{ ref(name) }}
    {%- endif -%}
{%- endmacro %}
