{#
    Long indicator rows from one relation, in the shape of indicator_values:
    indicator_id, academic_year, programme_code (NULL = faculty), dimension, dimension_value,
    value, numerator, denominator, unit.

    count_by_dimensions: `value_expr` (an aggregate) for the faculty, per programme (when
    per_programme) and per value of each column in `dimensions` (faculty level), in one
    GROUP BY GROUPING SETS pass. Rows whose programme_code is NULL are faculty-only: they are
    not reported as a programme. A NULL dimension value reads 'unknown'.

    With `measure`, the rows are a secondary measure instead: dimension 'measure',
    dimension_value = measure, for the faculty and (when per_programme) per programme.
#}
{% macro count_by_dimensions(
    relation, indicator_id, value_expr, dimensions=[], per_programme=true, measure=none, unit=none
) %}
    select
        '{{ indicator_id }}' as indicator_id,
        academic_year,
        {% if per_programme %}
        case when grouping(programme_code) = 0 then programme_code end as programme_code,
        {% else %}
        cast(null as varchar) as programme_code,
        {% endif %}
        {% if measure is not none %}
        'measure' as dimension,
        '{{ measure }}' as dimension_value,
        {% elif dimensions | length > 0 %}
        case
            {% for dimension in dimensions %}
            when grouping({{ dimension }}) = 0 then '{{ dimension }}'
            {% endfor %}
        end as dimension,
        case
            {% for dimension in dimensions %}
            when grouping({{ dimension }}) = 0 then coalesce(cast({{ dimension }} as varchar), 'unknown')
            {% endfor %}
        end as dimension_value,
        {% else %}
        cast(null as varchar) as dimension,
        cast(null as varchar) as dimension_value,
        {% endif %}
        cast({{ value_expr }} as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        {% if unit is not none %}'{{ unit }}'{% else %}cast(null as varchar){% endif %} as unit,
    from {{ relation }}
    group by grouping sets (
        (academic_year)
        {% if per_programme %}, (academic_year, programme_code){% endif %}
        {% if measure is none %}{% for dimension in dimensions %}, (academic_year, {{ dimension }}){% endfor %}{% endif %}
    )
    {% if per_programme %}
    having not (grouping(programme_code) = 0 and programme_code is null)
    {% endif %}
{% endmacro %}


{#
    Share rows: 100 * numerator / denominator (NULL when the denominator is 0), for the
    faculty and (when per_programme) per programme. `numerator_expr` and `denominator_expr`
    are aggregates. With `measure`, the rows are a secondary measure (dimension 'measure').
    `indicator_id` none: the relation's own indicator_id column, the rows made per indicator.
#}
{% macro share_rows(
    relation, indicator_id, numerator_expr, denominator_expr, per_programme=true, measure=none, unit='percent'
) %}
    {%- set by = 'indicator_id, ' if indicator_id is none else '' %}
    select
        {% if indicator_id is none %}indicator_id{% else %}'{{ indicator_id }}' as indicator_id{% endif %},
        academic_year,
        {% if per_programme %}
        case when grouping(programme_code) = 0 then programme_code end as programme_code,
        {% else %}
        cast(null as varchar) as programme_code,
        {% endif %}
        {% if measure is not none %}'measure'{% else %}cast(null as varchar){% endif %} as dimension,
        {% if measure is not none %}'{{ measure }}'{% else %}cast(null as varchar){% endif %} as dimension_value,
        cast(100.0 * ({{ numerator_expr }}) / nullif({{ denominator_expr }}, 0) as double) as value,
        cast({{ numerator_expr }} as double) as numerator,
        cast({{ denominator_expr }} as double) as denominator,
        '{{ unit }}' as unit,
    from {{ relation }}
    group by grouping sets (
        ({{ by }}academic_year)
        {% if per_programme %}, ({{ by }}academic_year, programme_code){% endif %}
    )
    {% if per_programme %}
    having not (grouping(programme_code) = 0 and programme_code is null)
    {% endif %}
{% endmacro %}
