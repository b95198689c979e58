-- The follow-ups of each plan, target by target: for the mid-term and the final follow-up, the
-- faculty value of the plan's follow-up year or, where that year has no final value, of the
-- latest earlier year with one (followup_year says which), judged by that plan's rule; a
-- provisional or incomplete value (no verdict) only when no year up to it is final. A milestone
-- judged in a partial year (done within it: indicator_progress) counts as a year with a verdict, so
-- the follow-up reads "met" there rather than an earlier year's "pending". A follow-up
-- reads a year after the plan's baseline, never the baseline or before (a next plan loaded before
-- its years have data would read its baseline year's "met", the target met before the plan
-- began): none, no value and insufficient_data. One row per plan, indicator and follow-up kind
-- (midterm, final); the follow-up years are the seeds'.
with

plan_indicators as (
    select * from {{ ref('int_plan_indicators_linked') }}
),

progress as (
    select * from {{ ref('indicator_progress') }}
),

followup_kinds as (
    select
        plan_id,
        indicator_id,
        'midterm' as followup_kind,
        midterm_year as planned_year,
        baseline_year,
    from plan_indicators
    union all
    select
        plan_id,
        indicator_id,
        'final',
        final_year,
        baseline_year,
    from plan_indicators
),

faculty_values as (
    select *
    from progress
    where programme_code is null
        and value is not null
),

latest as (
    select
        followup_kinds.followup_kind,
        followup_kinds.planned_year,
        faculty_values.*,
    from followup_kinds
    inner join faculty_values
        on followup_kinds.plan_id = faculty_values.plan_id
        and followup_kinds.indicator_id = faculty_values.indicator_id
        and {{ academic_year_start_of('faculty_values.academic_year') }}
        <= {{ academic_year_start_of('followup_kinds.planned_year') }}
        and {{ academic_year_start_of('faculty_values.academic_year') }}
        > {{ academic_year_start_of('followup_kinds.baseline_year') }}
    qualify
        row_number() over (
            partition by followup_kinds.plan_id, followup_kinds.indicator_id, followup_kinds.followup_kind
            -- a year with a verdict first: a final value, or a milestone judged in a partial year
            order by faculty_values.status != 'provisional' desc, faculty_values.academic_year desc
        ) = 1
),

final as (
    select
        followup_kinds.plan_id,
        followup_kinds.indicator_id,
        followup_kinds.followup_kind,
        followup_kinds.planned_year,
        latest.academic_year as followup_year,
        coalesce(latest.academic_year != followup_kinds.planned_year, true) as is_earlier_year,
        latest.value as followup_value,
        latest.obs_status as followup_obs_status,
        latest.baseline_value,
        latest.change_abs,
        latest.change_pct,
        latest.cagr_pct,
        latest.required_cagr_pct,
        coalesce(latest.status, 'insufficient_data') as status,
        coalesce(latest.progress, 'not_available') as progress,
        latest.milestone_done_on,
        latest.milestone_status,
    from followup_kinds
    left join latest
        on followup_kinds.plan_id = latest.plan_id
        and followup_kinds.indicator_id = latest.indicator_id
        and followup_kinds.followup_kind = latest.followup_kind
)

select * from final
