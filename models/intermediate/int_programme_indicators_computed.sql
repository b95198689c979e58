-- Long rows for the programme-level indicators, over the programmes active in each year.
-- The coverage indicators (the catalogue's is_programme_coverage: I04 mobility window, I05
-- offering study abroad, I13 English-taught parts, I18 teacher-mobility partners, I25 obstacles
-- identified, I26 global health reviewed, I27 SDGs reviewed): the faculty's share of the active
-- programmes (numerator the programmes done, denominator the active ones) and 100 or 0 per
-- programme. I08 virtual exchange: the number of programmes, their share (measure `share`) and
-- 1 or 0 per programme. Also the milestones: I21 (value 1 once done), and the secondary
-- milestones of I12 and I24 (measure milestone_done; I24 also programmes_reviewed).
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

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

-- one row per indicator, year and active programme: 1 when the programme has done it, else 0
programme_flags as (
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

flags as (
    select
        programme_flags.*,
        catalogue.is_programme_coverage,
    from programme_flags
    inner join catalogue
        on programme_flags.indicator_id = catalogue.indicator_id
),

-- the coverage indicators: the faculty's share of the active programmes, 100 or 0 per programme
coverage_flags as (
    select * from flags
    where is_programme_coverage
),

coverage as (
    {{ share_rows('coverage_flags', none, 'sum(is_done)', 'count(*)') }}
),

-- I08: the number of programmes (headline), a 0/1 flag per programme, their share (measure)
i08_flags as (
    select * from flags
    where indicator_id = 'I08'
),

i08 as (
    {{ count_by_dimensions('i08_flags', 'I08', 'sum(is_done)', unit='count') }}
),

i08_share as (
    {{ share_rows('i08_flags', 'I08', 'sum(is_done)', 'count(*)', per_programme=false, measure='share') }}
),

-- I24's milestone: programmes whose agreement portfolio has been reviewed (their share, and
-- per programme 0/1)
i24_flags as (
    select * from flags
    where indicator_id = 'I24'
),

i24_reviewed_share as (
    {{ share_rows(
        'i24_flags', 'I24', 'sum(is_done)', 'count(*)', per_programme=false, measure='programmes_reviewed',
    ) }}
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
    from i24_flags
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
    select * from coverage
    union all
    select * from i08
    union all
    select * from i08_share
    union all
    select * from i24_reviewed_share
    union all
    select * from i24_reviewed_programmes
    union all
    select * from faculty_milestones
)

select * from final
