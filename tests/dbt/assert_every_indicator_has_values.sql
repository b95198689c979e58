{{ config(severity='error') }}
-- Every catalogue indicator (M1 aside) has a faculty headline row in every academic year
-- all its sources cover, and a value in at least one year. Returns what is missing.
with

catalogue as (
    select * from {{ ref('marts_indicator_catalogue') }}
),

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

without_values as (
    select
        catalogue.indicator_id,
        cast(null as varchar) as academic_year,
        'no value in any year' as problem,
    from catalogue
    left join faculty_headline
        on catalogue.indicator_id = faculty_headline.indicator_id
    where catalogue.indicator_id != 'M1'
    group by catalogue.indicator_id
    having count(faculty_headline.value) = 0
),

final as (
    select * from missing_years
    union all
    select * from without_values
)

select * from final
