-- Every plan the warehouse follows and its goals, targets and milestones, one row per plan
-- target and indicator that judges it (a goal, or a target no indicator judges, has one row with
-- indicator_id NULL). The plans are seeds: adding one is an edit of seeds/plans.csv,
-- seeds/plan_targets.csv and seeds/plan_indicators.csv. The plan's own columns: marts.plans.
with

plans as (
    select * from {{ ref('marts_plans') }}
),

plan_targets as (
    select * from {{ plan_seed('plan_targets') }}
),

plan_indicators as (
    select * from {{ ref('int_plan_indicators_linked') }}
),

final as (
    select
        plans.plan_id,
        plans.plan_name_sv,
        plans.plan_name_en,
        plans.first_year,
        plans.last_year,
        plans.baseline_year,
        plans.midterm_year,
        plans.final_year,
        plans.adopted_by,
        plans.source_document,
        plans.is_current,
        plan_targets.target_id,
        plan_targets.target_kind,
        nullif(trim(plan_targets.parent_id), '') as parent_id,
        nullif(trim(plan_targets.goal_id), '') as goal_id,
        plan_targets.text_sv as target_text_sv,
        plan_targets.text_en as target_text_en,
        plan_indicators.indicator_id,
        plan_indicators.rule,
        plan_indicators.secondary_rule,
        plan_indicators.target_value,
        plan_indicators.deadline_year,
        plan_indicators.deadline_date,
        plans.sort_order as plan_sort_order,
        cast(plan_targets.sort_order as integer) as sort_order,
    from plans
    inner join plan_targets
        on plans.plan_id = plan_targets.plan_id
    left join plan_indicators
        on plan_targets.plan_id = plan_indicators.plan_id
        and plan_targets.target_id = plan_indicators.target_id
)

select * from final
