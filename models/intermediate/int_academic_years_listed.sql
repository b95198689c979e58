-- The academic years the warehouse reports on: from var('first_year') to the latest
-- academic year in which any event or register source has data.
with

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

latest_years as (
    select max(academic_year_start) as last_start from student_mobilities
    union all
    select max(academic_year_start) from staff_mobilities
    union all
    select max(academic_year_start) from degrees
    union all
    select max(academic_year_start) from cim_awards
    union all
    select max(academic_year_start) from activities
    union all
    select max({{ academic_year_start_of('academic_year') }}) from registrations
    union all
    select max(academic_year_start) from followups
),

bounds as (
    select
        {{ academic_year_start_of("'" ~ var('first_year') ~ "'") }} as first_start,
        greatest(
            coalesce(max(last_start), {{ academic_year_start_of("'" ~ var('plan_last_year') ~ "'") }}),
            {{ academic_year_start_of("'" ~ var('first_year') ~ "'") }}
        ) as last_start,
    from latest_years
),

spine as (
    select cast(range as integer) as academic_year_start
    from bounds,
        range(bounds.first_start, bounds.last_start + 1)
),

labelled as (
    select
        {{ academic_year_label('academic_year_start') }} as academic_year,
        academic_year_start,
    from spine
),

final as (
    select
        academic_year,
        academic_year_start,
        {{ academic_year_first_date('academic_year') }} as first_date,
        {{ academic_year_last_date('academic_year') }} as last_date,
        {{ reference_date('academic_year') }} as reference_date,
        academic_year = '{{ var("baseline_year") }}' as is_baseline_year,
        academic_year_start between {{ academic_year_start_of("'" ~ var('plan_first_year') ~ "'") }}
            and {{ academic_year_start_of("'" ~ var('plan_last_year') ~ "'") }} as is_plan_year,
    from labelled
)

select * from final
