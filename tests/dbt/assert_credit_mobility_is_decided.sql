{{ config(severity='warn') }}
-- WARN for every academic year with outgoing stays whose credit mobility (3 months) depends on a date
-- given only as a year (2015-09-01 to 2015: it may last a day or four months). Such a stay is not
-- counted by I03 (an undercount, not a guess); a delivery with the day or the month decides it.
-- Returns years and counts only.
with

mobilities as (
    select * from {{ ref('stg_student_mobility__mobilities') }}
),

final as (
    select
        academic_year,
        count(*) as undecided_stays,
    from mobilities
    where is_credit_mobility_undecided
        and direction = 'outgoing'
        and not is_withdrawn
    group by academic_year
)

select * from final
