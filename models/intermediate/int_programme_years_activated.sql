-- Programmes active in each academic year: active_from <= year and (active_to is null or year <= active_to).
-- The denominator of every coverage indicator.
with

academic_years as (
    select * from {{ ref('int_academic_years_listed') }}
),

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

final as (
    select
        academic_years.academic_year,
        academic_years.academic_year_start,
        programmes.programme_code,
        programmes.level,
    from academic_years
    inner join programmes
        on academic_years.academic_year_start >= programmes.active_from_start_year
        and (
            programmes.active_to_start_year is null
            or academic_years.academic_year_start <= programmes.active_to_start_year
        )
)

select * from final
