with

source as (
    select * from {{ source('raw', 'enrolments') }}
),

latest as (
    {{ latest_version('source', ['programme_code', 'term']) }}
),

final as (
    select
        programme_code,
        term,
        case upper(left(term, 2)) when 'HT' then 'autumn' when 'VT' then 'spring' end as term_season,
        registered_students,
        {{ term_academic_year('term') }} as academic_year,
        _file_id as file_id,
    from latest
)

select * from final
