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

-- per indicator and year: the programmes that have done it, of the active ones
programme_counts as (
    select
        indicator_id,
        academic_year,
        is_programme_coverage,
        sum(is_done) as programmes_done,
        count(*) as programmes_active,
    from flags
    group by indicator_id, academic_year, is_programme_coverage
),

-- the faculty's share of the active programmes that have done it: the headline of the
-- coverage indicators, a measure of I08 (`share`) and of I24 (`programmes_reviewed`)
share_measures (indicator_id, measure) as (
    values ('I08', 'share'), ('I24', 'programmes_reviewed')
),

faculty_shares as (
    select
        programme_counts.indicator_id,
        programme_counts.academic_year,
        cast(null as varchar) as programme_code,
        case when share_measures.measure is not null then 'measure' end as dimension,
        share_measures.measure as dimension_value,
        cast(100.0 * programme_counts.programmes_done / nullif(programme_counts.programmes_active, 0) as double) as value,
        cast(programme_counts.programmes_done as double) as numerator,
        cast(programme_counts.programmes_active as double) as denominator,
        'percent' as unit,
    from programme_counts
    left join share_measures
        on programme_counts.indicator_id = share_measures.indicator_id
    where programme_counts.is_programme_coverage
        or share_measures.measure is not null
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
    where is_programme_coverage
),

-- I08: the number of programmes (headline) and a 0/1 flag per programme
i08_faculty as (
    select
        indicator_id,
        academic_year,
        cast(null as varchar) as programme_code,
        cast(null as varchar) as dimension,
        cast(null as varchar) as dimension_value,
        cast(programmes_done as double) as value,
        cast(null as double) as numerator,
        cast(null as double) as denominator,
        'count' as unit,
    from programme_counts
    where indicator_id = 'I08'
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

-- I24's milestone per programme: its agreement portfolio has been reviewed
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
    select * from faculty_shares
    union all
    select * from coverage_programmes
    union all
    select * from i08_faculty
    union all
    select * from i08_programmes
    union all
    select * from i24_reviewed_programmes
    union all
    select * from faculty_milestones
)

select * from final
