with

source as (
    select * from {{ source('raw', 'staff_mobility') }}
),

latest as (
    {{ latest_version('source', ['mobility_id']) }}
),

-- an end exported as a month or a year (2015-01, 2015) is its last day (see end_of_precision)
ended as (
    select
        * replace ({{ end_of_precision('end_date', 'end_date_precision') }} as end_date)
    from latest
),

final as (
    select
        mobility_id,
        staff_id,
        direction,
        staff_category,
        mobility_type,
        programme_code,
        partner_code,
        partner_name,
        partner_country,
        start_date,
        end_date,
        scheme,
        status,
        {{ academic_year('start_date') }} as academic_year,
        {{ academic_year_start('start_date') }} as academic_year_start,
        status = 'withdrawn' as is_withdrawn,
        -- teachers: staff category teacher, or not given (the export of a teacher-mobility system)
        coalesce(staff_category, 'teacher') = 'teacher' as is_teacher,
        mobility_type in ('teaching', 'training') as is_teacher_mobility_type,
        _file_id as file_id,
    from ended
)

select * from final
