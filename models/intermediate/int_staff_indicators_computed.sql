-- Long rows for the teacher indicators: I14 teachers in international work, I19 outgoing
-- teacher mobilities (and distinct teachers), I20 incoming teacher mobilities.
-- Teachers: staff category teacher or not given; teacher mobility types: teaching, training;
-- withdrawn stays never count.
with

staff_mobilities as (
    select * from {{ ref('int_staff_mobilities_enriched') }}
),

activities as (
    select * from {{ ref('int_activities_enriched') }}
),

outgoing as (
    select *
    from staff_mobilities
    where direction = 'outgoing'
        and not is_withdrawn
        and is_teacher
        and is_teacher_mobility_type
),

incoming as (
    select *
    from staff_mobilities
    where direction = 'incoming'
        and not is_withdrawn
        and is_teacher
        and is_teacher_mobility_type
),

-- I14: our teachers with an outgoing staff mobility (any type) or named in an activity
activity_teachers as (
    select
        academic_year,
        programme_code,
        unnest(string_split(teacher_ids, ';')) as staff_id,
    from activities
    where teacher_ids is not null
),

teachers_in_international_work as (
    select
        academic_year,
        programme_code,
        staff_id,
        'staff_mobility' as engagement_source,
    from staff_mobilities
    where direction = 'outgoing'
        and not is_withdrawn
        and is_teacher
    union all
    select
        academic_year,
        programme_code,
        trim(staff_id),
        'activities',
    from activity_teachers
    where trim(staff_id) != ''
),

i14 as (
    {{ count_by_dimensions(
        'teachers_in_international_work', 'I14', 'count(distinct staff_id)', dimensions=['engagement_source'],
    ) }}
),

i19 as (
    {{ count_by_dimensions('outgoing', 'I19', 'count(*)', dimensions=['mobility_type', 'partner_region']) }}
),

i19_teachers as (
    {{ count_by_dimensions(
        'outgoing', 'I19', 'count(distinct staff_id)', measure='distinct_teachers', unit='persons'
    ) }}
),

i20 as (
    {{ count_by_dimensions('incoming', 'I20', 'count(*)', dimensions=['mobility_type', 'partner_region']) }}
),

final as (
    select * from i14
    union all
    select * from i19
    union all
    select * from i19_teachers
    union all
    select * from i20
)

select * from final
