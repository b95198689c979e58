{{ config(severity='error') }}
-- A share's numerator never exceeds its denominator, and neither is negative.
select
    indicator_id,
    academic_year,
    programme_code,
    dimension,
    dimension_value,
    numerator,
    denominator,
from {{ ref('indicator_values') }}
where unit = 'percent'
    and (numerator > denominator or numerator < 0 or denominator < 0)
