with

source as (
    select * from {{ source('raw', 'cim_awards') }}
),

latest as (
    {{ latest_version('source', ['certificate_id']) }}
),

final as (
    select
        certificate_id,
        student_id,
        programme_code,
        awarded_on,
        activities_home,
        activities_abroad,
        {{ academic_year('awarded_on') }} as academic_year,
        {{ academic_year_start('awarded_on') }} as academic_year_start,
        _file_id as file_id,
    from latest
)

select * from final
