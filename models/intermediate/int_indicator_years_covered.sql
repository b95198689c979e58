-- The academic years each indicator has values for, and the status of those values, from the
-- coverage of its data sources (the catalogue's `sources`; the programme catalogue and the
-- partner networks are reference data and left aside):
--   final        every source covers the whole year
--   provisional  every source covers part of the year, at least one not all of it
--   incomplete   at least one source covers none of the year while another covers some of it
-- A year that none of its sources covers has no row (and so no value).
with

data_sources as (
    select * from {{ ref('int_indicator_sources_listed') }}
),

source_years as (
    select * from {{ ref('int_source_years_covered') }}
),

academic_years as (
    select * from {{ ref('int_academic_years_listed') }}
),

source_counts as (
    select
        indicator_id,
        count(distinct source_name) as sources,
    from data_sources
    group by indicator_id
),

years_per_source as (
    select
        data_sources.indicator_id,
        source_years.academic_year,
        count(distinct data_sources.source_name) as sources_covering,
        count(distinct data_sources.source_name) filter (where source_years.is_complete) as sources_complete,
    from data_sources
    inner join source_years
        on data_sources.source_name = source_years.source_name
    group by data_sources.indicator_id, source_years.academic_year
),

final as (
    select
        years_per_source.indicator_id,
        years_per_source.academic_year,
        case
            when years_per_source.sources_complete = source_counts.sources then 'final'
            when years_per_source.sources_covering = source_counts.sources then 'provisional'
            else 'incomplete'
        end as obs_status,
        years_per_source.sources_covering,
        source_counts.sources,
    from years_per_source
    inner join source_counts
        on years_per_source.indicator_id = source_counts.indicator_id
    inner join academic_years
        on years_per_source.academic_year = academic_years.academic_year
)

select * from final
