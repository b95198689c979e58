-- One row per plan and indicator the plan judges (seeds plans, plan_targets, plan_indicators):
-- the target the indicator measures in that plan, its goal, the plan's rule, target value and
-- deadline, and the plan's baseline, mid-term and final follow-up years. One indicator may serve
-- targets in several plans; adding a plan is an edit of the seeds only.
with

plans as (
    select * from {{ plan_seed('plans') }}
),

plan_targets as (
    select * from {{ plan_seed('plan_targets') }}
),

plan_indicators as (
    select * from {{ plan_seed('plan_indicators') }}
),

final as (
    select
        plan_indicators.plan_id,
        plans.is_current as is_current_plan,
        plan_indicators.indicator_id,
        plan_indicators.target_id,
        targets.target_kind,
        targets.text_sv as target_text_sv,
        targets.text_en as target_text_en,
        targets.goal_id,
        goals.text_sv as goal_text_sv,
        goals.text_en as goal_text_en,
        plan_indicators.rule,
        nullif(trim(plan_indicators.secondary_rule), '') as secondary_rule,
        cast(
            coalesce(
                try_cast(plan_indicators.target_value as double),
                case plan_indicators.rule when 'coverage' then 100 when 'majority' then 50 end
            ) as double
        ) as target_value,
        nullif(trim(plan_indicators.target_change_unit), '') as target_change_unit,
        nullif(trim(plan_indicators.deadline_year), '') as deadline_year,
        {{ deadline_date("nullif(trim(plan_indicators.deadline_year), '')") }} as deadline_date,
        plans.baseline_year,
        plans.first_year as plan_first_year,
        plans.last_year as plan_last_year,
        plans.midterm_year,
        plans.final_year,
        cast(plan_indicators.sort_order as integer) as sort_order,
    from plan_indicators
    inner join plans
        on plan_indicators.plan_id = plans.plan_id
    left join plan_targets as targets
        on plan_indicators.plan_id = targets.plan_id
        and plan_indicators.target_id = targets.target_id
    left join plan_targets as goals
        on targets.plan_id = goals.plan_id
        and targets.goal_id = goals.target_id
)

select * from final
