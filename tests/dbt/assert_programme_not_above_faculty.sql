{{ config(severity='error') }}
-- No programme's count exceeds the faculty's for the same indicator, year and measure:
-- the faculty counts every person / stay / activity a programme counts (distinct persons
-- included). Shares and rates (rows with a denominator) are excluded.
with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

counts as (
    select *
    from indicator_values
    where denominator is null
        and (dimension is null or dimension = 'measure')
),

final as (
    select
        programme_rows.indicator_id,
        programme_rows.academic_year,
        programme_rows.programme_code,
        programme_rows.dimension_value,
        programme_rows.value as programme_value,
        faculty_rows.value as faculty_value,
    from counts as programme_rows
    left join counts as faculty_rows
        on programme_rows.indicator_id = faculty_rows.indicator_id
        and programme_rows.academic_year = faculty_rows.academic_year
        and coalesce(programme_rows.dimension_value, '') = coalesce(faculty_rows.dimension_value, '')
        and faculty_rows.programme_code is null
    where programme_rows.programme_code is not null
        and programme_rows.unit not in ('done', 'milestone')
        and (faculty_rows.value is null or programme_rows.value > faculty_rows.value)
)

select * from final
