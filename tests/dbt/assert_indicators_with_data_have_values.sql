{{ config(severity='error') }}
-- An indicator whose data sources all have rows has a faculty value in at least one
-- year, and the marts are not empty while any source has rows: otherwise a rule dropped data
-- (e.g. years outside a fixed window) and nothing may be published.
with

indicator_values as (
    select * from {{ ref('indicator_values') }}
),

sources as (
    select * from {{ ref('int_sources_bounded') }}
),

data_sources as (
    select * from {{ ref('int_indicator_sources_listed') }}
),

indicators_with_data as (
    select data_sources.indicator_id
    from data_sources
    left join sources
        on data_sources.source_name = sources.source_name
    group by data_sources.indicator_id
    having count(sources.source_name) = count(*)
),

faculty_values as (
    select
        indicator_id,
        count(value) as values_published,
    from indicator_values
    where programme_code is null
        and dimension is null
    group by indicator_id
),

indicators_without_values as (
    select
        indicators_with_data.indicator_id,
        'no value in any year although every source has rows' as problem,
    from indicators_with_data
    left join faculty_values
        on indicators_with_data.indicator_id = faculty_values.indicator_id
    where coalesce(faculty_values.values_published, 0) = 0
),

empty_marts as (
    select
        'indicator_values' as indicator_id,
        'marts.indicator_values is empty while the sources have rows' as problem,
    from sources
    having count(*) > 0
        and (select count(*) from indicator_values) = 0
),

final as (
    select * from indicators_without_values
    union all
    select * from empty_marts
)

select * from final
