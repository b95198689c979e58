{#
    Tables and views are replaced in place, inside the model's transaction (DuckDB's DDL is
    transactional: a failed build leaves the old relation as it was). dbt's default materializations
    build beside the old relation and swap it in with two renames and a drop after the commit
    (written for databases whose DDL is not transactional): three more statements a node.
#}
{% materialization table, adapter="duckdb", supported_languages=["sql"] %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type="table") -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% if existing_relation is not none %}
        {% do adapter.ensure_transaction() %}
        {% do adapter.drop_relation(existing_relation) %}
    {% endif %}
    {% call statement("main") -%}
        {{- create_table_as(False, target_relation, compiled_code) }}
    {%- endcall %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {% do persist_docs(target_relation, model) %}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({"relations": [target_relation]}) }}
{% endmaterialization %}

{% materialization view, adapter="duckdb" %}
    {%- set existing_relation = load_cached_relation(this) -%}
    {%- set target_relation = this.incorporate(type="view") -%}
    {{ run_hooks(pre_hooks, inside_transaction=False) }}
    {{ run_hooks(pre_hooks, inside_transaction=True) }}
    {% if existing_relation is not none %}
        {% do adapter.ensure_transaction() %}
        {% do adapter.drop_relation(existing_relation) %}
    {% endif %}
    {% call statement("main") -%}
        {{ get_create_view_as_sql(target_relation, sql) }}
    {%- endcall %}
    {% do persist_docs(target_relation, model) %}
    {{ run_hooks(post_hooks, inside_transaction=True) }}
    {{ adapter.commit() }}
    {{ run_hooks(post_hooks, inside_transaction=False) }}
    {{ return({"relations": [target_relation]}) }}
{% endmaterialization %}
