-- The programme dimension: one row per programme code the marts carry in programme_code. Every
-- programme of the catalogue (the programme export, the latest version of each code) with its
-- names, level and active years, and the row 'unknown', under which the indicators count the
-- records whose programme code is missing from the catalogue: it is no programme of the
-- catalogue (is_in_catalogue false) and has no name, level or years. The faculty as a whole
-- (programme_code NULL in the marts) has no row.
with

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

catalogued as (
    select
        programme_code,
        programme_name_sv,
        programme_name_en,
        level,
        active_from_year,
        active_to_year,
        true as is_in_catalogue,
    from programmes
),

unknown as (
    select
        'unknown' as programme_code,
        cast(null as varchar) as programme_name_sv,
        cast(null as varchar) as programme_name_en,
        cast(null as varchar) as level,
        cast(null as varchar) as active_from_year,
        cast(null as varchar) as active_to_year,
        false as is_in_catalogue,
),

final as (
    select * from catalogued
    union all
    select * from unknown
)

select * from final
