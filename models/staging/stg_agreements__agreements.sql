with

source as (
    select * from {{ source('raw', 'agreements') }}
),

latest as (
    {{ latest_version('source', ['agreement_id']) }}
),

final as (
    select
        agreement_id,
        partner_code,
        partner_name,
        partner_country,
        agreement_type,
        valid_from,
        valid_to,
        coalesce(nullif(trim(programme_codes), ''), 'ALL') as programme_codes,
        isced_codes,
        student_places,
        traineeship_places,
        incoming_student_places,
        coalesce(staff_teaching, false) as has_staff_teaching,
        coalesce(staff_training, false) as has_staff_training,
        coalesce(strategic, false)
        or coalesce(agreement_type = 'strategic_partnership', false) as is_strategic,
        coalesce(student_places, 0) + coalesce(traineeship_places, 0) > 0 as has_student_places,
        last_reviewed_on,
        _file_id as file_id,
    from latest
)

select * from final
