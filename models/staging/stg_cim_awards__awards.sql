with

source as (
    select * from {{ source('raw', 'cim_awards') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by certificate_id
        order by _file_id desc, _row_number desc
    ) = 1
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
