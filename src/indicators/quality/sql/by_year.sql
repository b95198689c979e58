{#-
    The by_year profile: one row per final academic year within the current rows' span (see
    frames.by_year_sql). The academic-year rule is the dbt project's own (macros/academic_years.sql).
    Parameters: $coverage_end (a date, or null: the rows' own latest date), $today, $first_year and
    $last_year (the span looked at), $min_previous_rows.
-#}
{%- from 'macros/academic_years.sql' import academic_year_start, academic_year_label -%}
with

current_rows as (
    {{ current_rows }}
),

per_year as (
    select
        {{ academic_year_start(date) }} as year_start,
        count(*) as row_count,
        {% if has_programme %}count(*) filter (where programme_code is null){% else %}0{% endif %}
            as null_programme_rows
    from current_rows
    where {{ date }} is not null
    group by all
),

reach as (
    -- how far the rows are complete: the coverage end (else the rows' latest date), never after the run's date
    select least(
        coalesce(cast($coverage_end as date), (select max({{ date }}) from current_rows)),
        cast($today as date)
    ) as end_date
),

first_open_year as (
    -- the first academic year not over on that day: the one the day after it falls in
    select {{ academic_year_start('(end_date + 1)') }} as year_start
    from reach
),

bounds as (
    select
        min(year_start) as first_year,
        max(year_start) as last_year
    from per_year
    where
        year_start between $first_year and $last_year
        and year_start < (select first_open_year.year_start from first_open_year)
),

span as (
    select unnest(range(first_year, last_year + 1)) as year_start
    from bounds
    where first_year is not null
),

years as (
    select
        span.year_start,
        coalesce(per_year.row_count, 0) as row_count,
        coalesce(per_year.null_programme_rows, 0) as null_programme_rows,
        lag(coalesce(per_year.row_count, 0)) over (order by span.year_start) as previous_year_rows
    from span
    left join per_year on per_year.year_start = span.year_start
),

ratios as (
    select
        *,
        case when previous_year_rows >= $min_previous_rows then row_count / previous_year_rows end
            as rows_vs_previous_year
    from years
)

select
    {{ academic_year_label('year_start') }} as academic_year,
    row_count,
    previous_year_rows,
    rows_vs_previous_year,
    case when year_start = (select max(year_start) from years) then rows_vs_previous_year end
        as latest_rows_vs_previous_year,
    {% if has_programme %}case when row_count > 0 then null_programme_rows / row_count end{% else %}null{% endif %}
        as null_programme_code_share
from ratios
order by year_start
