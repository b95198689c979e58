{#
    Tables and views are replaced in place, inside the model's transaction (DuckDB's DDL is
    transactional: a failed build leaves the old relation as it was). dbt's default materializations
    build beside the old relation and swap it in with two renames and a drop after the commit
    (written for databases whose DDL is not transactional): three more statements a node.
#}
{% materialization table, adapter="duckdb", supported_languages=["sql"] %}
    {{ return(replace_in_transaction(this.incorporate(type="table"))) }}
{% endmaterialization %}

{% materialization view, adapter="duckdb" %}
    {{ return(replace_in_transaction(this.incorporate(type="view"))) }}
{% endmaterialization %}

{# The old relation (if any) dropped and the new table or view created by the model's main
   statement, in one transaction, with the model's hooks around them (adapter.drop_relation would
   build a whole macro context for the drop: about a tenth of a small build). #}
{% macro replace_in_transaction(target_relation) %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% if existing_relation is not none %}
        {% do adapter.cache_dropped(existing_relation) %}
    {% endif %}
    {% call statement("main") -%}
        {% if existing_relation is not none -%}
            drop {{ existing_relation.type }} if exists {{ existing_relation }} cascade;
        {% endif %}
        {% if target_relation.is_table %}
            {{- create_table_as(False, target_relation, compiled_code) }}
        {% else %}
            {{ get_create_view_as_sql(target_relation, compiled_code) }}
        {% endif %}
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({"relations": [target_relation]}) }}
{% endmacro %}
