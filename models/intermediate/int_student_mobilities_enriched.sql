-- Student stays with the home/host programme checked against the programme catalogue
-- (codes missing from it, or empty, count as programme 'unknown' for per-programme values
-- and still count for the faculty), the partner's world region and the study level.
with

mobilities as (
    select * from {{ ref('stg_student_mobility__mobilities') }}
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
        mobilities.student_id,
        mobilities.direction,
        {{ programme_in_catalogue(
            'mobilities.programme_code', 'programmes.programme_code', empty_is='unknown'
        ) }} as programme_code,
        mobilities.programme_code as source_programme_code,
        mobilities.programme_code is not null
        and programmes.programme_code is null as is_unknown_programme,
        coalesce(mobilities.level, programmes.level, 'unknown') as level,
        mobilities.mobility_type,
        mobilities.scheme,
        mobilities.partner_code,
        mobilities.partner_country,
        coalesce(country_regions.region, 'Unknown') as partner_region,
        mobilities.start_date,
        mobilities.end_date,
        mobilities.status,
        mobilities.credits_ects,
        mobilities.gender,
        mobilities.academic_year,
        mobilities.academic_year_start,
        mobilities.is_withdrawn,
        mobilities.is_virtual,
        mobilities.is_physical,
        mobilities.is_credit_mobility,
    from mobilities
    left join programmes
        on mobilities.programme_code = programmes.programme_code
    left join country_regions
        on mobilities.partner_country = country_regions.country_code
)

select * from final
