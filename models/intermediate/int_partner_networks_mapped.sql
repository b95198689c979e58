-- Partner codes of network members as they can appear in the data: the Erasmus code and
-- the upper-cased EWP hei-id both map to the network (an institution may be in several).
with

partner_networks as (
    select * from {{ ref('partner_networks') }}
),

codes as (
    select
        upper(trim(partner_code)) as match_code,
        network,
    from partner_networks
    where partner_code is not null
    union
    select
        upper(trim(hei_id)) as match_code,
        network,
    from partner_networks
    where hei_id is not null
),

final as (
    select distinct
        match_code,
        network,
    from codes
)

select * from final
