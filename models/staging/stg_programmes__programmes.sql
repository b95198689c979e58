with

source as (
    select * from {{ source('raw', 'programmes') }}
),

latest as (
    {{ latest_version('source', ['programme_code']) }}
),

final as (
    select
        programme_code,
        name_sv as programme_name_sv,
        coalesce(name_en, name_sv) as programme_name_en,
        level,
        active_from as active_from_year,
        active_to as active_to_year,
        {{ academic_year_start_of('active_from') }} as active_from_start_year,
        {{ academic_year_start_of('active_to') }} as active_to_start_year,
        _file_id as file_id,
    from latest
)

select * from final
