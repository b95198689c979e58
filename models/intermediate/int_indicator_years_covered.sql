-- The academic years each indicator has values for: the years that all its data sources
-- (the catalogue's `sources`, reference data kept as seeds or the programme catalogue
-- aside) cover.
with

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

source_years as (
    select * from {{ ref('int_source_years_covered') }}
),

indicator_sources as (
    select distinct
        indicator_id,
        trim(unnest(string_split(sources, ';'))) as source_name,
    from catalogue
    where indicator_id != 'M1'
),

data_sources as (
    select *
    from indicator_sources
    where source_name not in ('programmes', 'partner_networks')
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
    from data_sources
    inner join source_years
        on data_sources.source_name = source_years.source_name
    group by data_sources.indicator_id, source_years.academic_year
),

final as (
    select
        years_per_source.indicator_id,
        years_per_source.academic_year,
    from years_per_source
    inner join source_counts
        on years_per_source.indicator_id = source_counts.indicator_id
    where years_per_source.sources_covering = source_counts.sources
)

select * from final
