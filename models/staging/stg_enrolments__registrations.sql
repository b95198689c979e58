with

source as (
    select * from {{ source('raw', 'enrolments') }}
),

latest as (
    select *
    from source
    qualify row_number() over (
        partition by programme_code, term
        order by _file_id desc, _row_number desc
    ) = 1
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
