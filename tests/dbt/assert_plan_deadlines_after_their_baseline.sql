{{ config(severity='error') }}
-- Every target of a plan is due after the plan's baseline year (plan_indicators.deadline_year
-- against plans.baseline_year): a deadline in or before the baseline year (a typo, 2018/19 for
-- 2024/25) leaves no year to reach the target in; every year after it would read the verdict of
-- the baseline year against itself. A typo in a plan's seeds stops the build, as the seeds' own
-- checks do; indicator_progress gives such a target no verdict as well.
with

plans as (
    select * from {{ plan_seed('plans') }}
),

plan_indicators as (
    select * from {{ plan_seed('plan_indicators') }}
),

final as (
    select
        plan_indicators.plan_id,
        plan_indicators.target_id,
        plan_indicators.indicator_id,
        plan_indicators.deadline_year,
        plans.baseline_year,
    from plan_indicators
    inner join plans
        on plan_indicators.plan_id = plans.plan_id
    where {{ deadline_date('plan_indicators.deadline_year') }}
        <= {{ academic_year_last_date('plans.baseline_year') }}
)

select * from final
