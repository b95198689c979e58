{{ config(materialized='view') }}
-- Every observed indicator row, in the shape of indicator_values: the rows the five
-- int_*_indicators_computed models compute (students, activities, staff, agreements,
-- programmes), for every reporting year. indicator_values keeps the years the indicator's
-- sources cover and adds the rows without events. A view: indicator_values reads it once.
with

student_values as (
    select * from {{ ref('int_student_indicators_computed') }}
),

activity_values as (
    select * from {{ ref('int_activity_indicators_computed') }}
),

staff_values as (
    select * from {{ ref('int_staff_indicators_computed') }}
),

agreement_values as (
    select * from {{ ref('int_agreement_indicators_computed') }}
),

programme_values as (
    select * from {{ ref('int_programme_indicators_computed') }}
),

final as (
    select * from student_values
    union all
    select * from activity_values
    union all
    select * from staff_values
    union all
    select * from agreement_values
    union all
    select * from programme_values
)

-- the five share one contract (their YAML), so the wildcard's columns are known
select * from final  -- noqa: AM04
