{{ config(severity='warn') }}
-- Every catalogue indicator has a faculty value in at least one year. An indicator
-- without one, when one of its data sources has sent nothing yet, is published and reported as
-- a warning; when every one of its sources has rows, it is an error
-- (assert_indicators_with_data_have_values).
with

catalogue as (
    select * from {{ ref('marts_indicator_catalogue') }}
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

final as (
    select
        catalogue.indicator_id,
        'no value in any year' as problem,
    from catalogue
    left join faculty_headline
        on catalogue.indicator_id = faculty_headline.indicator_id
    group by catalogue.indicator_id
    having count(faculty_headline.value) = 0
)

select * from final
