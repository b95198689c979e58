-- How far each source covers, and why: one row per source with data. A source covers every
-- academic year from first_year to the year of coverage_end_date; a value from it is final for
-- a year that ends (30 June) on or before coverage_end_date and provisional for the year that
-- holds it. The rule: int_sources_bounded.
with

sources as (
    select * from {{ ref('int_sources_bounded') }}
),

final as (
    select
        source_name,
        {{ academic_year('first_date') }} as first_year,
        first_date,
        last_data_date,
        newest_file_name,
        newest_extraction_date,
        coverage_end_rule,
        coverage_end_date,
        {{ academic_year('coverage_end_date') }} as coverage_end_year,
        coverage_end_date >= {{ academic_year_last_date(academic_year('coverage_end_date')) }}
            as is_coverage_end_year_complete,
        run_date,
    from sources
)

select * from final
