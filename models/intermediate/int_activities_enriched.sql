-- Logged activities with the programme checked against the programme catalogue (a code missing
-- from it counts as 'unknown'; an activity logged without a programme counts for the faculty
-- only) and the participations as the indicators count them: an activity logged without a
-- participant count counts as one participation (teachers: the number of named teachers first).
with

activities as (
    select * from {{ ref('stg_activities__activities') }}
),

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

final as (
    select
        activities.activity_id,
        activities.activity_date,
        activities.category,
        {{ programme_in_catalogue('activities.programme_code', 'programmes.programme_code') }}
            as programme_code,
        activities.programme_code as source_programme_code,
        coalesce(activities.student_participants, 1) as student_participations,
        coalesce(activities.teacher_participants, nullif(activities.named_teachers, 0), 1)
            as teacher_participations,
        activities.teacher_ids,
        activities.partner_code,
        activities.network,
        activities.academic_year,
        activities.academic_year_start,
    from activities
    left join programmes
        on activities.programme_code = programmes.programme_code
)

select * from final
