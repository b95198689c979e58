-- Agreements valid on the reference date of each academic year (register facts are read
-- as of var('reference_day')): valid_from <= reference date <= valid_to (open-ended when empty).
with

academic_years as (
    select * from {{ ref('int_academic_years_listed') }}
),

agreements as (
    select * from {{ ref('stg_agreements__agreements') }}
),

country_regions as (
    select * from {{ ref('country_regions') }}
),

valid as (
    select
        academic_years.academic_year,
        academic_years.academic_year_start,
        academic_years.reference_date,
        agreements.*,
    from academic_years
    inner join agreements
        on academic_years.reference_date >= agreements.valid_from
        and (agreements.valid_to is null or academic_years.reference_date <= agreements.valid_to)
),

final as (
    select
        valid.academic_year,
        valid.academic_year_start,
        valid.reference_date,
        valid.agreement_id,
        valid.partner_code,
        valid.partner_name,
        valid.partner_country,
        coalesce(country_regions.region, 'Unknown') as partner_region,
        valid.agreement_type,
        valid.valid_from,
        valid.valid_to,
        valid.programme_codes,
        valid.has_student_places,
        valid.has_staff_teaching,
        valid.has_staff_training,
        valid.is_strategic,
    from valid
    left join country_regions
        on valid.partner_country = country_regions.country_code
)

select * from final
