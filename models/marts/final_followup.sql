-- The final follow-up (slutuppföljning) of every plan: one row per plan target and indicator
-- with the baseline, the mid-term value (as midterm_followup reads it) and the final value (the
-- plan's final follow-up year, or the latest year before it with a value), the verdict by the
-- plan's rule and the progress category, the change since the mid-term, and for milestone
-- targets the day each programme met the milestone (within the plan's period).
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

plan_milestones as (
    select * from {{ ref('int_plan_milestones_dated') }}
),

midterm as (
    select *
    from followups
    where followup_kind = 'midterm'
),

final_read as (
    select *
    from followups
    where followup_kind = 'final'
),

-- each programme's day for the plan (int_plan_milestones_dated: the first date within the plan's period, '-'
-- where none; a review done before the plan is not the plan's, as in indicator_progress)
programme_milestones as (
    select
        plan_id,
        indicator_id,
        string_agg(
            programme_code || ' ' || coalesce(cast(done_on as varchar), '-'), '; ' order by programme_code
        ) as programmes_done_on,
        count(done_on) as programmes_done,
        count(*) as programmes,
    from plan_milestones
    where programme_code is not null
    group by plan_id, indicator_id
),

final as (
    select
        plan_indicators.plan_id,
        plan_indicators.goal_id,
        plan_indicators.goal_text_sv,
        plan_indicators.goal_text_en,
        plan_indicators.target_id,
        plan_indicators.target_kind,
        plan_indicators.target_text_sv,
        plan_indicators.target_text_en,
        plan_indicators.indicator_id,
        catalogue.name_sv as indicator_name_sv,
        catalogue.name_en as indicator_name_en,
        catalogue.unit,
        plan_indicators.rule,
        plan_indicators.secondary_rule,
        plan_indicators.target_value,
        plan_indicators.deadline_year,
        plan_indicators.baseline_year,
        final_read.baseline_value,
        midterm.planned_year as midterm_year,
        midterm.followup_year as midterm_followup_year,
        midterm.followup_value as midterm_value,
        final_read.planned_year as final_year,
        final_read.followup_year,
        final_read.is_earlier_year,
        final_read.followup_value as final_value,
        final_read.followup_obs_status as final_obs_status,
        final_read.change_abs,
        final_read.change_pct,
        final_read.followup_value - midterm.followup_value as change_since_midterm,
        final_read.cagr_pct,
        final_read.required_cagr_pct,
        final_read.status,
        final_read.progress,
        final_read.milestone_done_on,
        final_read.milestone_status,
        case
            when plan_indicators.rule = 'milestone' or plan_indicators.secondary_rule = 'milestone'
                then programme_milestones.programmes_done_on
        end as programmes_done_on,
        final_read.no_verdict_reason,
        plan_indicators.sort_order,
    from plan_indicators
    inner join final_read
        on plan_indicators.plan_id = final_read.plan_id
        and plan_indicators.indicator_id = final_read.indicator_id
    left join midterm
        on plan_indicators.plan_id = midterm.plan_id
        and plan_indicators.indicator_id = midterm.indicator_id
    inner join catalogue
        on plan_indicators.indicator_id = catalogue.indicator_id
    left join programme_milestones
        on plan_indicators.plan_id = programme_milestones.plan_id
        and plan_indicators.indicator_id = programme_milestones.indicator_id
)

select * from final
