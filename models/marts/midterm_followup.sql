-- The mid-term follow-up of every plan (for the 2019-2024 plan, milestone M1): one row per plan
-- and indicator (faculty scope) with the baseline value and the value of the plan's mid-term year
-- or, where that year has no value, of the latest earlier year with one (followup_year says
-- which), the change, status and progress. The same follow-up as final_followup, another year.
with

followups as (
    select * from {{ ref('int_plan_followups_read') }}
),

plan_indicators as (
    select * from {{ ref('int_plan_indicators_linked') }}
),

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

final as (
    select
        plan_indicators.plan_id,
        plan_indicators.indicator_id,
        plan_indicators.target_id,
        plan_indicators.goal_id,
        catalogue.name_sv as indicator_name_sv,
        catalogue.name_en as indicator_name_en,
        plan_indicators.target_text_sv,
        plan_indicators.target_text_en,
        catalogue.unit,
        plan_indicators.rule,
        plan_indicators.target_value,
        plan_indicators.baseline_year,
        followups.baseline_value,
        followups.planned_year as midterm_year,
        followups.followup_year,
        followups.is_earlier_year,
        followups.followup_value,
        followups.followup_obs_status,
        followups.change_abs,
        followups.change_pct,
        followups.cagr_pct,
        followups.required_cagr_pct,
        followups.status,
        followups.progress,
        followups.milestone_done_on,
        followups.milestone_status,
        followups.no_verdict_reason,
        plan_indicators.sort_order,
    from plan_indicators
    inner join followups
        on plan_indicators.plan_id = followups.plan_id
        and plan_indicators.indicator_id = followups.indicator_id
        and followups.followup_kind = 'midterm'
    inner join catalogue
        on plan_indicators.indicator_id = catalogue.indicator_id
)

select * from final
