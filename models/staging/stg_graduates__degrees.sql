with

source as (
    select * from {{ source('raw', 'graduates') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by student_id, programme_code, degree_date
        order by _file_id desc, _row_number desc
    ) = 1
),

final as (
    select
        md5(concat_ws('|', student_id, programme_code, cast(degree_date as varchar))) as degree_key,
        student_id,
        programme_code,
        degree_date,
        degree_code,
        {{ academic_year('degree_date') }} as academic_year,
        {{ academic_year_start('degree_date') }} as academic_year_start,
        _file_id as file_id,
    from latest
)

select * from final
