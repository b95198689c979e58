{{ config(severity='error') }}
-- Shares (unit percent) lie within 0-100.
select
    indicator_id,
    academic_year,
    programme_code,
    dimension,
    dimension_value,
    value,
from {{ ref('indicator_values') }}
where unit = 'percent'
    and (value < 0 or value > 100)
