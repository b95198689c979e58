-- The academic years each source covers: every year from its earliest to its latest year
-- with data (within the reporting years), so a covered year without events reads 0, not missing.
-- Register facts without events (agreements, programmes) are covered from their first year
-- to the latest reporting year.
with

academic_years as (
    select * from {{ ref('int_academic_years_listed') }}
),

student_mobilities as (
    select * from {{ ref('stg_student_mobility__mobilities') }}
),

staff_mobilities as (
    select * from {{ ref('stg_staff_mobility__mobilities') }}
),

degrees as (
    select * from {{ ref('stg_graduates__degrees') }}
),

cim_awards as (
    select * from {{ ref('stg_cim_awards__awards') }}
),

activities as (
    select * from {{ ref('stg_activities__activities') }}
),

registrations as (
    select * from {{ ref('stg_enrolments__registrations') }}
),

followups as (
    select * from {{ ref('stg_programme_register__followups') }}
),

agreements as (
    select * from {{ ref('stg_agreements__agreements') }}
),

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

last_reporting_year as (
    select max(academic_year_start) as last_start from academic_years
),

source_bounds as (
    select
        'student_mobility' as source_name,
        min(academic_year_start) as first_start,
        max(academic_year_start) as last_start,
    from student_mobilities
    union all
    select 'staff_mobility', min(academic_year_start), max(academic_year_start) from staff_mobilities
    union all
    select 'graduates', min(academic_year_start), max(academic_year_start) from degrees
    union all
    select 'cim_awards', min(academic_year_start), max(academic_year_start) from cim_awards
    union all
    select 'activities', min(academic_year_start), max(academic_year_start) from activities
    union all
    select
        'enrolments',
        min({{ academic_year_start_of('academic_year') }}),
        max({{ academic_year_start_of('academic_year') }}),
    from registrations
    union all
    select 'programme_register', min(academic_year_start), max(academic_year_start) from followups
    union all
    select
        'agreements',
        min({{ academic_year_start('valid_from') }}),
        (select last_reporting_year.last_start from last_reporting_year),
    from agreements
    union all
    select
        'programmes',
        min(active_from_start_year),
        (select last_reporting_year.last_start from last_reporting_year),
    from programmes
),

final as (
    select
        source_bounds.source_name,
        academic_years.academic_year,
        academic_years.academic_year_start,
    from source_bounds
    inner join academic_years
        on academic_years.academic_year_start between source_bounds.first_start and source_bounds.last_start
)

select * from final
