with

source as (
    select * from {{ source('raw', 'programme_register') }}
),

latest as (
    {{ latest_version('source', ['academic_year', 'programme_code']) }}
),

final as (
    select
        academic_year,
        {{ academic_year_start_of('academic_year') }} as academic_year_start,
        programme_code,
        programme_code = 'FACULTY' as is_faculty_row,
        coalesce(mobility_window, false) as has_mobility_window,
        mobility_window_term,
        english_taught_parts,
        coalesce(english_taught_parts, 0) >= 1 as has_english_taught_parts,
        coalesce(virtual_exchange, false) as has_virtual_exchange,
        nullif(trim(teacher_mobility_partners), '') as teacher_mobility_partners,
        coalesce(nullif(trim(teacher_mobility_partners), ''), '') != '' as has_teacher_mobility_partners,
        obstacles_identified_on,
        global_health_reviewed_on,
        sdg_reviewed_on,
        portfolio_reviewed_on,
        integration_reviewed_on,
        teacher_mobility_info_reviewed_on,
        comment,
        _file_id as file_id,
    from latest
)

select * from final
