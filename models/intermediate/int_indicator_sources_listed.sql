-- The data sources each indicator is built from: the catalogue's `sources`, one row each, with
-- the programme catalogue and the partner-network seed (reference data) left aside.
with

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

indicator_sources as (
    select distinct
        indicator_id,
        trim(unnest(string_split(sources, ';'))) as source_name,
    from catalogue
),

final as (
    select *
    from indicator_sources
    where source_name not in ('programmes', 'partner_networks')
)

select * from final
