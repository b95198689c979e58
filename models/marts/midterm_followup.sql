-- M1, the mid-term follow-up: one row per indicator (faculty scope) with the baseline value
-- and the value of var('midterm_year') or, where that year has no value, of the latest
-- earlier year with one (followup_year says which), the change, status and progress.
with

progress as (
    select * from {{ ref('indicator_progress') }}
),

catalogue as (
    select * from {{ ref('marts_indicator_catalogue') }}
),

faculty_years as (
    select *
    from progress
    where programme_code is null
        and value is not null
        and {{ academic_year_start_of('academic_year') }}
        <= {{ academic_year_start_of("'" ~ var('midterm_year') ~ "'") }}
),

latest as (
    select *
    from faculty_years
    qualify row_number() over (partition by indicator_id order by academic_year desc) = 1
),

final as (
    select
        catalogue.indicator_id,
        catalogue.target_id,
        catalogue.goal_id,
        catalogue.name_sv,
        catalogue.name_en,
        catalogue.target_text_sv,
        catalogue.target_text_en,
        catalogue.unit,
        catalogue.rule,
        catalogue.target_value,
        catalogue.baseline_year,
        latest.baseline_value,
        '{{ var("midterm_year") }}' as midterm_year,
        latest.academic_year as followup_year,
        coalesce(latest.academic_year != '{{ var("midterm_year") }}', true) as is_earlier_year,
        latest.value as followup_value,
        latest.obs_status as followup_obs_status,
        latest.change_abs,
        latest.change_pct,
        latest.cagr_pct,
        latest.required_cagr_pct,
        coalesce(latest.status, 'insufficient_data') as status,
        coalesce(latest.progress, 'not_available') as progress,
        latest.milestone_done_on,
        latest.milestone_status,
        catalogue.sort_order,
    from catalogue
    left join latest
        on catalogue.indicator_id = latest.indicator_id
    where catalogue.indicator_id != 'M1'
)

select * from final
