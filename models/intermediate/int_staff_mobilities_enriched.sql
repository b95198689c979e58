-- Staff stays with the programme checked against the catalogue (a code missing from it
-- counts as 'unknown'; an empty code stays empty: faculty level only) and the partner's region.
with

mobilities as (
    select * from {{ ref('stg_staff_mobility__mobilities') }}
),

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

country_regions as (
    select * from {{ ref('country_regions') }}
),

final as (
    select
        mobilities.mobility_id,
        mobilities.staff_id,
        mobilities.direction,
        mobilities.staff_category,
        mobilities.mobility_type,
        {{ programme_in_catalogue(
            'mobilities.programme_code', 'programmes.programme_code'
        ) }} as programme_code,
        mobilities.programme_code as source_programme_code,
        mobilities.partner_code,
        mobilities.partner_country,
        coalesce(country_regions.region, 'Unknown') as partner_region,
        mobilities.start_date,
        mobilities.end_date,
        mobilities.status,
        mobilities.academic_year,
        mobilities.academic_year_start,
        mobilities.is_withdrawn,
        mobilities.is_teacher,
        mobilities.is_teacher_mobility_type,
    from mobilities
    left join programmes
        on mobilities.programme_code = programmes.programme_code
    left join country_regions
        on mobilities.partner_country = country_regions.country_code
)

select * from final
