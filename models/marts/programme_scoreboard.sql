-- Per programme and academic year, one row per per-programme indicator (catalogue
-- per_programme yes or flag): the programme's value beside the faculty's, the baseline,
-- status and progress. Programme 'unknown' (codes missing from the catalogue) is left out.
with

progress as (
    select * from {{ ref('indicator_progress') }}
),

catalogue as (
    select * from {{ ref('marts_indicator_catalogue') }}
),

programmes as (
    select * from {{ ref('stg_programmes__programmes') }}
),

programme_rows as (
    select *
    from progress
    where programme_code is not null
        and programme_code != 'unknown'
),

faculty_rows as (
    select *
    from progress
    where programme_code is null
),

final as (
    select
        programme_rows.plan_id,
        programme_rows.programme_code,
        programmes.programme_name_sv,
        programmes.programme_name_en,
        programme_rows.academic_year,
        programme_rows.indicator_id,
        catalogue.indicator_name_sv,
        catalogue.indicator_name_en,
        catalogue.per_programme,
        programme_rows.unit,
        programme_rows.value,
        faculty_rows.value as faculty_value,
        programme_rows.baseline_year,
        programme_rows.baseline_value,
        programme_rows.change_abs,
        programme_rows.rule,
        programme_rows.target_value,
        programme_rows.status,
        programme_rows.obs_status,
        programme_rows.progress,
        catalogue.sort_order,
    from programme_rows
    inner join catalogue
        on programme_rows.indicator_id = catalogue.indicator_id
    inner join programmes
        on programme_rows.programme_code = programmes.programme_code
    left join faculty_rows
        on programme_rows.plan_id = faculty_rows.plan_id
        and programme_rows.indicator_id = faculty_rows.indicator_id
        and programme_rows.academic_year = faculty_rows.academic_year
    where catalogue.per_programme in ('yes', 'flag')
)

select * from final
