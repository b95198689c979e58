-- The day each milestone was done for each plan that judges it, per scope (programme_code NULL =
-- faculty): the first date the register gives on or after the first day of the plan's first year
-- (a review done under an earlier plan, or in the baseline year before it, is not the new plan's:
-- INDICATORS.md, the baseline is the last period before the plan); NULL while none. I24's faculty
-- milestone without a FACULTY date in the period is the day the last of the programmes active in
-- the latest year reviewed its portfolio within the period (NULL while one has not). One row per
-- plan and row of int_milestones_completed (every programme of I24, done or not). The verdicts
-- (indicator_progress), the milestone values a plan reads (done by a year's end) and the final
-- follow-up's list of programmes read it.
with

plan_indicators as (
    select * from {{ ref('int_plan_indicators_linked') }}
),

milestones as (
    select * from {{ ref('int_milestones_completed') }}
),

milestone_dates as (
    select
        indicator_id,
        programme_code,
        unnest(done_dates) as done_on,
    from milestones
),

-- each plan and scope: the first date on or after the first day of the plan's first year
plan_scopes as (
    select
        plan_indicators.plan_id,
        milestones.indicator_id,
        milestones.programme_code,
        milestones.is_current_programme,
        {{ academic_year_first_date('plan_indicators.plan_first_year') }} as plan_first_date,
        min(milestone_dates.done_on) as own_done_on,
    from plan_indicators
    inner join milestones
        on plan_indicators.indicator_id = milestones.indicator_id
    left join milestone_dates
        on milestones.indicator_id = milestone_dates.indicator_id
        and milestones.programme_code is not distinct from milestone_dates.programme_code
        and milestone_dates.done_on >= {{ academic_year_first_date('plan_indicators.plan_first_year') }}
    group by all
),

-- I24 for the faculty: the day the last of the programmes active in the latest year reviewed its
-- portfolio within the plan's period (none while one has not)
all_programmes_done as (
    select
        plan_id,
        indicator_id,
        case
            when count(*) > 0 and count(own_done_on) = count(*) then max(own_done_on)
        end as done_on,
    from plan_scopes
    where is_current_programme
    group by plan_id, indicator_id
),

final as (
    select
        plan_scopes.plan_id,
        plan_scopes.indicator_id,
        plan_scopes.programme_code,
        plan_scopes.plan_first_date,
        case
            when plan_scopes.programme_code is null
                then coalesce(plan_scopes.own_done_on, all_programmes_done.done_on)
            else plan_scopes.own_done_on
        end as done_on,
        plan_scopes.is_current_programme,
    from plan_scopes
    left join all_programmes_done
        on plan_scopes.plan_id = all_programmes_done.plan_id
        and plan_scopes.indicator_id = all_programmes_done.indicator_id
)

select * from final
