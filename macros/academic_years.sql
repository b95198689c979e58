{#
    Academic-year arithmetic. An academic year YYYY/YY runs 1 July YYYY - 30 June YYYY+1
    and is written '2019/20'. Its "start year" is the integer YYYY.
#}

{# The start year (integer) of the academic year a date falls in. #}
{% macro academic_year_start(date_expr) -%}
    (year({{ date_expr }}) - case when month({{ date_expr }}) < 7 then 1 else 0 end)
{%- endmacro %}

{# A start year (integer expression) as a label: 2019 -> '2019/20'. #}
{% macro academic_year_label(start_year_expr) -%}
    (cast({{ start_year_expr }} as varchar) || '/' || right(cast(({{ start_year_expr }}) + 1 as varchar), 2))
{%- endmacro %}

{# The academic year ('2019/20') a date falls in: 2019-06-30 -> '2018/19', 2019-07-01 -> '2019/20'. #}
{% macro academic_year(date_expr) -%}
    {{ academic_year_label(academic_year_start(date_expr)) }}
{%- endmacro %}

{# The start year (integer) of an academic-year label: '2019/20' -> 2019. #}
{% macro academic_year_start_of(label_expr) -%}
    cast(left({{ label_expr }}, 4) as integer)
{%- endmacro %}

{# A Ladok term as an academic year: HT2019 -> '2019/20', VT2020 -> '2019/20'. #}
{% macro term_academic_year(term_expr) -%}
    case
        when upper(left({{ term_expr }}, 2)) = 'HT'
            then {{ academic_year_label('cast(substr(' ~ term_expr ~ ', 3, 4) as integer)') }}
        when upper(left({{ term_expr }}, 2)) = 'VT'
            then {{ academic_year_label('cast(substr(' ~ term_expr ~ ', 3, 4) as integer) - 1') }}
    end
{%- endmacro %}

{# The first and last day of an academic year given as a label. #}
{% macro academic_year_first_date(label_expr) -%}
    make_date({{ academic_year_start_of(label_expr) }}, 7, 1)
{%- endmacro %}

{% macro academic_year_last_date(label_expr) -%}
    make_date({{ academic_year_start_of(label_expr) }} + 1, 6, 30)
{%- endmacro %}

{#
    The reference date of an academic year: var('reference_day') (MM-DD, default 10-15)
    within the year, i.e. in YYYY for July-December days and in YYYY+1 for January-June days.
#}
{% macro reference_date(label_expr) -%}
    {%- set parts = (var('reference_day') | string).split('-') -%}
    {%- set ref_month = parts[0] | int -%}
    {%- set ref_day = parts[1] | int -%}
    make_date(
        {{ academic_year_start_of(label_expr) }} + {{ 0 if ref_month >= 7 else 1 }},
        {{ ref_month }},
        {{ ref_day }}
    )
{%- endmacro %}

{#
    The last day of a deadline given in the catalogue: an academic year '2024/25' ends
    2025-06-30; a calendar year '2021' ends 2021-12-31.
#}
{% macro deadline_date(deadline_expr) -%}
    case
        when {{ deadline_expr }} is null or trim(cast({{ deadline_expr }} as varchar)) = '' then null
        when cast({{ deadline_expr }} as varchar) like '____/__'
            then {{ academic_year_last_date('cast(' ~ deadline_expr ~ ' as varchar)') }}
        else make_date(cast(left(cast({{ deadline_expr }} as varchar), 4) as integer), 12, 31)
    end
{%- endmacro %}

{#
    The run's date: INDICATORS_RUN_DATE (YYYY-MM-DD) when set (tests: a run "on" another day), else
    today. Coverage never reaches past it, whatever an export's file name or its planned stays say.
    An environment variable, not a var: it is read when the SQL is compiled, so a new date does not
    make the parsed project stale (a new var would parse it all again). Anything but YYYY-MM-DD stops
    the build with one line: nothing else is pasted into the SQL.
#}
{% macro run_date() -%}
    {%- set given = env_var('INDICATORS_RUN_DATE', '') | trim -%}
    {%- if given and not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', given) -%}
        {{ exceptions.raise_compiler_error(
            "INDICATORS_RUN_DATE is not a date YYYY-MM-DD: set it as 2021-03-01, or unset it (the run's date is then today)"
        ) }}
    {%- endif -%}
    {%- if given -%}
        cast('{{ given }}' as date)
    {%- else -%}
        current_date
    {%- endif -%}
{%- endmacro %}
