with

source as (
    select * from {{ source('raw', 'graduates') }}
),

latest as (
    {{ latest_version('source', ['student_id', 'programme_code', 'degree_date', 'degree_code']) }}
),

final as (
    select
        -- concat_ws leaves out a missing degree code: a degree without one keeps the key it had
        md5(
            concat_ws('|', student_id, programme_code, cast(degree_date as varchar), degree_code)
        ) as degree_key,
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
