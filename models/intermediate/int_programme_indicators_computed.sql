-- Long rows for the programme-level coverage indicators, over the programmes active in each
-- year: a share for the faculty (numerator / denominator = active programmes) and a flag
-- per programme (0 or 100 for coverage; 0 or 1 for I08, which counts programmes).
-- I04 mobility window, I05 offering study abroad, I08 virtual exchange, I13 English-taught
-- parts, I18 teacher-mobility partners, I25 obstacles identified, I26 global health
-- reviewed, I27 SDGs reviewed. Also the milestones: I21 (value 1 once done), and the
-- secondary milestones of I12 and I24 (measure milestone_done; I24 also programmes_reviewed).
with

programme_years as (
    select * from {{ ref('int_programme_years_assessed') }}
),

academic_years as (
    select * from {{ ref('int_academic_years_listed') }}
),

milestones as (
    select * from {{ ref('int_milestones_completed') }}
),

flags as (
    {% set flag_columns = {
        'I04': 'has_mobility_window',
        'I05': 'is_offering_study_abroad',
        'I08': 'has_virtual_exchange',
        'I13': 'has_english_taught_parts',
        'I18': 'has_teacher_mobility_partners',
        'I24': 'has_portfolio_reviewed',
        'I25': 'has_obstacles_identified',
        'I26': 'has_global_health_reviewed',
        'I27': 'has_sdg_reviewed',
    } %}
    {% for indicator_id, column in flag_columns.items() %}
        select
            '{{ indicator_id }}' as indicator_id,
            academic_year,
            programme_code,
            cast({{ column }} as integer) as is_done,
        from programme_years
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

coverage_faculty as (
    select
        indicator_id,
        academic_year,
        cast(null as varchar) as programme_code,
        cast(null as varchar) as dimension,
        cast(null as varchar) as dimension_value,
        cast(100.0 * sum(is_done) / nullif(count(*), 0) as double) as value,
        cast(sum(is_done) as double) as numerator,
        cast(count(*) as double) as denominator,
        'percent' as unit,
    from flags
    where indicator_id in ('I04', 'I05', 'I13', 'I18', 'I25', 'I26', 'I27')
    group by indicator_id, academic_year
),

coverage_programmes as (
    select
        indicator_id,
        academic_year,
        programme_code,
        cast(null as varchar) as dimension,
        cast(null as varchar) as dimension_value,
        cast(100 * is_done as double) as value,
        cast(is_done as double) as numerator,
        cast(1 as double) as denominator,
        'percent' as unit,
    from flags
    where indicator_id in ('I04', 'I05', 'I13', 'I18', 'I25', 'I26', 'I27')
),

-- I08: the number of programmes (headline), their share (measure), a 0/1 flag per programme
i08_faculty as (
    select
        indicator_id,
        academic_year,
        cast(null as varchar) as programme_code,
        cast(null as varchar) as dimension,
        cast(null as varchar) as dimension_value,
        cast(sum(is_done) as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        'count' as unit,
    from flags
    where indicator_id = 'I08'
    group by indicator_id, academic_year
),

i08_share as (
    select
        indicator_id,
        academic_year,
        cast(null as varchar) as programme_code,
        'measure' as dimension,
        'share' as dimension_value,
        cast(100.0 * sum(is_done) / nullif(count(*), 0) as double) as value,
        cast(sum(is_done) as double) as numerator,
        cast(count(*) as double) as denominator,
        'percent' as unit,
    from flags
    where indicator_id = 'I08'
    group by indicator_id, academic_year
),

i08_programmes as (
    select
        indicator_id,
        academic_year,
        programme_code,
        cast(null as varchar) as dimension,
        cast(null as varchar) as dimension_value,
        cast(is_done as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        'count' as unit,
    from flags
    where indicator_id = 'I08'
),

-- I24's milestone: programmes whose agreement portfolio has been reviewed
i24_reviewed_share as (
    select
        indicator_id,
        academic_year,
        cast(null as varchar) as programme_code,
        'measure' as dimension,
        'programmes_reviewed' as dimension_value,
        cast(100.0 * sum(is_done) / nullif(count(*), 0) as double) as value,
        cast(sum(is_done) as double) as numerator,
        cast(count(*) as double) as denominator,
        'percent' as unit,
    from flags
    where indicator_id = 'I24'
    group by indicator_id, academic_year
),

i24_reviewed_programmes as (
    select
        indicator_id,
        academic_year,
        programme_code,
        'measure' as dimension,
        'milestone_done' as dimension_value,
        cast(is_done as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        'done' as unit,
    from flags
    where indicator_id = 'I24'
),

-- faculty milestones, 1 in every year by whose end it was done: I21 (headline),
-- I12 and I24 (measure milestone_done)
faculty_milestones as (
    select
        milestones.indicator_id,
        academic_years.academic_year,
        cast(null as varchar) as programme_code,
        case when milestones.indicator_id = 'I21' then null else 'measure' end as dimension,
        case when milestones.indicator_id = 'I21' then null else 'milestone_done' end as dimension_value,
        cast(coalesce(milestones.done_on <= academic_years.last_date, false) as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        case when milestones.indicator_id = 'I21' then 'milestone' else 'done' end as unit,
    from milestones
    cross join academic_years
    where milestones.programme_code is null
),

final as (
    select * from coverage_faculty
    union all
    select * from coverage_programmes
    union all
    select * from i08_faculty
    union all
    select * from i08_share
    union all
    select * from i08_programmes
    union all
    select * from i24_reviewed_share
    union all
    select * from i24_reviewed_programmes
    union all
    select * from faculty_milestones
)

select * from final
