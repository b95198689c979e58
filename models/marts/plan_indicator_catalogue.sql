-- The indicator catalogue of every plan: one row per plan and indicator the plan judges, the
-- indicator's definition (the catalogue seed) beside the plan's target and goal (Swedish and
-- English), rule, target value and deadline (int_plan_indicators_linked). An indicator judging
-- several targets of one plan shows the first (by sort_order, then target_id), as
-- marts.indicator_catalogue does for the current plan; every plan target: marts.plan_catalogue.
with

plan_indicators as (
    select * from {{ ref('int_plan_indicators_linked') }}
),

catalogue as (
    select * from {{ ref('indicator_catalogue') }}
),

first_targets as (
    select *
    from plan_indicators
    qualify row_number() over (partition by plan_id, indicator_id order by sort_order, target_id) = 1
),

final as (
    select
        first_targets.plan_id,
        catalogue.indicator_id,
        first_targets.target_id,
        first_targets.target_kind,
        first_targets.target_text_sv,
        first_targets.target_text_en,
        first_targets.goal_id,
        first_targets.goal_text_sv,
        first_targets.goal_text_en,
        catalogue.name_sv as indicator_name_sv,
        catalogue.name_en as indicator_name_en,
        catalogue.definition_sv,
        catalogue.definition_en,
        catalogue.unit,
        catalogue.sources,
        first_targets.rule,
        first_targets.secondary_rule,
        first_targets.baseline_year,
        first_targets.target_value,
        first_targets.deadline_year,
        first_targets.deadline_date,
        catalogue.per_programme,
        first_targets.sort_order,
    from first_targets
    inner join catalogue
        on first_targets.indicator_id = catalogue.indicator_id
)

select * from final
