-- Long rows for the activity-log indicators: I06 student engagements, I09 virtual exchange
-- participations, I10 internationalisation-at-home activities, I12 integration activities,
-- I15 experience-sharing events, I16 teacher engagements.
-- Participations and programmes as int_activities_enriched counts them (an activity without a
-- participant count is one participation; without a programme it counts for the faculty only).
with

activities as (
    select * from {{ ref('int_activities_enriched') }}
),

mobilities as (
    select * from {{ ref('int_student_mobilities_enriched') }}
),

student_engagements as (
    select * from activities
    where category = 'student_engagement'
),

iah_activities as (
    select * from activities
    where category = 'iah_activity'
),

integration_activities as (
    select * from activities
    where category = 'integration'
),

experience_sharing as (
    select * from activities
    where category = 'experience_sharing'
),

teacher_engagements as (
    select * from activities
    where category = 'teacher_engagement'
),

-- I09: participants in virtual exchange activities plus our students' virtual mobilities
virtual_participations as (
    select
        academic_year,
        programme_code,
        'activities' as participation_source,
        student_participations as participations,
    from activities
    where category = 'virtual_exchange'
    union all
    select
        academic_year,
        programme_code,
        'student_mobility',
        1,
    from mobilities
    where is_virtual
        and direction = 'outgoing'
        and not is_withdrawn
),

i06 as (
    {{ count_by_dimensions(
        'student_engagements', 'I06', 'sum(student_participations)', dimensions=['network']
    ) }}
),

i06_activities as (
    {{ count_by_dimensions(
        'student_engagements', 'I06', 'count(*)', measure='activities', unit='activities'
    ) }}
),

i09 as (
    {{ count_by_dimensions(
        'virtual_participations', 'I09', 'sum(participations)', dimensions=['participation_source'],
    ) }}
),

i10 as (
    {{ count_by_dimensions('iah_activities', 'I10', 'count(*)', dimensions=['network']) }}
),

i10_participations as (
    {{ count_by_dimensions(
        'iah_activities', 'I10', 'sum(student_participations)',
        measure='student_participations', unit='participations',
    ) }}
),

i12 as (
    {{ count_by_dimensions('integration_activities', 'I12', 'count(*)', per_programme=false) }}
),

i15 as (
    {{ count_by_dimensions('experience_sharing', 'I15', 'count(*)') }}
),

i16 as (
    {{ count_by_dimensions(
        'teacher_engagements', 'I16', 'sum(teacher_participations)', dimensions=['network']
    ) }}
),

i16_activities as (
    {{ count_by_dimensions(
        'teacher_engagements', 'I16', 'count(*)', measure='activities', unit='activities'
    ) }}
),

final as (
    select * from i06
    union all
    select * from i06_activities
    union all
    select * from i09
    union all
    select * from i10
    union all
    select * from i10_participations
    union all
    select * from i12
    union all
    select * from i15
    union all
    select * from i16
    union all
    select * from i16_activities
)

select * from final
