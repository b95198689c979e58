with

source as (
    select * from {{ source('raw', 'activities') }}
),

latest as (
    {{ latest_version('source', ['activity_id']) }}
),

final as (
    select
        activity_id,
        activity_date,
        category,
        programme_code,
        title,
        student_participants,
        teacher_participants,
        nullif(trim(teacher_ids), '') as teacher_ids,
        -- teachers named in the log (pseudonyms); the participant count falls back to it
        coalesce(len(string_split(nullif(trim(teacher_ids), ''), ';')), 0) as named_teachers,
        partner_code,
        network,
        {{ academic_year('activity_date') }} as academic_year,
        {{ academic_year_start('activity_date') }} as academic_year_start,
        _file_id as file_id,
    from latest
)

select * from final
