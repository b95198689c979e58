{{ config(severity='error') }}
-- Every catalogue indicator has a faculty headline row in every academic year
-- all its sources cover. Returns what is missing (a model that drops a covered year is wrong).
-- An indicator whose sources have sent nothing yet is a warning: assert_every_indicator_has_a_value.
with

indicator_years as (
    select * from {{ ref('int_indicator_years_covered') }}
),

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

faculty_headline as (
    select *
    from indicator_values
    where programme_code is null
        and dimension is null
),

missing_years as (
    select
        indicator_years.indicator_id,
        indicator_years.academic_year,
        'no faculty headline row in a covered year' as problem,
    from indicator_years
    anti join faculty_headline
        on indicator_years.indicator_id = faculty_headline.indicator_id
        and indicator_years.academic_year = faculty_headline.academic_year
),

final as (
    select * from missing_years
)

select * from final
