-- Degrees with the UKÄ stay-abroad flag: the same person started an outgoing physical
-- mobility (not withdrawn) in the degree's academic year or the var('graduate_window_years')
-- academic years before it. The stay's programme does not matter.
with

degrees as (
    select * from {{ ref('stg_graduates__degrees') }}
),

mobilities as (
    select * from {{ ref('stg_student_mobility__mobilities') }}
),

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

outgoing_years as (
    select distinct
        student_id,
        academic_year_start,
    from mobilities
    where direction = 'outgoing'
        and not is_withdrawn
        and is_physical
),

stays_in_window as (
    select
        degrees.degree_key,
        count(outgoing_years.academic_year_start) as years_with_stay,
    from degrees
    inner join outgoing_years
        on degrees.student_id = outgoing_years.student_id
        and outgoing_years.academic_year_start
        between degrees.academic_year_start - {{ var('graduate_window_years') }}
        and degrees.academic_year_start
    group by degrees.degree_key
),

final as (
    select
        degrees.degree_key,
        degrees.student_id,
        {{ programme_in_catalogue(
            'degrees.programme_code', 'programmes.programme_code', empty_is='unknown'
        ) }} as programme_code,
        degrees.programme_code as source_programme_code,
        degrees.degree_date,
        degrees.academic_year,
        degrees.academic_year_start,
        coalesce(stays_in_window.years_with_stay, 0) > 0 as has_stay_abroad,
    from degrees
    left join stays_in_window
        on degrees.degree_key = stays_in_window.degree_key
    left join programmes
        on degrees.programme_code = programmes.programme_code
)

select * from final
