-- The data sources each indicator is built from: the catalogue's `sources`, one row each, with
-- the programme catalogue and the partner-network seed (reference data) left aside. A source only
-- one measure reads (seed indicator_measure_sources: I07's graduates, for per 100 graduates) names
-- that measure in `measure_only`; NULL: the headline reads it.
with

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

measure_sources as (
    select * from {{ ref('indicator_measure_sources') }}
),

indicator_sources as (
    select distinct
        indicator_id,
        trim(unnest(string_split(sources, ';'))) as source_name,
    from catalogue
),

final as (
    select
        indicator_sources.indicator_id,
        indicator_sources.source_name,
        measure_sources.dimension_value as measure_only,
    from indicator_sources
    left join measure_sources
        on indicator_sources.indicator_id = measure_sources.indicator_id
        and indicator_sources.source_name = measure_sources.source_name
    where indicator_sources.source_name not in ('programmes', 'partner_networks')
)

select * from final
