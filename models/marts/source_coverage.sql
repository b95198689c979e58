-- How far each source covers, and why: one row per source with data. A source covers every
-- academic year from first_year to the year of coverage_end_date except years_without_delivery
-- (between two of its deliveries that do not meet); a value from it is final for a year that ends
-- (30 June) on or before coverage_end_date and provisional for the year that holds it. The rules:
-- int_sources_bounded, int_source_years_undelivered.
with

sources as (
    select * from {{ ref('int_sources_bounded') }}
),

undelivered as (
    select * from {{ ref('int_source_years_undelivered') }}
),

undelivered_years as (
    select
        source_name,
        string_agg(academic_year, ', ' order by academic_year) as years_without_delivery,
    from undelivered
    group by source_name
),

final as (
    select
        sources.source_name,
        {{ academic_year('sources.first_date') }} as first_year,
        sources.first_date,
        sources.last_data_date,
        sources.newest_file_name,
        sources.newest_extraction_date,
        sources.coverage_end_rule,
        sources.coverage_end_date,
        {{ academic_year('sources.coverage_end_date') }} as coverage_end_year,
        sources.coverage_end_date >= {{ academic_year_last_date(academic_year('sources.coverage_end_date')) }}
            as is_coverage_end_year_complete,
        undelivered_years.years_without_delivery,
        sources.run_date,
    from sources
    left join undelivered_years
        on sources.source_name = undelivered_years.source_name
)

select * from final
