-- The academic years the marts hold faculty values for, and how final they are: one row per year
-- with at least one headline faculty value (indicator_values: programme_code and dimension NULL,
-- value not NULL), the number of indicators with such a value and how many of them are final.
-- is_latest_final_year marks the year an annual export or report reads when none is given (the
-- latest year with a final value); is_latest_year the latest year with any value.
with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

faculty_values as (
    select
        academic_year,
        indicator_id,
        obs_status,
    from indicator_values
    where programme_code is null
        and dimension is null
        and value is not null
),

years as (
    select
        academic_year,
        count(distinct indicator_id) as indicators_with_values,
        count(distinct indicator_id) filter (where obs_status = 'final') as indicators_final,
    from faculty_values
    group by academic_year
),

final as (
    select
        academic_year,
        {{ academic_year_start_of('academic_year') }} as academic_year_start,
        indicators_with_values,
        indicators_final,
        indicators_final > 0 as has_final_values,
        academic_year = max(academic_year) over () as is_latest_year,
        coalesce(
            academic_year = max(case when indicators_final > 0 then academic_year end) over (), false
        ) as is_latest_final_year,
    from years
)

select * from final
